import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetMapping } from '../platform/config.js';
import { dateReasonSql, dateSql } from './date-sql.js';
import { moneyReasonSql, moneySql } from './money.js';
import { rejectOrdersBeforeAcquisition } from './sql-acquisition.js';
import { applyChecks, type FieldCheck, keepFirst } from './sql-checks.js';
import { currencySql } from './sql-currency.js';
import { customerIdSql, type RowRuleSettings, textCheck } from './sql-field-rules.js';

/** Order statuses of the contract; empty means completed. */
export const ORDER_STATUSES = ['completed', 'refunded', 'cancelled'] as const;

/**
 * Validates `stg_orders` into `orders_ok` (typed: order_date DATE, money DOUBLE in the base currency,
 * status lower-case, currency upper-case) and writes rejects. Needs `customers_ok` (acquired_at). Orders
 * before their customer's acquisition and duplicate order ids are rejected after the field checks, so
 * an invalid first row does not shadow a later valid one.
 */
export async function validateOrders(
  conn: DuckDBConnection,
  mapping: DatasetMapping,
  exportDate: string,
  rules: RowRuleSettings,
): Promise<void> {
  const statuses = ORDER_STATUSES.map((s) => `'${s}'`).join(', ');
  const currency = currencySql(rules.currency, 'currency_raw');
  const converted = (amount: string): string =>
    currency.rate === null ? `${amount}_src AS ${amount}` : `${amount}_src * rate AS ${amount}`;
  const input = `SELECT *, ${converted('revenue')}, ${converted('cost')}, ${converted('refund_amount')}
    FROM (SELECT file_idx, row, order_id, customer_id AS customer_id_raw,
      ${customerIdSql('customer_id', rules.customerIds)} AS customer_id,
      ${dateSql('order_date', mapping.dateFormat)} AS order_date,
      ${moneySql('revenue', mapping)} AS revenue_src, ${moneySql('cost', mapping)} AS cost_src,
      currency AS currency_raw, ${currency.code} AS currency, ${currency.rate ?? 'NULL'} AS rate,
      coalesce(lower(status), 'completed') AS status,
      ${moneySql('refund_amount', mapping)} AS refund_amount_src, channel,
      order_date AS order_date_raw, revenue AS revenue_raw, cost AS cost_raw,
      refund_amount AS refund_raw, status AS status_raw
    FROM stg_orders)`;
  const checks: FieldCheck[] = [
    textCheck('order_id', 'order_id', true),
    textCheck('customer_id', 'customer_id_raw', true),
    {
      field: 'order_date',
      reason: `CASE WHEN order_date_raw IS NULL THEN 'missing_value' ELSE ${dateReasonSql('order_date_raw', 'order_date', exportDate)} END`,
      value: 'order_date_raw',
    },
    { field: 'revenue', reason: moneyReasonSql('revenue_raw', 'revenue_src', true), value: 'revenue_raw' },
    { field: 'cost', reason: moneyReasonSql('cost_raw', 'cost_src', false), value: 'cost_raw' },
    currency.check,
    {
      field: 'status',
      reason: `CASE WHEN status NOT IN (${statuses}) THEN 'bad_status' END`,
      value: 'status_raw',
    },
    {
      field: 'refund_amount',
      reason: `coalesce(${moneyReasonSql('refund_raw', 'refund_amount_src', false)},
        CASE WHEN isfinite(revenue_src) AND revenue_src >= 0 AND refund_amount_src > revenue_src
          THEN 'refund_exceeds_revenue' END)`,
      value: 'refund_raw',
    },
    textCheck('channel', 'channel', false),
  ];
  await applyChecks(conn, 'orders_chk', input, checks, [
    'customer_id_raw',
    'currency_raw',
    'rate',
    'revenue_src',
    'cost_src',
    'refund_amount_src',
    'order_date_raw',
    'revenue_raw',
    'cost_raw',
    'refund_raw',
    'status_raw',
  ]);
  await rejectOrdersBeforeAcquisition(conn, 'orders_chk');
  const within = rules.orderIdScope === 'customer' ? 'customer_id' : undefined;
  await keepFirst(conn, 'orders_chk', 'orders_ok', 'order_id', 'duplicate_order_id', within);
}
