import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChurnWindow, CustomerSummary } from '../../lambdas/model/types.js';
import { type Scratch, scratch } from './ingest-fixtures.js';

const WINDOW: ChurnWindow = {
  months: 12,
  previousStart: '2022-10-31',
  lastStart: '2023-10-31',
  asOf: '2024-10-31',
};
const CUSTOMERS = 2_000;
const ORDERS = 20_000;

/** Numerical Recipes LCG: deterministic data without a dependency. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Order {
  id: string;
  customer: string;
  date: string;
  revenue: string;
  cost: string;
  status: string;
  refund: string;
  channel: string;
}

function generate(): { orders: Order[]; customers: string[][] } {
  const rand = lcg(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const day0 = Date.UTC(2022, 0, 1);
  const orders: Order[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const customer = `c${Math.floor(rand() * CUSTOMERS)}`;
    // A tenth of the customers buy within a narrow range, so same-day orders are common.
    const span = Number(customer.slice(1)) % 10 === 0 ? 5 : 1_095;
    const date = new Date(day0 + Math.floor(rand() * span) * 86_400_000).toISOString().slice(0, 10);
    const revenue = (Math.floor(rand() * 50_000) / 100).toFixed(2);
    const status = pick(['completed', 'completed', 'completed', 'Completed', 'refunded', 'cancelled', '']);
    const refund =
      status === 'refunded' && rand() < 0.5
        ? (Number(revenue) * 0.5).toFixed(2)
        : status === 'completed' && rand() < 0.05
          ? (Number(revenue) * 0.1).toFixed(2)
          : '';
    const cost =
      Number(customer.slice(1)) % 3 === 0 && rand() < 0.3 ? '' : (Number(revenue) * 0.4).toFixed(3);
    const channel = pick(['web', 'ads', 'pos', '']);
    orders.push({ id: `o${i}`, customer, date, revenue, cost, status, refund, channel });
  }
  const customers: string[][] = [];
  for (let c = 0; c < CUSTOMERS; c += 2) {
    customers.push([
      `c${c}`,
      c % 4 === 0 ? '2021-05-01' : '',
      c % 6 === 0 ? 'partner' : '',
      pick(['DE', 'FR', '']),
    ]);
  }
  return { orders, customers };
}

/** The reference: a plain TypeScript reading of the CustomerSummary doc comments. */
function expected(orders: readonly Order[], customers: readonly string[][]): CustomerSummary[] {
  const known = new Map(
    customers.map(([id, acquired, channel, country]) => [id, { acquired, channel, country }]),
  );
  const byCustomer = new Map<string, Order[]>();
  for (const o of orders) {
    if (o.status.toLowerCase() === 'cancelled' || o.date > WINDOW.asOf) continue;
    byCustomer.set(o.customer, [...(byCustomer.get(o.customer) ?? []), o]);
  }
  const out: CustomerSummary[] = [];
  for (const [customerId, list] of byCustomer) {
    let first = list[0] as Order;
    for (const o of list) if (o.date < first.date) first = o;
    const dates = list.map((o) => o.date).sort();
    const sum = (f: (o: Order) => number): number => list.reduce((a, o) => a + f(o), 0);
    const gross = sum((o) => Number(o.revenue));
    const refunds = sum((o) =>
      o.refund !== '' ? Number(o.refund) : o.status === 'refunded' ? Number(o.revenue) : 0,
    );
    const info = known.get(customerId);
    out.push({
      customerId,
      firstOrderDate: dates[0] as string,
      lastOrderDate: dates[dates.length - 1] as string,
      orders: list.length,
      purchaseDays: new Set(dates).size,
      grossRevenue: gross,
      refunds,
      netRevenue: gross - refunds,
      // Net revenue of the orders on the first purchase day (repeat spend is the rest).
      firstPurchaseNetRevenue: list
        .filter((o) => o.date === dates[0])
        .reduce(
          (a, o) =>
            a +
            Number(o.revenue) -
            (o.refund !== '' ? Number(o.refund) : o.status === 'refunded' ? Number(o.revenue) : 0),
          0,
        ),
      cost: list.every((o) => o.cost !== '') ? sum((o) => Number(o.cost)) : null,
      acquiredAt: info?.acquired || first.date,
      acquisitionChannel: info?.channel || first.channel || 'unknown',
      activeInPreviousWindow: dates.some((d) => d > WINDOW.previousStart && d <= WINDOW.lastStart),
      activeInLastWindow: dates.some((d) => d > WINDOW.lastStart),
      attributes: info?.country ? { country: info.country } : {},
    });
  }
  return out.sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
}

describe('customerSummaries cross-check', () => {
  let s: Scratch;
  let data: ReturnType<typeof generate>;
  let actual: CustomerSummary[];

  beforeAll(async () => {
    s = scratch();
    data = generate();
    const ordersCsv = [
      'order_id,customer_id,order_date,revenue,cost,status,refund_amount,channel',
      ...data.orders.map((o) =>
        [o.id, o.customer, o.date, o.revenue, o.cost, o.status, o.refund, o.channel].join(','),
      ),
    ].join('\n');
    const customersCsv = [
      'customer_id,acquired_at,acquisition_channel,country',
      ...data.customers.map((c) => c.join(',')),
    ].join('\n');
    const ingest = await s.open({ exportDate: '2024-12-31' });
    const report = await ingest.load([
      s.file('orders', 'orders.csv', ordersCsv),
      s.file('customers', 'customers.csv', customersCsv),
    ]);
    expect(report.rejects).toEqual([]);
    actual = await ingest.customerSummaries(WINDOW);
  });

  afterAll(async () => {
    await s.cleanup();
  });

  it('matches an independent TypeScript aggregation on every field of every customer', () => {
    // Prepare
    const reference = expected(data.orders, data.customers);
    const money = ['grossRevenue', 'refunds', 'netRevenue', 'firstPurchaseNetRevenue', 'cost'] as const;

    // Act
    const pairs = reference.map((want, i) => [want, actual[i]] as const);

    // Assess
    expect(actual.map((c) => c.customerId)).toEqual(reference.map((c) => c.customerId));
    for (const [want, got] of pairs) {
      if (got === undefined) throw new Error(`missing ${want.customerId}`);
      for (const key of money) {
        const [w, g] = [want[key], got[key]];
        if (w === null || g === null) expect(g, `${want.customerId}.${key}`).toBe(w);
        else expect(Math.abs(w - g), `${want.customerId}.${key}`).toBeLessThanOrEqual(1e-9);
      }
      const { grossRevenue, refunds, netRevenue, firstPurchaseNetRevenue, cost, ...rest } = want;
      expect(got, want.customerId).toMatchObject(rest);
      expect(got.attributes).toEqual(want.attributes);
    }
  });

  it('covers the interesting cases (same-day orders, refunds, missing cost, both windows)', () => {
    // Prepare
    const some = (f: (c: CustomerSummary) => boolean): boolean => actual.some(f);

    // Act
    const cases = [
      some((c) => c.purchaseDays < c.orders),
      some((c) => c.refunds > 0),
      some((c) => c.cost === null),
      some((c) => c.activeInPreviousWindow && !c.activeInLastWindow),
      some((c) => c.acquisitionChannel === 'unknown'),
      some((c) => c.acquiredAt === '2021-05-01'),
    ];

    // Assess
    expect(cases).toEqual([true, true, true, true, true, true]);
  });
});
