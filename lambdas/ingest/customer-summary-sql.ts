import type { DuckDBConnection } from '@duckdb/node-api';
import type { ChurnWindow, CustomerSummary } from '../model/types.js';
import { sqlDate, sqlIdent } from './sql-text.js';

/** Prefix of attribute columns in `customers_ok`. */
export const ATTRIBUTE_PREFIX = 'attr:';

/** Dates travel as day numbers: converting 3M date strings in JS costs seconds, a cached format does not. */
function days(expr: string): string {
  return `(${expr} - DATE '1970-01-01')::INTEGER`;
}

/** Formats day numbers since 1970-01-01 as ISO dates, each distinct day once. */
function dayFormatter(): (day: number) => string {
  const cache = new Map<number, string>();
  return (day) => {
    let text = cache.get(day);
    if (text === undefined) {
      text = new Date(day * 86_400_000).toISOString().slice(0, 10);
      cache.set(day, text);
    }
    return text;
  };
}

/**
 * SQL of an order-independent sum of a DOUBLE amount: each value rounded to 10 decimals (a per-value,
 * deterministic step far below a cent), summed exactly as a 128-bit decimal, converted back once. The
 * result is the same bits whatever order the rows come in (a sharded run reads a customer's rows in
 * another order than the single pass), as fast as fsum, and without the per-group sort of an ordered
 * aggregate (which ran out of DuckDB's 1 GB at 10M orders). Amounts are below 10¹⁵ (money.ts MAX_AMOUNT),
 * so a sum of up to 10¹³ of them fits DECIMAL(38, 10).
 */
export function exactSum(expr: string): string {
  return `sum((${expr})::DECIMAL(38, 10))::DOUBLE`;
}

/**
 * SQL of one summary row per customer with a non-cancelled order on or before window.asOf.
 * The first order (acquisition channel fallback) is the earliest date, then file order, then row.
 * Sums are exact (exactSum): a sharded run reads a customer's rows in another order than the single
 * pass, and compensated sums still round differently in another order (docs/scale.md).
 */
export function customerSummarySql(window: ChurnWindow, attributeColumns: readonly string[]): string {
  const asOf = sqlDate(window.asOf);
  const previousStart = sqlDate(window.previousStart);
  const lastStart = sqlDate(window.lastStart);
  const attrs = attributeColumns.map((c) => `, c.${sqlIdent(c)}`).join('');
  return `WITH o AS (
      SELECT customer_id, order_date, revenue, cost, channel, file_idx, row,
        CASE WHEN refund_amount IS NOT NULL THEN refund_amount
             WHEN status = 'refunded' THEN revenue ELSE 0 END AS refund
      FROM orders_ok WHERE status <> 'cancelled' AND order_date <= ${asOf}
    ), a AS (
      SELECT customer_id, min(order_date) AS first_date, max(order_date) AS last_date,
        count(*)::INTEGER AS orders, count(DISTINCT order_date)::INTEGER AS purchase_days,
        ${exactSum('revenue')} AS gross, ${exactSum('refund')} AS refunds,
        CASE WHEN count(cost) = count(*) THEN ${exactSum('cost')} END AS cost,
        arg_min_null(channel, {'d': order_date, 'f': file_idx, 'r': row}) AS first_channel,
        coalesce(bool_or(order_date > ${previousStart} AND order_date <= ${lastStart}), false) AS prev_active,
        coalesce(bool_or(order_date > ${lastStart}), false) AS last_active
      FROM o GROUP BY customer_id
    ), f AS (
      SELECT o.customer_id, ${exactSum('o.revenue - o.refund')} AS first_net
      FROM o JOIN a ON a.customer_id = o.customer_id AND o.order_date = a.first_date
      GROUP BY o.customer_id
    )
    SELECT a.customer_id, ${days('first_date')} AS first_date, ${days('last_date')} AS last_date,
      orders, purchase_days, gross, refunds, gross - refunds AS net, a.cost,
      ${days('coalesce(c.acquired_at, first_date)')} AS acquired_at,
      coalesce(c.acquisition_channel, first_channel, 'unknown') AS acquisition_channel,
      prev_active, last_active, f.first_net${attrs}
    FROM a JOIN f ON f.customer_id = a.customer_id
    LEFT JOIN customers_ok c ON c.customer_id = a.customer_id
    ORDER BY a.customer_id`;
}

/** Runs the summary query and builds the summaries from its columns (columnar read: 1M rows in seconds). */
export async function readCustomerSummaries(
  conn: DuckDBConnection,
  window: ChurnWindow,
  attributeColumns: readonly string[],
): Promise<CustomerSummary[]> {
  return readSummaryRows(conn, customerSummarySql(window, attributeColumns), attributeColumns);
}

/** The summary columns, in the order readSummaryRows reads them, before the attribute columns. */
export const SUMMARY_COLUMNS = [
  'customer_id',
  'first_date',
  'last_date',
  'orders',
  'purchase_days',
  'gross',
  'refunds',
  'net',
  'cost',
  'acquired_at',
  'acquisition_channel',
  'prev_active',
  'last_active',
  'first_net',
] as const;

/**
 * Builds summaries from a query yielding SUMMARY_COLUMNS then `attributeColumns`, in that order: the
 * summary SQL itself, or summaries a sharded run stored as Parquet.
 */
export async function readSummaryRows(
  conn: DuckDBConnection,
  sql: string,
  attributeColumns: readonly string[],
): Promise<CustomerSummary[]> {
  const reader = await conn.runAndReadAll(sql);
  const cols = reader.getColumnsJS() as unknown[][];
  const col = <T>(i: number): T[] => (cols[i] ?? []) as T[];
  const [ids, first, last, orders, days] = [
    col<string>(0),
    col<number>(1),
    col<number>(2),
    col<number>(3),
    col<number>(4),
  ];
  const [gross, refunds, net, cost] = [col<number>(5), col<number>(6), col<number>(7), col<number | null>(8)];
  const [acquired, channel, prev, lastActive] = [
    col<number>(9),
    col<string>(10),
    col<boolean>(11),
    col<boolean>(12),
  ];
  const firstNet = col<number>(13);
  const attrNames = attributeColumns.map((c) => c.slice(ATTRIBUTE_PREFIX.length));
  const attrValues = attributeColumns.map((_, k) => col<string | null>(14 + k));
  const isoDay = dayFormatter();
  const out = new Array<CustomerSummary>(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const attributes: Record<string, string> = {};
    for (let k = 0; k < attrNames.length; k++) {
      const v = attrValues[k]?.[i];
      if (v !== null && v !== undefined) attributes[attrNames[k] as string] = v;
    }
    out[i] = {
      customerId: ids[i] as string,
      firstOrderDate: isoDay(first[i] as number),
      lastOrderDate: isoDay(last[i] as number),
      orders: orders[i] as number,
      purchaseDays: days[i] as number,
      grossRevenue: gross[i] as number,
      refunds: refunds[i] as number,
      netRevenue: net[i] as number,
      firstPurchaseNetRevenue: firstNet[i] as number,
      cost: cost[i] ?? null,
      acquiredAt: isoDay(acquired[i] as number),
      acquisitionChannel: channel[i] as string,
      activeInPreviousWindow: prev[i] as boolean,
      activeInLastWindow: lastActive[i] as boolean,
      attributes,
    };
  }
  return out;
}

/** Per customer acquired on or before the split: the calibration history and the holdout purchases. */
export interface CalibrationHistories {
  /** Repeat purchase days on or before the split (distinct days − 1). */
  readonly x: Float64Array;
  /** Days from the first purchase to the last one on or before the split. */
  readonly tx: Float64Array;
  /** Days from the first purchase to the split. */
  readonly T: Float64Array;
  /** Distinct purchase days after the split, up to asOf: the repeat purchases the backtest predicts. */
  readonly holdoutPurchases: Float64Array;
}

/**
 * The backtest's inputs per customer (customer_id, x, tx, T, holdout): histories cut at `split`, and what
 * each customer bought after it up to `asOf`.
 */
export function calibrationSql(split: string, asOf: string): string {
  const cut = sqlDate(split);
  return `WITH o AS (
      SELECT customer_id, order_date FROM orders_ok
      WHERE status <> 'cancelled' AND order_date <= ${sqlDate(asOf)}
    ), c AS (
      SELECT customer_id, min(order_date) AS first_date,
        count(DISTINCT order_date) FILTER (WHERE order_date <= ${cut})::INTEGER AS calibration_days,
        max(order_date) FILTER (WHERE order_date <= ${cut}) AS calibration_last,
        count(DISTINCT order_date) FILTER (WHERE order_date > ${cut})::INTEGER AS holdout_days
      FROM o GROUP BY customer_id
    )
    SELECT customer_id, calibration_days - 1 AS x, (calibration_last - first_date)::INTEGER AS tx,
      (${cut} - first_date)::INTEGER AS t, holdout_days AS holdout
    FROM c WHERE first_date <= ${cut}`;
}

/** Reads calibration rows (calibrationSql's columns, from `relation`) in customer id order. */
export async function readCalibrationRows(
  conn: DuckDBConnection,
  relation: string,
): Promise<CalibrationHistories> {
  const reader = await conn.runAndReadAll(`SELECT x, tx, t, holdout FROM ${relation} ORDER BY customer_id`);
  const cols = reader.getColumnsJS() as number[][];
  return {
    x: Float64Array.from(cols[0] ?? []),
    tx: Float64Array.from(cols[1] ?? []),
    T: Float64Array.from(cols[2] ?? []),
    holdoutPurchases: Float64Array.from(cols[3] ?? []),
  };
}

/** The backtest's inputs: histories cut at `split`, and what each customer bought after it up to `asOf`. */
export async function readCalibrationHistories(
  conn: DuckDBConnection,
  split: string,
  asOf: string,
): Promise<CalibrationHistories> {
  return readCalibrationRows(conn, `(${calibrationSql(split, asOf)})`);
}
