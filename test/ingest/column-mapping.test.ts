import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChurnWindow } from '../../lambdas/model/types.js';
import { type Scratch, scratch } from './ingest-fixtures.js';

const WINDOW: ChurnWindow = {
  months: 6,
  previousStart: '2023-12-31',
  lastStart: '2024-06-30',
  asOf: '2024-12-31',
};

/** The worked example of docs/exports.md: a shop-platform order export and its settings. */
const SHOP_EXPORT = [
  'Name,Email,Created at,Currency,Total,Refunded Amount,Source,Tags',
  '#1001,ann@example.com,2024-03-01 23:30:00 -0200,USD,"$1,234.50",$0.00,web,vip',
  '#1002,ann@example.com,2024-04-10 08:00:00 +0200,USD,$20.00,$20.00,pos,',
  '#1003,bob@example.com,2024-05-05 12:00:00 +0000,USD,$99.99,,web,',
].join('\n');
const SHOP_MAPPING = {
  orders: {
    columns: {
      order_id: 'Name',
      customer_id: 'Email',
      order_date: 'Created at',
      currency: 'Currency',
      revenue: 'Total',
      refund_amount: 'Refunded Amount',
      channel: 'Source',
    },
    dateFormat: '%Y-%m-%d %H:%M:%S %z',
    lenientMoney: true,
  },
};

describe('column mapping', () => {
  let s: Scratch;
  beforeEach(() => {
    s = scratch();
  });
  afterEach(async () => {
    await s.cleanup();
  });

  it('reads a shop-platform export through the mapping (worked example)', async () => {
    // Prepare
    const orders = s.file('orders', 'orders_export.csv', SHOP_EXPORT);
    const ingest = await s.open({ mapping: SHOP_MAPPING });

    // Act
    const report = await ingest.load([orders]);
    const customers = await ingest.customerSummaries(WINDOW);

    // Assess
    expect(report.rejects.map((r) => [r.row, r.reason, r.value])).toEqual([[0, 'ignored_columns', 'Tags']]);
    expect(customers).toEqual([
      expect.objectContaining({
        customerId: 'ann@example.com',
        firstOrderDate: '2024-03-02',
        lastOrderDate: '2024-04-10',
        orders: 2,
        grossRevenue: 1254.5,
        refunds: 20,
        netRevenue: 1234.5,
        acquisitionChannel: 'web',
      }),
      expect.objectContaining({ customerId: 'bob@example.com', grossRevenue: 99.99, refunds: 0 }),
    ]);
  });

  it('rejects "$1,234.50" without lenientMoney instead of guessing', async () => {
    // Prepare
    const orders = s.file('orders', 'orders_export.csv', SHOP_EXPORT);
    const ingest = await s.open({ mapping: { orders: { ...SHOP_MAPPING.orders, lenientMoney: false } } });

    // Act
    const report = await ingest.load([orders]);

    // Assess
    expect(report.rejects.map((r) => [r.row, r.field, r.reason, r.value])).toEqual([
      [0, null, 'ignored_columns', 'Tags'],
      [1, 'revenue', 'not_a_number', '$1,234.50'],
      [1, 'refund_amount', 'not_a_number', '$0.00'],
      [2, 'revenue', 'not_a_number', '$20.00'],
      [2, 'refund_amount', 'not_a_number', '$20.00'],
      [3, 'revenue', 'not_a_number', '$99.99'],
    ]);
    expect(report.rejects[1]?.message).toContain('without currency symbols');
  });

  it('reads European numbers and dates with decimalSeparator "," and a dateFormat', async () => {
    // Prepare
    const orders = s.file(
      'orders',
      'bestellungen.csv',
      'Bestellnummer,Kunde,Datum,Betrag\nB1,k1,01.03.2024,"1.234,50"\nB2,k1,02.03.2024,"12,5"\nB3,k2,03.03.2024,"1.234,50 €"\nB4,k2,31.02.2024,7\n',
    );
    const mapping = {
      orders: {
        columns: { order_id: 'Bestellnummer', customer_id: 'Kunde', order_date: 'Datum', revenue: 'Betrag' },
        dateFormat: '%d.%m.%Y',
        decimalSeparator: ',',
      },
    };
    const ingest = await s.open({ mapping });

    // Act
    const report = await ingest.load([orders]);
    const customers = await ingest.customerSummaries(WINDOW);

    // Assess
    expect(report.rejects.map((r) => [r.row, r.field, r.reason, r.value])).toEqual([
      [3, 'revenue', 'not_a_number', '1.234,50 €'],
      [4, 'order_date', 'bad_date', '31.02.2024'],
    ]);
    expect(customers.map((c) => [c.customerId, c.grossRevenue, c.firstOrderDate])).toEqual([
      ['k1', 1247, '2024-03-01'],
    ]);
  });

  it('parses "1.234,50 €" with decimalSeparator "," and lenientMoney', async () => {
    // Prepare
    const orders = s.file(
      'orders',
      'orders.csv',
      'order_id,customer_id,order_date,revenue\n1,k1,2024-03-01,"1.234,50 €"\n2,k1,2024-03-01,EUR 10\n3,k1,2024-03-01,"1,234.50"\n',
    );
    const ingest = await s.open({ mapping: { orders: { decimalSeparator: ',', lenientMoney: true } } });

    // Act
    const report = await ingest.load([orders]);
    const [customer] = await ingest.customerSummaries(WINDOW);

    // Assess
    expect(report.rejects.map((r) => [r.row, r.reason, r.value])).toEqual([[3, 'not_a_number', '1,234.50']]);
    expect(customer?.grossRevenue).toBe(1244.5);
  });

  it('matches column names case-insensitively and keeps further customer columns as attributes', async () => {
    // Prepare
    const customers = s.file(
      'customers',
      'customers.csv',
      'Customer_ID,Acquired_At,Acquisition_Channel,Country,Plan\nc1,2023-06-01,partner,DE,pro\nc2,,,FR,\n',
    );
    const orders = s.file(
      'orders',
      'orders.csv',
      'order_id,customer_id,order_date,revenue,channel\n1,c1,2024-03-01,5,web\n2,c2,2024-03-01,5,web\n',
    );
    const ingest = await s.open();

    // Act
    await ingest.load([customers, orders]);
    const summaries = await ingest.customerSummaries(WINDOW);

    // Assess
    expect(summaries.map((c) => [c.customerId, c.acquiredAt, c.acquisitionChannel, c.attributes])).toEqual([
      ['c1', '2023-06-01', 'partner', { country: 'DE', plan: 'pro' }],
      ['c2', '2024-03-01', 'web', { country: 'FR' }],
    ]);
  });

  it('fails fast on a dateFormat DuckDB rejects', async () => {
    // Prepare
    const orders = s.file(
      'orders',
      'orders.csv',
      'order_id,customer_id,order_date,revenue\n1,c1,2024-03-01,5\n',
    );
    const ingest = await s.open({ mapping: { orders: { dateFormat: '%Q%Q' } } });

    // Act
    const loading = ingest.load([orders]);

    // Assess
    await expect(loading).rejects.toThrow(/dateFormat/);
  });
});
