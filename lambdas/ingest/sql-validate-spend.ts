import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetMapping } from '../platform/config.js';
import { dateReasonSql, dateSql } from './date-sql.js';
import { moneyReasonSql, moneySql } from './money.js';
import { applyChecks } from './sql-checks.js';
import { textCheck } from './sql-field-rules.js';
import { sqlString } from './sql-text.js';

/**
 * Validates `stg_marketing_spend` into `spend_ok(channel, month 'YYYY-MM', amount)`. A row carries a
 * `date` (any day of the month) or a `month`; the date wins when both are given. Amounts are taken to
 * be in the base currency (spend has no currency column). The channel is checked like orders' channels.
 */
export async function validateSpend(
  conn: DuckDBConnection,
  mapping: DatasetMapping,
  exportDate: string,
): Promise<void> {
  const exportMonth = sqlString(exportDate.slice(0, 7));
  const input = `SELECT file_idx, row, channel, date AS date_raw, month AS month_raw,
      ${dateSql('date', mapping.dateFormat)} AS day,
      CASE WHEN regexp_full_match(month, '\\d{4}-(0[1-9]|1[0-2])') THEN month END AS month_ok,
      amount AS amount_raw, ${moneySql('amount', mapping)} AS amount
    FROM stg_marketing_spend`;
  await applyChecks(conn, 'spend_chk', input, [
    {
      field: 'date',
      reason: `CASE WHEN date_raw IS NULL AND month_raw IS NULL THEN 'missing_value'
        ELSE ${dateReasonSql('date_raw', 'day', exportDate)} END`,
      value: 'date_raw',
    },
    {
      field: 'month',
      reason: `CASE WHEN date_raw IS NOT NULL OR month_raw IS NULL THEN NULL
        WHEN month_ok IS NULL THEN 'bad_date' WHEN month_ok > ${exportMonth} THEN 'future_date' END`,
      value: 'month_raw',
    },
    textCheck('channel', 'channel', true),
    { field: 'amount', reason: moneyReasonSql('amount_raw', 'amount', true), value: 'amount_raw' },
  ]);
  await conn.run(`CREATE TEMP TABLE spend_ok AS
    SELECT file_idx, row, channel, coalesce(strftime(day, '%Y-%m'), month_ok) AS month, amount
    FROM spend_chk WHERE __errs IS NULL`);
  await conn.run('DROP TABLE spend_chk');
}
