import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  expectConsistent,
  fileRejects,
  goodOrders,
  HEADER,
  messageOf,
  writeParquet,
} from './file-problem-fixtures.js';
import { type Scratch, scratch } from './ingest-fixtures.js';

describe('header problems of export files', () => {
  let s: Scratch;
  beforeEach(() => {
    s = scratch();
  });
  afterEach(async () => {
    await s.cleanup();
  });

  it('names the extra columns of orders and spend files in one ignored_columns notice per file', async () => {
    // Prepare
    const orders = s.file('orders', 'orders.csv', `${HEADER},Tags,note\no1,c1,2024-01-01,5,vip,x\n`);
    const spend = s.file(
      'marketing_spend',
      'spend.csv',
      'month,channel,amount,campaign\n2024-01,ads,9,spring\n',
    );
    const customers = s.file('customers', 'customers.csv', 'customer_id,country\nc1,DE\n');
    const ingest = await s.open();

    // Act
    const report = await ingest.load([orders, spend, customers]);

    // Assess
    expect(report.rejects.map((r) => [r.file, r.row, r.reason, r.value])).toEqual([
      ['orders.csv', 0, 'ignored_columns', 'Tags, note'],
      ['spend.csv', 0, 'ignored_columns', 'campaign'],
    ]);
    expect(messageOf(report, 'orders.csv', 'ignored_columns')).toContain('ignored: Tags, note');
    expect(report.datasets.orders).toEqual({ files: 1, rowsRead: 1, rowsAccepted: 1, rowsRejected: 0 });
    expect(report.datasets.marketing_spend).toEqual({
      files: 1,
      rowsRead: 1,
      rowsAccepted: 1,
      rowsRejected: 0,
    });
    expect(report.datasets.customers.rowsAccepted).toBe(1);
    expectConsistent(report);
  });

  it('rejects every row of a file whose contract column is repeated, in any case or format', async () => {
    // Prepare
    const twice = s.file(
      'orders',
      'twice.csv',
      `${HEADER},revenue\na1,c1,2024-01-01,5,6\na2,c1,2024-01-02,5,6\n`,
    );
    const cased = s.file(
      'orders',
      'cased.csv',
      'order_id,customer_id,order_date,Revenue,revenue\nb1,c1,2024-01-01,5,6\n',
    );
    const json = s.file(
      'orders',
      'keys.jsonl',
      '{"order_id":"j1","customer_id":"c1","order_date":"2024-01-01","revenue":5,"Revenue":6}\n',
    );
    const good = s.file('orders', 'good.csv', goodOrders(3));
    const ingest = await s.open();

    // Act
    const report = await ingest.load([twice, cased, json, good]);

    // Assess
    expect(fileRejects(report)).toEqual([
      ['twice.csv', 0, 'revenue', 'duplicate_column'],
      ['cased.csv', 0, 'revenue', 'duplicate_column'],
      ['keys.jsonl', 0, 'revenue', 'duplicate_column'],
    ]);
    expect(messageOf(report, 'twice.csv', 'duplicate_column')).toMatch(
      /"revenue" \(column 4\), "revenue" \(column 5\).*ambiguous.*all 2 rows are rejected/,
    );
    expect(messageOf(report, 'cased.csv', 'duplicate_column')).toContain(
      '"Revenue" (column 4), "revenue" (column 5)',
    );
    expect(report.datasets.orders).toEqual({ files: 4, rowsRead: 7, rowsAccepted: 3, rowsRejected: 4 });
    expectConsistent(report);
  });

  it('keeps the first of a repeated customers attribute column and notes the repeat', async () => {
    // Prepare
    const customers = s.file('customers', 'customers.csv', 'customer_id,Country,country\nc1,DE,FR\n');
    const orders = s.file('orders', 'orders.csv', `${HEADER}\no1,c1,2024-01-01,5\n`);
    const ingest = await s.open();

    // Act
    const report = await ingest.load([customers, orders]);
    const [summary] = await ingest.customerSummaries({
      months: 1,
      previousStart: '2023-11-30',
      lastStart: '2023-12-31',
      asOf: '2024-01-31',
    });

    // Assess
    expect(fileRejects(report)).toEqual([['customers.csv', 0, null, 'duplicate_column']]);
    expect(messageOf(report, 'customers.csv', 'duplicate_column')).toContain('the first is kept');
    expect(summary?.attributes).toEqual({ country: 'DE' });
    expect(report.datasets.customers).toEqual({ files: 1, rowsRead: 1, rowsAccepted: 1, rowsRejected: 0 });
    expectConsistent(report);
  });

  it('reads semicolon- and tab-delimited files, noting the delimiter', async () => {
    // Prepare
    const semicolon =
      'order_id;customer_id;order_date;revenue\ns1;c1;2024-01-01;"12,50"\ns2;c2;2024-01-02;3\n';
    const tab = 'customer_id\tacquisition_channel\nc1\tads\nc2\tseo\n';
    const quoted = s.file('orders', 'quoted.csv', `"order;id",${HEADER}\nx,q1,c1,2024-01-01,1\n`);
    const files = [s.file('orders', 'eu.csv', semicolon), s.file('customers', 'tab.csv.gz', tab), quoted];

    // Act
    const withComma = await (await s.open({ mapping: { orders: { decimalSeparator: ',' } } })).load(files);
    const withDot = await (await s.open()).load(files);

    // Assess
    expect(fileRejects(withComma)).toEqual([
      ['eu.csv', 0, null, 'delimiter_detected'],
      ['tab.csv.gz', 0, null, 'delimiter_detected'],
      ['quoted.csv', 0, null, 'ignored_columns'],
    ]);
    expect(messageOf(withComma, 'eu.csv', 'delimiter_detected')).toContain('4 fields on semicolons');
    expect(messageOf(withComma, 'tab.csv.gz', 'delimiter_detected')).toContain('tab-delimited');
    expect(withComma.datasets.orders).toEqual({ files: 2, rowsRead: 3, rowsAccepted: 3, rowsRejected: 0 });
    expect(withComma.datasets.customers).toEqual({ files: 1, rowsRead: 2, rowsAccepted: 2, rowsRejected: 0 });
    // Without decimalSeparator ',' the decimal comma is not guessed.
    expect(withDot.rejects.filter((r) => r.row > 0).map((r) => [r.file, r.row, r.field, r.value])).toEqual([
      ['eu.csv', 1, 'revenue', '12,50'],
    ]);
    expect(withDot.datasets.orders).toEqual({ files: 2, rowsRead: 3, rowsAccepted: 2, rowsRejected: 1 });
    expectConsistent(withComma);
    expectConsistent(withDot);
  });

  it('rejects Parquet files with renamed or nested contract columns, counting rows from the metadata', async () => {
    // Prepare
    const rows =
      "FROM (VALUES ('p1', 'c1', DATE '2024-01-01', 5.0), ('p2', 'c2', DATE '2024-01-02', 7.0)) t(o, c, d, r)";
    const renamed = await writeParquet(
      s,
      'renamed.parquet',
      `SELECT o AS id, c AS customer_id, d AS order_date, r AS revenue ${rows}`,
    );
    const struct = await writeParquet(
      s,
      'struct.parquet',
      `SELECT o AS order_id, c AS customer_id, d AS order_date, {'amount': r, 'currency': 'EUR'} AS revenue ${rows}`,
    );
    const list = await writeParquet(
      s,
      'list.parquet',
      `SELECT o AS order_id, c AS customer_id, d AS order_date, [r] AS revenue ${rows}`,
    );
    const good = await writeParquet(
      s,
      'good.parquet',
      `SELECT 'q' || o AS order_id, c AS customer_id, d AS order_date, r AS revenue ${rows}`,
    );
    const ingest = await s.open();

    // Act
    const report = await ingest.load([renamed, struct, list, good]);

    // Assess
    expect(fileRejects(report)).toEqual([
      ['renamed.parquet', 0, 'order_id', 'missing_column'],
      ['struct.parquet', 0, 'revenue', 'bad_type'],
      ['list.parquet', 0, 'revenue', 'bad_type'],
    ]);
    expect(messageOf(report, 'renamed.parquet', 'missing_column')).toContain('all 2 rows are rejected');
    expect(messageOf(report, 'struct.parquet', 'bad_type')).toMatch(
      /"revenue" \(contract field revenue\) is a Parquet STRUCT\(amount DECIMAL\(2,1\), currency VARCHAR\) column.*all 2 rows are rejected/,
    );
    expect(report.rejects.find((r) => r.file === 'list.parquet')?.value).toBe('DECIMAL(2,1)[]');
    expect(report.datasets.orders).toEqual({ files: 4, rowsRead: 8, rowsAccepted: 2, rowsRejected: 6 });
    expectConsistent(report);
  });
});
