import { afterAll, describe, expect, it } from 'vitest';
import { type Scratch, scratch } from './ingest-fixtures.js';

const ORDERS = [
  'order_id,customer_id,order_date,revenue,status',
  // a: first 2026-01-01, again 01-01 (same day), 02-01, then 06-15 (holdout) and 06-20 (holdout)
  'o1,a,2026-01-01,10,completed',
  'o2,a,2026-01-01,5,completed',
  'o3,a,2026-02-01,20,completed',
  'o4,a,2026-06-15,30,completed',
  'o5,a,2026-06-20,30,completed',
  // b: one order before the split, a cancelled one in the holdout (not a purchase)
  'o6,b,2026-03-10,40,completed',
  'o7,b,2026-06-10,40,cancelled',
  // c: first order after the split: not in the backtest
  'o8,c,2026-06-05,15,completed',
  // d: an order after asOf is ignored
  'o9,d,2026-05-01,12,completed',
  'o10,d,2026-07-15,12,completed',
].join('\n');

describe('calibration histories for the backtest', () => {
  let s: Scratch | undefined;
  afterAll(async () => s?.cleanup());

  it('cuts each history at the split and counts distinct purchase days after it, up to asOf', async () => {
    // Prepare
    s = scratch();
    const ingest = await s.open({ exportDate: '2026-07-31' });
    await ingest.load([s.file('orders', 'orders.csv', ORDERS)]);

    // Act
    const h = await ingest.calibrationHistories('2026-05-31', '2026-06-30');

    // Assess: rows in customer id order a, b, d (c starts after the split)
    // a: calibration days {01-01, 02-01} → x = 1, t_x = 31, T = 150 (01-01 → 05-31); holdout days 2
    // b: x = 0, t_x = 0, T = 82 (03-10 → 05-31); holdout 0 (the cancelled order does not count)
    // d: x = 0, t_x = 0, T = 30; holdout 0 (07-15 is after asOf)
    expect([...h.x]).toEqual([1, 0, 0]);
    expect([...h.tx]).toEqual([31, 0, 0]);
    expect([...h.T]).toEqual([150, 82, 30]);
    expect([...h.holdoutPurchases]).toEqual([2, 0, 0]);
  });

  it('gives each customer the net revenue of the first purchase day in the summary', async () => {
    // Prepare
    s ??= scratch();
    const ingest = await s.open({ exportDate: '2026-07-31' });
    await ingest.load([s.file('orders', 'orders2.csv', ORDERS)]);

    // Act
    const summaries = await ingest.customerSummaries({
      months: 3,
      previousStart: '2026-01-01',
      lastStart: '2026-04-01',
      asOf: '2026-06-30',
    });

    // Assess: a's first day has two orders, 10 + 5
    const a = summaries.find((c) => c.customerId === 'a');
    expect(a?.firstPurchaseNetRevenue).toBe(15);
    expect(a?.netRevenue).toBe(95);
  });
});
