import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IngestReport } from '../../lambdas/ingest/types.js';
import { type Scratch, scratch } from './ingest-fixtures.js';

const HEADER = 'order_id,customer_id,order_date,revenue,cost,status,refund_amount';

function summary(report: IngestReport): (string | number | null)[][] {
  return report.rejects.map((r) => [r.file, r.row, r.field, r.reason, r.value]);
}

function expectConsistent(report: IngestReport): void {
  for (const counts of Object.values(report.datasets)) {
    expect(counts.rowsRead).toBe(counts.rowsAccepted + counts.rowsRejected);
  }
}

describe('rejected rows', () => {
  let s: Scratch;
  beforeEach(() => {
    s = scratch();
  });
  afterEach(async () => {
    await s.cleanup();
  });

  it('rejects each broken order field with its reason and keeps the good rows', async () => {
    // Prepare
    const orders = s.file(
      'orders',
      'orders.csv',
      [
        HEADER,
        'o1,c1,2024-03-01,10.00,4,,', // 1 good
        ',c1,2024-03-01,10,,,', // 2 missing order_id
        'o3,,2024-03-01,10,,,', // 3 missing customer_id
        'o4,c1,,10,,,', // 4 missing order_date
        'o5,c1,01/03/2024,10,,,', // 5 bad_date
        'o6,c1,2025-01-01,10,,,', // 6 future_date
        'o7,c1,2024-03-01,ten,,,', // 7 not_a_number
        'o8,c1,2024-03-01,inf,,,', // 8 not_finite
        'o9,c1,2024-03-01,-1,,,', // 9 negative_amount
        'o10,c1,2024-03-01,10,-2,,', // 10 negative cost
        'o11,c1,2024-03-01,10,,shipped,', // 11 bad_status
        'o12,c1,2024-03-01,10,,refunded,12', // 12 refund_exceeds_revenue
        'o13,c1,2024-03-01,10,,,', // 13 good
        'o1,c2,2024-03-02,5,,,', // 14 duplicate_order_id
        'o15,c1,2024-03-01,1_000,,,', // 15 not_a_number (no digit separators)
        'o16,c1,2024-03-01T10:00:00,10,,,', // 16 bad_date (timestamp without offset)
        'o17,c1,2024-03-01,10,,CANCELLED,', // 17 good (status case-insensitive)
        'o18,c1,2024-03-01,,,,', // 18 missing revenue
      ].join('\n'),
    );
    const ingest = await s.open();

    // Act
    const report = await ingest.load([orders]);

    // Assess
    expect(summary(report)).toEqual([
      ['orders.csv', 2, 'order_id', 'missing_value', null],
      ['orders.csv', 3, 'customer_id', 'missing_value', null],
      ['orders.csv', 4, 'order_date', 'missing_value', null],
      ['orders.csv', 5, 'order_date', 'bad_date', '01/03/2024'],
      ['orders.csv', 6, 'order_date', 'future_date', '2025-01-01'],
      ['orders.csv', 7, 'revenue', 'not_a_number', 'ten'],
      ['orders.csv', 8, 'revenue', 'not_finite', 'inf'],
      ['orders.csv', 9, 'revenue', 'negative_amount', '-1'],
      ['orders.csv', 10, 'cost', 'negative_amount', '-2'],
      ['orders.csv', 11, 'status', 'bad_status', 'shipped'],
      ['orders.csv', 12, 'refund_amount', 'refund_exceeds_revenue', '12'],
      ['orders.csv', 14, 'order_id', 'duplicate_order_id', 'o1'],
      ['orders.csv', 15, 'revenue', 'not_a_number', '1_000'],
      ['orders.csv', 16, 'order_date', 'bad_date', '2024-03-01T10:00:00'],
      ['orders.csv', 18, 'revenue', 'missing_value', null],
    ]);
    expect(report.datasets.orders).toEqual({ files: 1, rowsRead: 18, rowsAccepted: 3, rowsRejected: 15 });
    expect(report.duplicateOrders).toBe(1);
    expect(report.rejects.find((r) => r.reason === 'duplicate_order_id')?.message).toContain(
      'orders.csv row 1',
    );
    expect(report.rejects.every((r) => r.message.length > 0)).toBe(true);
  });

  it('lists every problem of one row and counts the row once', async () => {
    // Prepare
    const orders = s.file('orders', 'orders.csv', `${HEADER}\no1,,2099-01-01,-5,,bogus,\n`);
    const ingest = await s.open();

    // Act
    const report = await ingest.load([orders]);

    // Assess
    expect(report.rejects.map((r) => r.reason)).toEqual([
      'missing_value',
      'future_date',
      'negative_amount',
      'bad_status',
    ]);
    expect(report.datasets.orders).toEqual({ files: 1, rowsRead: 1, rowsAccepted: 0, rowsRejected: 1 });
  });

  it('reads ISO 8601 timestamps with a lower-case t and z (RFC 3339 allows both) as UTC dates', async () => {
    // Prepare: 23:30 UTC stays on the 1st; 23:30 at −02:00 is 01:30 UTC on the 2nd
    const orders = s.file(
      'orders',
      'orders.csv',
      `${HEADER}\nz1,c1,2024-03-01t23:30:00z,1,,,\nz2,c2,2024-03-01 23:30:00-02:00,2,,,\nz3,c3,2024-03-01T23:30:00Z,3,,,\n`,
    );
    const ingest = await s.open();

    // Act
    const report = await ingest.load([orders]);
    const customers = await ingest.customerSummaries({
      months: 1,
      previousStart: '2024-01-31',
      lastStart: '2024-02-29',
      asOf: '2024-03-31',
    });

    // Assess
    expect(summary(report)).toEqual([]);
    expect(customers.map((c) => [c.customerId, c.firstOrderDate])).toEqual([
      ['c1', '2024-03-01'],
      ['c2', '2024-03-02'],
      ['c3', '2024-03-01'],
    ]);
  });

  it('keeps the first of a duplicated order id across files and skips invalid first occurrences', async () => {
    // Prepare
    const a = s.file('orders', 'a.csv', `${HEADER}\nx1,c1,2024-01-01,oops,,,\nx2,c1,2024-01-02,2,,,\n`);
    const b = s.file('orders', 'b.csv', `${HEADER}\nx1,c1,2024-01-03,3,,,\nx2,c9,2024-01-04,4,,,\n`);
    const ingest = await s.open();

    // Act
    const report = await ingest.load([a, b]);
    const customers = await ingest.customerSummaries({
      months: 1,
      previousStart: '2023-11-30',
      lastStart: '2023-12-31',
      asOf: '2024-01-31',
    });

    // Assess
    expect(summary(report)).toEqual([
      ['a.csv', 1, 'revenue', 'not_a_number', 'oops'],
      ['b.csv', 2, 'order_id', 'duplicate_order_id', 'x2'],
    ]);
    expect(customers.map((c) => [c.customerId, c.orders, c.grossRevenue])).toEqual([['c1', 2, 5]]);
    expectConsistent(report);
  });

  it('rejects all rows of a file without a required column, as one row-0 reject per column', async () => {
    // Prepare
    const orders = s.file('orders', 'orders.csv', 'order_id,customer_id,revenue\no1,c1,1\no2,c1,2\n');
    const ingest = await s.open();

    // Act
    const report = await ingest.load([orders]);

    // Assess
    expect(summary(report)).toEqual([['orders.csv', 0, 'order_date', 'missing_column', null]]);
    expect(report.rejects[0]?.message).toContain('all 2 rows are rejected');
    expect(report.datasets.orders).toEqual({ files: 1, rowsRead: 2, rowsAccepted: 0, rowsRejected: 2 });
  });

  it('rejects structurally broken CSV records and JSON lines as malformed', async () => {
    // Prepare
    const orders = s.file(
      'orders',
      'orders.csv',
      `${HEADER}\no1,c1,2024-01-01,1,,,\no2,c1\no3,c1,2024-01-01,1,,,,extra\no4,c1,2024-01-01,1,,,\n`,
    );
    const customers = s.file(
      'customers',
      'customers.jsonl',
      '{"customer_id":"c1"}\n{"customer_id":\n[1]\n{"customer_id":"c1"}\n',
    );
    const ingest = await s.open();

    // Act
    const report = await ingest.load([orders, customers]);

    // Assess
    expect(report.rejects.map((r) => [r.file, r.row, r.reason])).toEqual([
      ['orders.csv', 2, 'malformed_row'],
      ['orders.csv', 3, 'malformed_row'],
      ['customers.jsonl', 2, 'malformed_json'],
      ['customers.jsonl', 3, 'malformed_json'],
      ['customers.jsonl', 4, 'duplicate_customer_id'],
    ]);
    expect(report.rejects[0]?.value).toBe('o2,c1');
    expect(report.datasets.orders).toEqual({ files: 1, rowsRead: 4, rowsAccepted: 2, rowsRejected: 2 });
    expect(report.datasets.customers).toEqual({ files: 1, rowsRead: 4, rowsAccepted: 1, rowsRejected: 3 });
  });

  it('validates customers and marketing spend', async () => {
    // Prepare
    const customers = s.file(
      'customers',
      'customers.csv',
      'customer_id,acquired_at,country\nc1,2024-01-01,DE\n,2024-01-01,FR\nc3,2024-99-01,US\nc4,2030-01-01,US\n',
    );
    const spend = s.file(
      'marketing_spend',
      'spend.csv',
      'date,month,channel,amount\n2024-01-15,,ads,100\n,2024-02,ads,50\n,,ads,1\n,2024-13,ads,1\n,2025-01,ads,1\n2024-01-20,,,1\n2024-01-20,,ads,NaN\n',
    );
    const ingest = await s.open();

    // Act
    const report = await ingest.load([customers, spend]);

    // Assess
    expect(summary(report)).toEqual([
      ['customers.csv', 2, 'customer_id', 'missing_value', null],
      ['customers.csv', 3, 'acquired_at', 'bad_date', '2024-99-01'],
      ['customers.csv', 4, 'acquired_at', 'future_date', '2030-01-01'],
      ['spend.csv', 3, 'date', 'missing_value', null],
      ['spend.csv', 4, 'month', 'bad_date', '2024-13'],
      ['spend.csv', 5, 'month', 'future_date', '2025-01'],
      ['spend.csv', 6, 'channel', 'missing_value', null],
      ['spend.csv', 7, 'amount', 'not_finite', 'NaN'],
    ]);
    expect(await ingest.spendByChannelMonth()).toEqual([
      { channel: 'ads', month: '2024-01', amount: 100 },
      { channel: 'ads', month: '2024-02', amount: 50 },
    ]);
    expectConsistent(report);
  });

  it('numbers Parquet rows by position', async () => {
    // Prepare
    const source = s.file(
      'orders',
      'source.csv',
      `${HEADER}\np1,c1,2024-01-01,1,,,\np2,c1,2024-01-01,-1,,,\n`,
    );
    const ingest = await s.open();
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(`COPY (FROM read_csv('${source.localPath}', header=true, all_varchar=true))
      TO '${s.dir}/orders.parquet' (FORMAT parquet)`);
    conn.closeSync();
    db.closeSync();

    // Act
    const report = await ingest.load([s.existing('orders', 'orders.parquet')]);

    // Assess
    expect(summary(report)).toEqual([['orders.parquet', 2, 'revenue', 'negative_amount', '-1']]);
  });
});
