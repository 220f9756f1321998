import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalExportFile } from '../../lambdas/ingest/types.js';
import type { ChurnWindow, CustomerSummary } from '../../lambdas/model/types.js';
import { type Scratch, scratch } from './ingest-fixtures.js';

const WINDOW: ChurnWindow = {
  months: 6,
  previousStart: '2023-12-31',
  lastStart: '2024-06-30',
  asOf: '2024-12-31',
};
// Quotes and a comma; a line break would be a control_character reject (test below).
const CHANNEL = 'web, "paid" social';
const ROWS = [
  { order_id: 'o1', customer_id: 'c1', order_date: '2024-03-01', revenue: '10.5', channel: CHANNEL },
  {
    order_id: 'o2',
    customer_id: 'c1',
    order_date: '2024-07-02T23:30:00-02:00',
    revenue: '20',
    channel: 'shop',
  },
  { order_id: 'o3', customer_id: 'c2', order_date: '2024-05-05', revenue: '0', channel: 'shop' },
];
const HEADER = 'order_id,customer_id,order_date,revenue,channel';

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function csv(newline: string): string {
  const lines = ROWS.map((r) =>
    [r.order_id, r.customer_id, r.order_date, r.revenue, r.channel].map(csvField).join(','),
  );
  return [HEADER, ...lines].join(newline) + newline;
}

function jsonLines(): string {
  return ROWS.map((r) => JSON.stringify({ ...r, revenue: Number(r.revenue) })).join('\n');
}

async function summariesOf(
  s: Scratch,
  file: LocalExportFile,
): Promise<{ accepted: number; sums: CustomerSummary[] }> {
  const ingest = await s.open();
  const report = await ingest.load([file]);
  expect(report.rejects).toEqual([]);
  return { accepted: report.datasets.orders.rowsAccepted, sums: await ingest.customerSummaries(WINDOW) };
}

describe('export formats', () => {
  let s: Scratch;
  beforeEach(() => {
    s = scratch();
  });
  afterEach(async () => {
    await s.cleanup();
  });

  it('reads CSV (LF), CSV (CRLF + BOM), JSON Lines, gzip variants and Parquet to the same summaries', async () => {
    // Prepare
    const files = [
      s.file('orders', 'lf.csv', csv('\n')),
      s.file('orders', 'crlf-bom.csv', `\uFEFF${csv('\r\n')}`),
      s.file('orders', 'plain.csv.gz', csv('\n')),
      s.file('orders', 'lines.jsonl', jsonLines()),
      s.file('orders', 'lines.ndjson.gz', `${jsonLines()}\n`),
    ];
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(`COPY (SELECT order_id, customer_id, order_date, revenue::DOUBLE AS revenue, channel
      FROM read_csv('${files[0]?.localPath}', header=true, all_varchar=true))
      TO '${s.dir}/orders.parquet' (FORMAT parquet)`);
    conn.closeSync();
    db.closeSync();
    files.push(s.existing('orders', 'orders.parquet'));

    // Act
    const results = [];
    for (const file of files) results.push(await summariesOf(s, file));

    // Assess
    const [first, ...others] = results;
    expect(first?.accepted).toBe(3);
    expect(first?.sums.map((c) => [c.customerId, c.orders, c.grossRevenue, c.lastOrderDate])).toEqual([
      ['c1', 2, 30.5, '2024-07-03'],
      ['c2', 1, 0, '2024-05-05'],
    ]);
    expect(first?.sums[0]?.acquisitionChannel).toBe(CHANNEL);
    for (const other of others) expect(other).toEqual(first);
  });

  it('reads files in a key=value folder as they are (DuckDB must not add a hive partition column)', async () => {
    // Prepare: the same rows at a plain path and under `export_date=…/`, as S3 layouts and local folders often are.
    mkdirSync(join(s.dir, 'export_date=2024-12-31'));
    const plain = s.file('orders', 'plain.csv', csv('\n'));
    const files = [
      s.file('orders', 'export_date=2024-12-31/lf.csv', csv('\n')),
      s.file('orders', 'export_date=2024-12-31/lines.jsonl', jsonLines()),
    ];
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(`COPY (SELECT order_id, customer_id, order_date, revenue::DOUBLE AS revenue, channel
      FROM read_csv('${plain.localPath}', header=true, all_varchar=true, hive_partitioning=false))
      TO '${s.dir}/export_date=2024-12-31/orders.parquet' (FORMAT parquet)`);
    conn.closeSync();
    db.closeSync();
    files.push(s.existing('orders', 'export_date=2024-12-31/orders.parquet'));

    // Act
    const expected = await summariesOf(s, plain);
    const results = [];
    for (const file of files) results.push(await summariesOf(s, file));

    // Assess: without hive_partitioning=false the folder became a column: every row was rejected here,
    // and on a 25,000-row file the CSV header probe never returned (a hung partition stage in the bench).
    expect(expected.accepted).toBe(3);
    for (const result of results) expect(result).toEqual(expected);
  }, 30_000);

  it('numbers CSV rows by record (a quoted multi-line value is one row) and JSON Lines rows by line', async () => {
    // Prepare
    const csvFile = s.file(
      'orders',
      'orders.csv',
      `${HEADER}\no1,c1,2024-01-01,1,"two\nlines"\no2,c1,2024-01-01,oops,x\n`,
    );
    const jsonFile = s.file(
      'orders',
      'orders.jsonl',
      '{"order_id":"j1","customer_id":"c1","order_date":"2024-01-01","revenue":1}\n\n{"order_id":"j2","customer_id":"c1","order_date":"2024-01-01","revenue":"oops"}\n',
    );
    const ingest = await s.open();

    // Act
    const report = await ingest.load([csvFile, jsonFile]);

    // Assess
    expect(report.rejects.map((r) => [r.file, r.row, r.field, r.reason])).toEqual([
      ['orders.csv', 1, 'channel', 'control_character'],
      ['orders.csv', 2, 'revenue', 'not_a_number'],
      ['orders.jsonl', 3, 'revenue', 'not_a_number'],
    ]);
    expect(report.datasets.orders).toEqual({ files: 2, rowsRead: 4, rowsAccepted: 1, rowsRejected: 3 });
  });

  it('reads a header-only and an empty CSV as zero rows', async () => {
    // Prepare
    const headerOnly = s.file('orders', 'header.csv', `${HEADER}\r\n`);
    const empty = s.file('customers', 'empty.csv', '');
    const ingest = await s.open();

    // Act
    const report = await ingest.load([headerOnly, empty]);

    // Assess
    expect(report.datasets.orders).toEqual({ files: 1, rowsRead: 0, rowsAccepted: 0, rowsRejected: 0 });
    expect(report.datasets.customers.rowsRead).toBe(0);
    expect(await ingest.orderDateRange()).toBeNull();
  });
});
