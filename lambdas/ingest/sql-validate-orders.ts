import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetMapping } from '../platform/config.js';
import { dateReasonSql, dateSql } from './date-sql.js';
import { moneyReasonSql, moneySql } from './money.js';
import { applyChecks, type FieldCheck, keepFirst } from './sql-checks.js';

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
  const input = `SELECT file_idx, row, order_id, customer_id,
      ${dateSql('order_date', mapping.dateFormat)} AS order_date,
      ${moneySql('revenue', mapping)} AS revenue, ${moneySql('cost', mapping)} AS cost,
      currency, coalesce(lower(status), 'completed') AS status,
      ${moneySql('refund_amount', mapping)} AS refund_amount, channel,
      order_date AS order_date_raw, revenue AS revenue_raw, cost AS cost_raw,
      refund_amount AS refund_raw, status AS status_raw
    FROM stg_orders`;
  const checks: FieldCheck[] = [
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
  ];
  await applyChecks(conn, 'orders_chk', input, checks, [
    'order_date_raw',
    'revenue_raw',
    'cost_raw',
    'refund_raw',
    'status_raw',
  ]);
  await keepFirst(conn, 'orders_chk', 'orders_ok', 'order_id', 'duplicate_order_id');
}
