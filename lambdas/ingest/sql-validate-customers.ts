import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetMapping } from '../platform/config.js';
import { ATTRIBUTE_PREFIX } from './customer-summary-sql.js';
import { dateReasonSql, dateSql } from './date-sql.js';
import { applyChecks, type FieldCheck, keepFirst } from './sql-checks.js';
import { customerIdSql, type RowRuleSettings, textCheck } from './sql-field-rules.js';
import { sqlIdent } from './sql-text.js';

/** Attribute columns of `stg_customers` that are segment dimensions: their values become key parts. */
async function dimensionColumns(conn: DuckDBConnection, dimensions: readonly string[]): Promise<string[]> {
  if (dimensions.length === 0) return [];
  const reader = await conn.runAndReadAll('DESCRIBE SELECT * FROM stg_customers');
  const columns = new Set(reader.getRows().map((r) => String(r[0])));
  return dimensions.filter((d) => columns.has(`${ATTRIBUTE_PREFIX}${d}`));
}

/**
 * Validates `stg_customers` into `customers_ok` (acquired_at DATE, customer_id cased as configured);
 * the first row of a customer wins. Attributes that are segment dimensions are checked like channels.
 */
export async function validateCustomers(
  conn: DuckDBConnection,
  mapping: DatasetMapping,
  exportDate: string,
  rules: RowRuleSettings,
): Promise<void> {
  const input = `SELECT * EXCLUDE (customer_id, acquired_at), customer_id AS customer_id_raw,
      ${customerIdSql('customer_id', rules.customerIds)} AS customer_id,
      acquired_at AS acquired_at_raw, ${dateSql('acquired_at', mapping.dateFormat)} AS acquired_at
    FROM stg_customers`;
  const dimensions = await dimensionColumns(conn, rules.segmentDimensions);
  const checks: FieldCheck[] = [
    textCheck('customer_id', 'customer_id_raw', true),
    {
      field: 'acquired_at',
      reason: dateReasonSql('acquired_at_raw', 'acquired_at', exportDate),
      value: 'acquired_at_raw',
    },
    textCheck('acquisition_channel', 'acquisition_channel', false),
    ...dimensions.map((d) => textCheck(d, sqlIdent(`${ATTRIBUTE_PREFIX}${d}`), false)),
  ];
  await applyChecks(conn, 'customers_chk', input, checks, ['customer_id_raw', 'acquired_at_raw']);
  await keepFirst(conn, 'customers_chk', 'customers_ok', 'customer_id', 'duplicate_customer_id');
}
