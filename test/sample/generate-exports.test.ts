import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_ROW_SPECS } from '../../lambdas/sample/bad-rows.js';
import { csvField, csvLine } from '../../lambdas/sample/csv-writer.js';
import { CUSTOMER_HEADER, ORDER_HEADER, SPEND_HEADER } from '../../lambdas/sample/export-layout.js';
import {
  generateSampleExport,
  type SampleExportOptions,
  type WrittenSampleExport,
  writeSampleExport,
} from '../../lambdas/sample/generate-exports.js';

const OPTIONS: SampleExportOptions = {
  seed: 20250301,
  customers: 5000,
  exportDate: '2025-03-01',
  historyDays: 730,
  badRows: true,
};

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'clv-sample-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** sha256 of every written file, by relative path. */
async function hashes(dir: string, files: readonly string[]): Promise<Record<string, string>> {
  const entries = await Promise.all(
    files.map(
      async (f) =>
        [
          f,
          createHash('sha256')
            .update(await readFile(join(dir, f)))
            .digest('hex'),
        ] as const,
    ),
  );
  return Object.fromEntries(entries);
}

/** A file's lines without the final empty one after the last LF. */
async function lines(dir: string, file: string): Promise<string[]> {
  const text = await readFile(join(dir, file), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

describe('writeSampleExport', () => {
  let written: WrittenSampleExport;
  let dir: string;

  beforeAll(async () => {
    dir = join(root, 'a', OPTIONS.exportDate);
    written = await writeSampleExport(dir, OPTIONS);
  });

  it('writes the documented layout with _SUCCESS last', () => {
    expect(written.files).toEqual([
      'orders/orders-0001.csv',
      'orders/orders-0002.csv',
      'customers/customers.csv',
      'marketing_spend/spend.csv',
      '_SUCCESS',
    ]);
  });

  it('is deterministic: the same options give byte-identical files, another seed does not', async () => {
    // Prepare
    const again = join(root, 'b', OPTIONS.exportDate);
    const other = join(root, 'c', OPTIONS.exportDate);

    // Act
    await writeSampleExport(again, OPTIONS);
    await writeSampleExport(other, { ...OPTIONS, seed: OPTIONS.seed + 1 });

    // Assess
    const first = await hashes(dir, written.files);
    expect(await hashes(again, written.files)).toEqual(first);
    const changed = await hashes(other, written.files);
    expect(changed['orders/orders-0001.csv']).not.toBe(first['orders/orders-0001.csv']);
  });

  it('has the expected headers and one line per counted row', async () => {
    const [orders1, orders2, customers, spend] = await Promise.all(
      written.files.slice(0, 4).map((f) => lines(dir, f)),
    );
    expect(orders1?.[0]).toBe(ORDER_HEADER.join(','));
    expect(orders2?.[0]).toBe(ORDER_HEADER.join(','));
    expect(customers?.[0]).toBe(CUSTOMER_HEADER.join(','));
    expect(spend?.[0]).toBe(SPEND_HEADER.join(','));

    const badIn = (file: string): number => written.badRows.filter((b) => b.file === file).length;
    const orderLines = (orders1?.length ?? 0) + (orders2?.length ?? 0) - 2;
    expect(orderLines).toBe(
      written.counts.orders + badIn('orders/orders-0001.csv') + badIn('orders/orders-0002.csv'),
    );
    expect((customers?.length ?? 0) - 1).toBe(OPTIONS.customers + badIn('customers/customers.csv'));
    // 24 months (2023-03 .. 2025-02) × 4 paid channels, plus the bad row.
    expect((spend?.length ?? 0) - 1).toBe(24 * 4 + badIn('marketing_spend/spend.csv'));
    expect(written.counts.customers).toBe(OPTIONS.customers);
    expect(await readFile(join(dir, '_SUCCESS'), 'utf8')).toBe('');
  });

  it('puts every bad row at its documented position, and keeps them under 1 % of rows', async () => {
    expect(written.counts.badRows).toBe(16);
    expect(written.badRows.map((b) => [b.file, b.row])).toEqual(BAD_ROW_SPECS.map((s) => [s.file, s.row]));
    const byFile = new Map<string, string[]>();
    for (const file of written.files.slice(0, 4)) byFile.set(file, await lines(dir, file));
    for (const bad of written.badRows) {
      const line = byFile.get(bad.file)?.[bad.row] ?? '';
      const header = (byFile.get(bad.file)?.[0] ?? '').split(',');
      if (bad.field === null) continue;
      // The only quoted field of the sample is the decimal-comma revenue.
      const cells = bad.value === '12,50' ? line.replace('"12,50"', 'X').split(',') : line.split(',');
      const raw = cells[header.indexOf(bad.field)];
      const expected = raw === 'X' ? '12,50' : raw === '' ? null : raw;
      expect(expected, `${bad.file} row ${bad.row}`).toBe(bad.value);
    }
    const orderLines = byFile.get('orders/orders-0001.csv') ?? [];
    expect(orderLines[3]?.split(',')[3]).toBe('abc');
    expect(orderLines[67]).toContain(',"12,50",');
    const duplicate = written.badRows.find(
      (b) => b.reason === 'duplicate_order_id' && b.file.endsWith('0002.csv'),
    );
    const copied = byFile.get('orders/orders-0002.csv')?.[duplicate?.row ?? 0];
    expect(copied).toBe(orderLines[2]);
    const rows = written.counts.orders + written.counts.customers;
    expect(written.counts.badRows / rows).toBeLessThan(0.01);
  });

  it('dates every good order before the export date and in the history', async () => {
    const bad = new Set(written.badRows.map((b) => `${b.file}:${b.row}`));
    let checked = 0;
    for (const file of written.files.slice(0, 2)) {
      const rows = (await lines(dir, file)).slice(1);
      rows.forEach((line, i) => {
        if (bad.has(`${file}:${i + 1}`)) return;
        const date = line.split(',')[2] ?? '';
        const utcDay = new Date(date.length === 10 ? `${date}T00:00:00Z` : date).toISOString().slice(0, 10);
        expect(utcDay >= '2023-03-02' && utcDay < OPTIONS.exportDate, line).toBe(true);
        checked += 1;
      });
    }
    expect(checked).toBe(written.counts.orders);
  });
});

describe('generateSampleExport', () => {
  it('gives a realistic mix: 40–60 % repeaters, 2–4 orders a customer, mean order 60–120', () => {
    const sample = generateSampleExport({ ...OPTIONS, badRows: false });
    expect(sample.stats.repeatShare).toBeGreaterThan(0.4);
    expect(sample.stats.repeatShare).toBeLessThan(0.6);
    expect(sample.stats.meanOrdersPerCustomer).toBeGreaterThan(2);
    expect(sample.stats.meanOrdersPerCustomer).toBeLessThan(4);
    expect(sample.stats.meanOrderValue).toBeGreaterThan(60);
    expect(sample.stats.meanOrderValue).toBeLessThan(120);
    expect(sample.stats.cancelledOrders / sample.counts.orders).toBeCloseTo(0.02, 2);
    expect(sample.badRows).toEqual([]);
  });

  it('builds 5,000 customers well under a second', () => {
    const started = performance.now();
    generateSampleExport({ ...OPTIONS, seed: 99 });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('spends only on paid channels, about acquired × CAC', () => {
    const sample = generateSampleExport({ ...OPTIONS, badRows: false });
    const spend = sample.files.find((f) => f.name === 'marketing_spend/spend.csv')?.rows ?? [];
    const customers = sample.files.find((f) => f.name === 'customers/customers.csv')?.rows ?? [];
    expect(spend.some((r) => r[1] === 'organic')).toBe(false);
    const total = spend.filter((r) => r[1] === 'paid_search').reduce((s, r) => s + Number(r[2]), 0);
    const acquired = customers.filter((r) => r[2] === 'paid_search').length;
    expect(Math.abs(total / acquired - 40) / 40).toBeLessThan(0.05);
  });

  it('rejects options that cannot describe an export', () => {
    expect(() => generateSampleExport({ ...OPTIONS, exportDate: '2025-02-30' })).toThrow(RangeError);
    expect(() => generateSampleExport({ ...OPTIONS, customers: 0 })).toThrow(RangeError);
    expect(() => generateSampleExport({ ...OPTIONS, customers: 50 })).toThrow(/badRows/);
  });
});

describe('csvField / csvLine (RFC 4180)', () => {
  it('quotes fields with a comma, quote, CR or LF and doubles inner quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('12,50')).toBe('"12,50"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvLine(['a', 'b,c', ''])).toBe('a,"b,c",\n');
  });
});
