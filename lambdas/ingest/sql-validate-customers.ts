import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetMapping } from '../platform/config.js';
import { dateReasonSql, dateSql } from './date-sql.js';
import { applyChecks, type FieldCheck, keepFirst } from './sql-checks.js';

/** Validates `stg_customers` into `customers_ok` (acquired_at DATE); the first row of a customer wins. */
export async function validateCustomers(
  conn: DuckDBConnection,
  mapping: DatasetMapping,
  exportDate: string,
): Promise<void> {
  const input = `SELECT * EXCLUDE (acquired_at), acquired_at AS acquired_at_raw,
      ${dateSql('acquired_at', mapping.dateFormat)} AS acquired_at
    FROM stg_customers`;
  const checks: FieldCheck[] = [
    {
      field: 'customer_id',
      reason: `CASE WHEN customer_id IS NULL THEN 'missing_value' END`,
      value: 'customer_id',
    },
    {
      field: 'acquired_at',
      reason: dateReasonSql('acquired_at_raw', 'acquired_at', exportDate),
      value: 'acquired_at_raw',
    },
  ];
  await applyChecks(conn, 'customers_chk', input, checks, ['acquired_at_raw']);
  await keepFirst(conn, 'customers_chk', 'customers_ok', 'customer_id', 'duplicate_customer_id');
}
