import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  expectConsistent,
  fileRejects,
  goodOrders,
  HEADER,
  messageOf,
  nonEmptyLines,
  writeParquet,
} from './file-problem-fixtures.js';
import { type Scratch, scratch } from './ingest-fixtures.js';

describe('file-level problems of export files', () => {
  let s: Scratch;
  beforeEach(() => {
    s = scratch();
  });
  afterEach(async () => {
    await s.cleanup();
  });

  it('reports empty files as row-0 empty_file notices that reject no row', async () => {
    // Prepare
    const files = [
      s.file('orders', 'good.csv', goodOrders(4)),
      s.file('orders', 'zero.csv', ''),
      s.file('orders', 'header-only.csv', `${HEADER}\r\n`),
      s.file('orders', 'zero.csv.gz', ''), // gzip of nothing: a valid stream of 0 bytes
      s.file('customers', 'zero.jsonl', ''),
      s.file('customers', 'blank.ndjson', '\n  \n'),
      await writeParquet(s, 'none.parquet', "SELECT 'o1' AS order_id, 5 AS revenue WHERE false"),
    ];
    const ingest = await s.open();

    // Act
    const report = await ingest.load(files);

    // Assess
    expect(fileRejects(report)).toEqual([
      ['zero.csv', 0, null, 'empty_file'],
      ['header-only.csv', 0, null, 'empty_file'],
      ['zero.csv.gz', 0, null, 'empty_file'],
      ['zero.jsonl', 0, null, 'empty_file'],
      ['blank.ndjson', 0, null, 'empty_file'],
      ['none.parquet', 0, null, 'empty_file'],
    ]);
    expect(report.rejects.every((r) => r.message.includes('no data rows'))).toBe(true);
    expect(messageOf(report, 'header-only.csv', 'empty_file')).toContain('header row (4 columns)');
    expect(messageOf(report, 'zero.csv', 'empty_file')).toContain('0 bytes');
    expect(messageOf(report, 'none.parquet', 'empty_file')).toContain('2 columns');
    expect(report.datasets.orders).toEqual({ files: 5, rowsRead: 4, rowsAccepted: 4, rowsRejected: 0 });
    expect(report.datasets.customers).toEqual({ files: 2, rowsRead: 0, rowsAccepted: 0, rowsRejected: 0 });
    expect(report.unreadableFiles).toEqual([]);
    expectConsistent(report);
  });

  it('rejects a Latin-1 file as bad_encoding, naming the byte and line, and counting its lines as rows', async () => {
    // Prepare: "Köln" and "Zürich" in Latin-1 (ö = 0xF6), the rest ASCII.
    const text = `customer_id,city\nc1,Berlin\n\nc2,K\u00f6ln\nc3,Z\u00fcrich\n`;
    const latin1 = s.file('customers', 'latin1.csv', Buffer.from(text, 'latin1'));
    const jsonText = '{"customer_id":"c9","city":"Malm\u00f6"}\n{"customer_id":"c8"}\n';
    const latinJson = s.file('customers', 'latin1.jsonl.gz', Buffer.from(jsonText, 'latin1'));
    const orders = s.file('orders', 'orders.csv', goodOrders(2));
    const ingest = await s.open();

    // Act
    const report = await ingest.load([latin1, latinJson, orders]);

    // Assess
    expect(fileRejects(report)).toEqual([
      ['latin1.csv', 0, null, 'bad_encoding'],
      ['latin1.jsonl.gz', 0, null, 'bad_encoding'],
    ]);
    const csvMessage = messageOf(report, 'latin1.csv', 'bad_encoding');
    expect(csvMessage).toContain('not UTF-8: byte 0xF6 at line 4');
    expect(csvMessage).toContain('Latin-1/Windows-1252');
    expect(csvMessage).toContain("'CSV UTF-8 (Comma delimited)'");
    expect(csvMessage).toContain('iconv -f WINDOWS-1252 -t UTF-8');
    expect(messageOf(report, 'latin1.jsonl.gz', 'bad_encoding')).toContain('byte 0xF6 at line 1');
    const rows = nonEmptyLines(text) - 1 + nonEmptyLines(jsonText);
    expect(report.datasets.customers).toEqual({
      files: 2,
      rowsRead: rows,
      rowsAccepted: 0,
      rowsRejected: rows,
    });
    expect(report.datasets.orders.rowsAccepted).toBe(2);
    expectConsistent(report);
  });

  it('finds a bad byte past the first megabyte and accepts UTF-8 characters split across chunks', async () => {
    // Prepare: 1.6 MB (more than one 1 MB read) of lines with 2- and 3-byte characters.
    const lines = Array.from({ length: 40_000 }, (_, i) => `o${i},c${i % 50},2024-01-01,1,Zürich €${i}`);
    const valid = `${HEADER},note\n${lines.join('\n')}\n`;
    const bad = Buffer.from(valid, 'utf8');
    const badAt = bad.indexOf('o30000,');
    bad[badAt + 2] = 0xe9; // "o3é000": a lone Latin-1 é in line 30,002 (header + 30,000 rows before)
    const files = [s.file('orders', 'valid.csv', valid), s.file('orders', 'bad.csv.gz', bad)];
    const ingest = await s.open();

    // Act
    const report = await ingest.load(files);

    // Assess
    expect(fileRejects(report)).toEqual([
      ['valid.csv', 0, null, 'ignored_columns'],
      ['bad.csv.gz', 0, null, 'bad_encoding'],
    ]);
    expect(messageOf(report, 'bad.csv.gz', 'bad_encoding')).toContain('byte 0xE9 at line 30002');
    expect(report.datasets.orders).toEqual({
      files: 2,
      rowsRead: 2 * lines.length,
      rowsAccepted: lines.length,
      rowsRejected: lines.length,
    });
    expectConsistent(report);
  });

  it('rejects UTF-16 files, with or without a byte-order mark', async () => {
    // Prepare
    const text = 'customer_id,country\r\nc1,DE\r\nc2,FR\r\nc3,IT\r\n';
    const le = s.file('customers', 'le.csv', Buffer.from(`\uFEFF${text}`, 'utf16le'));
    const be = s.file('customers', 'be.csv', Buffer.from(text, 'utf16le').swap16());
    const orders = s.file('orders', 'orders.csv', goodOrders(1));
    const ingest = await s.open();

    // Act
    const report = await ingest.load([le, be, orders]);

    // Assess
    expect(fileRejects(report)).toEqual([
      ['le.csv', 0, null, 'bad_encoding'],
      ['be.csv', 0, null, 'bad_encoding'],
    ]);
    expect(messageOf(report, 'le.csv', 'bad_encoding')).toMatch(
      /^File is UTF-16 LE \(byte-order mark FF FE\), not UTF-8\..*iconv -f UTF-16LE -t UTF-8.*all 3 rows are rejected/,
    );
    expect(messageOf(report, 'be.csv', 'bad_encoding')).toContain('UTF-16 BE (no byte-order mark');
    const rows = 2 * (nonEmptyLines(text) - 1);
    expect(report.datasets.customers).toEqual({
      files: 2,
      rowsRead: rows,
      rowsAccepted: 0,
      rowsRejected: rows,
    });
    expect(report.datasets.orders.rowsAccepted).toBe(1);
    expectConsistent(report);
  });

  it('lists truncated gzip and corrupt files as unreadable_file so the run can fail', async () => {
    // Prepare
    const whole = gzipSync(Buffer.from(goodOrders(5000, 't')));
    writeFileSync(join(s.dir, 'cut.csv.gz'), whole.subarray(0, Math.floor(whole.length / 2)));
    writeFileSync(join(s.dir, 'garbage.parquet'), Buffer.from('this is not parquet at all'));
    writeFileSync(join(s.dir, 'plain.csv.gz'), goodOrders(2));
    const parquet = await writeParquet(s, 'cut.parquet', 'SELECT 1 AS order_id');
    writeFileSync(parquet.localPath, readFileSync(parquet.localPath).subarray(0, 100));
    const files = [
      s.existing('orders', 'cut.csv.gz'),
      s.existing('orders', 'garbage.parquet'),
      s.existing('orders', 'plain.csv.gz'),
      s.existing('orders', 'cut.parquet'),
      s.file('orders', 'good.csv', goodOrders(3)),
    ];
    const ingest = await s.open();

    // Act
    const report = await ingest.load(files);

    // Assess
    expect(fileRejects(report)).toEqual([
      ['cut.csv.gz', 0, null, 'unreadable_file'],
      ['garbage.parquet', 0, null, 'unreadable_file'],
      ['plain.csv.gz', 0, null, 'unreadable_file'],
      ['cut.parquet', 0, null, 'unreadable_file'],
    ]);
    expect(report.unreadableFiles).toEqual(['cut.csv.gz', 'garbage.parquet', 'plain.csv.gz', 'cut.parquet']);
    expect(messageOf(report, 'cut.csv.gz', 'unreadable_file')).toMatch(
      /gzip stream ends early after [\d,]+ bytes of data .*upload was probably interrupted; re-upload the file and rerun the date/,
    );
    expect(messageOf(report, 'garbage.parquet', 'unreadable_file')).toContain('not a Parquet file');
    expect(messageOf(report, 'plain.csv.gz', 'unreadable_file')).toContain('not a gzip file');
    expect(messageOf(report, 'cut.parquet', 'unreadable_file')).toContain('ends without its footer');
    expect(report.datasets.orders).toEqual({ files: 5, rowsRead: 3, rowsAccepted: 3, rowsRejected: 0 });
    expectConsistent(report);
  });

  it('reports a Parquet file DuckDB cannot open, despite its signature, as unreadable_file', async () => {
    // Prepare: the 4 bytes before the closing PAR1 give the footer length; a huge one cannot be read.
    const parquet = await writeParquet(s, 'footer.parquet', "SELECT 'o1' AS order_id");
    const bytes = readFileSync(parquet.localPath);
    bytes.writeUInt32LE(0x7fffffff, bytes.length - 8);
    writeFileSync(parquet.localPath, bytes);
    const ingest = await s.open();

    // Act
    const report = await ingest.load([s.existing('orders', 'footer.parquet')]);

    // Assess
    expect(fileRejects(report)).toEqual([['footer.parquet', 0, null, 'unreadable_file']]);
    expect(report.rejects[0]?.message).toContain('DuckDB cannot read it as Parquet');
    expect(report.unreadableFiles).toEqual(['footer.parquet']);
    expectConsistent(report);
  });
});
