import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { churnWindow } from '../../lambdas/model/churn.js';
import type { CustomerSummary } from '../../lambdas/model/types.js';
import { writeSampleExport } from '../../lambdas/sample/generate-exports.js';
import { type Scratch, scratch } from './ingest-fixtures.js';

const EXPORT_DATE = '2026-06-30';

interface PlainRow {
  orders: number;
  days: number;
  gross: number;
  refunds: number;
  first: string;
  last: string;
}

/**
 * The reference: one plain DuckDB query over the raw CSV files, written from the contract without any of
 * the ingest code (no staging, no validation: the sample is generated without bad rows).
 */
async function plainSqlSummaries(files: readonly string[]): Promise<Map<string, PlainRow>> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  const list = files.map((f) => `'${f}'`).join(', ');
  const reader = await conn.runAndReadAll(`
    SELECT customer_id, count(*), count(DISTINCT d), sum(revenue),
      sum(CASE WHEN refund_amount IS NOT NULL THEN refund_amount
               WHEN lower(status) = 'refunded' THEN revenue ELSE 0 END),
      strftime(min(d), '%Y-%m-%d'), strftime(max(d), '%Y-%m-%d')
    FROM (SELECT *, CAST(timezone('UTC', CAST(order_date AS TIMESTAMPTZ)) AS DATE) AS d
          FROM read_csv([${list}], header = true, union_by_name = true, all_varchar = true,
                        types = {'revenue': 'DOUBLE', 'refund_amount': 'DOUBLE'}))
    WHERE coalesce(lower(status), 'completed') <> 'cancelled'
    GROUP BY customer_id`);
  const rows = new Map<string, PlainRow>();
  for (const [id, orders, days, gross, refunds, first, last] of reader.getRowsJS()) {
    rows.set(String(id), {
      orders: Number(orders),
      days: Number(days),
      gross: Number(gross),
      refunds: Number(refunds),
      first: String(first),
      last: String(last),
    });
  }
  conn.closeSync();
  db.closeSync();
  return rows;
}

describe('customerSummaries against a plain DuckDB SQL query on a generated export', () => {
  let s: Scratch;
  let actual: CustomerSummary[];
  let reference: Map<string, PlainRow>;

  beforeAll(async () => {
    s = scratch();
    const sample = await writeSampleExport(s.dir, {
      seed: 11,
      customers: 3000,
      exportDate: EXPORT_DATE,
      historyDays: 730,
      badRows: false,
    });
    const orderFiles = sample.files.filter((f) => f.startsWith('orders/'));
    const ingest = await s.open({ exportDate: EXPORT_DATE });
    const report = await ingest.load(orderFiles.map((f) => s.existing('orders', f)));
    expect(report.rejects).toEqual([]);
    const range = await ingest.orderDateRange();
    actual = await ingest.customerSummaries(churnWindow(range?.first ?? EXPORT_DATE, EXPORT_DATE, 12));
    reference = await plainSqlSummaries(orderFiles.map((f) => `${s.dir}/${f}`));
  });

  afterAll(async () => s.cleanup());

  it('agrees on every customer: orders, purchase days, revenue, refunds, first and last order', () => {
    // Assess
    expect(actual.length).toBe(reference.size);
    expect(actual.length).toBeGreaterThan(2500);
    for (const c of actual) {
      const want = reference.get(c.customerId);
      expect(want, c.customerId).toBeDefined();
      expect([c.orders, c.purchaseDays, c.firstOrderDate, c.lastOrderDate], c.customerId).toEqual([
        want?.orders,
        want?.days,
        want?.first,
        want?.last,
      ]);
      expect(Math.abs(c.grossRevenue - (want?.gross ?? Number.NaN)), c.customerId).toBeLessThan(1e-6);
      expect(Math.abs(c.refunds - (want?.refunds ?? Number.NaN)), c.customerId).toBeLessThan(1e-6);
      expect(Math.abs(c.netRevenue - (c.grossRevenue - c.refunds))).toBeLessThan(1e-9);
    }
  });

  it('exercises same-day orders, refunds and timestamps with offsets', () => {
    // Assess: the generated data is not trivially easy.
    expect(actual.some((c) => c.purchaseDays < c.orders)).toBe(true);
    expect(actual.some((c) => c.refunds > 0)).toBe(true);
    expect(actual.filter((c) => c.purchaseDays > 1).length).toBeGreaterThan(1000);
  });
});
