import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetMapping } from '../platform/config.js';
import { dateReasonSql, dateSql } from './date-sql.js';
import { moneyReasonSql, moneySql } from './money.js';
import { applyChecks, keepFirst } from './sql-checks.js';

/** Order statuses of the contract; empty means completed. */
export const ORDER_STATUSES = ['completed', 'refunded', 'cancelled'] as const;

/**
 * Validates `stg_orders` into `orders_ok` (typed: order_date DATE, money DOUBLE, status lower-case)
 * and writes rejects; a duplicate order_id is rejected after validation, so an invalid first row
 * does not shadow a later valid one.
 */
export async function validateOrders(
  conn: DuckDBConnection,
  mapping: DatasetMapping,
  exportDate: string,
): Promise<void> {
  const statuses = ORDER_STATUSES.map((s) => `'${s}'`).join(', ');
  const input = `SELECT file_idx, row, order_id, customer_id, currency, channel,
      order_date AS order_date_raw, ${dateSql('order_date', mapping.dateFormat)} AS order_date,
      revenue AS revenue_raw, ${moneySql('revenue', mapping)} AS revenue,
      cost AS cost_raw, ${moneySql('cost', mapping)} AS cost,
      refund_amount AS refund_raw, ${moneySql('refund_amount', mapping)} AS refund_amount,
      status AS status_raw, coalesce(lower(status), 'completed') AS status
    FROM stg_orders`;
  await applyChecks(conn, 'orders_chk', input, [
    { field: 'order_id', reason: `CASE WHEN order_id IS NULL THEN 'missing_value' END`, value: 'order_id' },
    {
      field: 'customer_id',
      reason: `CASE WHEN customer_id IS NULL THEN 'missing_value' END`,
      value: 'customer_id',
    },
    {
      field: 'order_date',
      reason: `CASE WHEN order_date_raw IS NULL THEN 'missing_value' ELSE ${dateReasonSql('order_date_raw', 'order_date', exportDate)} END`,
      value: 'order_date_raw',
    },
    { field: 'revenue', reason: moneyReasonSql('revenue_raw', 'revenue', true), value: 'revenue_raw' },
    { field: 'cost', reason: moneyReasonSql('cost_raw', 'cost', false), value: 'cost_raw' },
    {
      field: 'status',
      reason: `CASE WHEN status NOT IN (${statuses}) THEN 'bad_status' END`,
      value: 'status_raw',
    },
    {
      field: 'refund_amount',
      reason: `coalesce(${moneyReasonSql('refund_raw', 'refund_amount', false)},
        CASE WHEN isfinite(revenue) AND revenue >= 0 AND refund_amount > revenue THEN 'refund_exceeds_revenue' END)`,
      value: 'refund_raw',
    },
  ]);
  await keepFirst(conn, 'orders_chk', 'orders_valid', 'order_id', 'duplicate_order_id');
  await conn.run(`CREATE TEMP TABLE orders_ok AS
    SELECT file_idx, row, order_id, customer_id, order_date, revenue, cost, currency, status, refund_amount, channel
    FROM orders_valid`);
  await conn.run('DROP TABLE orders_valid; DROP TABLE orders_chk');
}
