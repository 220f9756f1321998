import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MixedCurrencyError } from '../../lambdas/ingest/currency-errors.js';
import {
  expectConsistent,
  ORDERS,
  rows,
  type SettingsScratch,
  settingsScratch,
} from './row-problems-fixture.js';

describe('order currencies', () => {
  let t: SettingsScratch;
  beforeEach(() => {
    t = settingsScratch();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('fails the load when accepted orders mix currencies and no conversion is configured', async () => {
    // Prepare: codes compare upper-case after trimming; a malformed code is a row reject, not a currency.
    const orders = t.s.file(
      'orders',
      'orders.csv',
      [
        ORDERS,
        'o1,c1,2024-03-01,10,,EUR,,,',
        'o2,c1,2024-03-02,10,,eur,,,',
        'o3,c2,2024-03-03,10,,"  Eur ",,,',
        'o4,c2,2024-03-04,10,,USD,,,',
        'o5,c3,2024-03-05,10,,usd,,,',
        'o6,c3,2024-03-06,10,,,,,',
        'o7,c3,2024-03-07,10,,EURO,,,',
      ].join('\n'),
    );
    const ingest = await t.open();

    // Act
    const error = await ingest.load([orders]).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(MixedCurrencyError);
    const mixed = error as MixedCurrencyError;
    expect(mixed.currencies).toEqual([
      { currency: 'EUR', orders: 3 },
      { currency: 'USD', orders: 2 },
    ]);
    expect(mixed.message).toContain('in 2 currencies: EUR (3 orders), USD (2 orders)');
    expect(mixed.message).toContain('{"currency": {"base": "EUR", "rates": {"USD": <EUR per 1 USD>}}}');
    expect(rows(mixed.report)).toEqual([['orders.csv', 7, 'currency', 'bad_currency']]);
    expectConsistent(mixed.report);
  });

  it('accepts one currency (and orders without one) without any configuration', async () => {
    // Prepare
    const orders = t.s.file(
      'orders',
      'orders.csv',
      `${ORDERS}\no1,c1,2024-03-01,10,,usd,,,\no2,c1,2024-03-02,5,,,,,\n`,
    );

    // Act
    const { report, customers } = await t.load([orders]);

    // Assess
    expect(report.rejects).toEqual([]);
    expect(customers.map((c) => c.grossRevenue)).toEqual([15]);
  });

  it('converts revenue, cost and refunds into the base currency and rejects codes without a rate', async () => {
    // Prepare
    const rates: Record<string, number> = { USD: 0.9, GBP: 1.15 };
    const lines = [
      { id: 'o1', customer: 'c1', revenue: 100, cost: 40, currency: 'EUR', refund: 0 },
      { id: 'o2', customer: 'c1', revenue: 50, cost: 20, currency: ' usd', refund: 10 },
      { id: 'o3', customer: 'c1', revenue: 80, cost: 30, currency: 'GBP', refund: 80 },
      { id: 'o4', customer: 'c2', revenue: 12.5, cost: 5, currency: '', refund: 0 },
      { id: 'o5', customer: 'c2', revenue: 99, cost: 1, currency: 'JPY', refund: 0 },
    ];
    const csv = lines.map(
      (o) => `${o.id},${o.customer},2024-03-01,${o.revenue},${o.cost},"${o.currency}",,${o.refund},`,
    );
    const orders = t.s.file('orders', 'orders.csv', [ORDERS, ...csv].join('\n'));
    const factor = (code: string): number => rates[code.trim().toUpperCase()] ?? 1;
    const expected = (customer: string) => {
      const mine = lines.filter((o) => o.customer === customer && o.currency !== 'JPY');
      const sum = (pick: (o: (typeof lines)[number]) => number) =>
        mine.reduce((total, o) => total + pick(o) * factor(o.currency), 0);
      return { gross: sum((o) => o.revenue), cost: sum((o) => o.cost), refunds: sum((o) => o.refund) };
    };

    // Act
    const { report, customers } = await t.load([orders], { currency: { base: 'EUR', rates } });

    // Assess
    expect(rows(report)).toEqual([['orders.csv', 5, 'currency', 'unknown_currency']]);
    expect(report.rejects[0]?.message).toBe(
      'currency JPY has no rate in currency.rates (base EUR; rates are set for USD, GBP); add "JPY": <EUR per unit> to the job settings or fix the order',
    );
    for (const id of ['c1', 'c2']) {
      const got = customers.find((c) => c.customerId === id);
      const want = expected(id);
      expect(got?.grossRevenue).toBeCloseTo(want.gross, 9);
      expect(got?.cost).toBeCloseTo(want.cost, 9);
      expect(got?.refunds).toBeCloseTo(want.refunds, 9);
    }
  });

  it('takes every order to be in the base currency when only a base is set', async () => {
    // Prepare
    const orders = t.s.file(
      'orders',
      'orders.csv',
      `${ORDERS}\no1,c1,2024-03-01,10,,EUR,,,\no2,c1,2024-03-02,10,,USD,,,\n`,
    );

    // Act
    const { report, customers } = await t.load([orders], { currency: { base: 'EUR' } });

    // Assess
    expect(rows(report)).toEqual([['orders.csv', 2, 'currency', 'unknown_currency']]);
    expect(report.rejects[0]?.message).toContain('no rates are set');
    expect(customers.map((c) => c.grossRevenue)).toEqual([10]);
  });
});
