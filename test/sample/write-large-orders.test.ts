import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_ORDER_HEADER, writeBenchOrders } from '../../lambdas/sample/write-large-orders.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'clv-bench-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeBenchOrders', () => {
  it('writes the header and one well-formed line per order, dates ascending', async () => {
    // Prepare
    const path = join(root, 'orders.csv');

    // Act
    const result = await writeBenchOrders(path, { customers: 5000, orders: 200_000, seed: 3 });

    // Assess
    const text = await readFile(path, 'utf8');
    expect(result.bytes).toBe(Buffer.byteLength(text));
    expect(text.startsWith(BENCH_ORDER_HEADER)).toBe(true);
    const rows = text.slice(BENCH_ORDER_HEADER.length, -1).split('\n');
    expect(rows).toHaveLength(200_000);
    const shape = /^O\d{8},C\d{7},\d{4}-\d{2}-\d{2},\d+\.\d{2},\d+\.\d{2},(completed|refunded|cancelled)$/;
    let previous = '';
    rows.forEach((row, i) => {
      if (!shape.test(row)) throw new Error(`row ${i + 1} malformed: ${row}`);
      const date = row.slice(19, 29);
      if (date < previous) throw new Error(`row ${i + 1} goes back in time`);
      previous = date;
    });
    expect(rows[0]?.startsWith('O00000001,')).toBe(true);
    expect(rows.at(-1)?.startsWith('O00200000,')).toBe(true);
    expect(rows.at(-1)?.slice(19, 29)).toBe('2024-12-31');
  });

  it('is deterministic for a seed and keeps cost below revenue', async () => {
    const a = join(root, 'a.csv');
    const b = join(root, 'b.csv');
    await writeBenchOrders(a, { customers: 100, orders: 10_000, seed: 9 });
    await writeBenchOrders(b, { customers: 100, orders: 10_000, seed: 9 });
    const digest = async (p: string): Promise<string> =>
      createHash('sha256')
        .update(await readFile(p))
        .digest('hex');
    expect(await digest(a)).toBe(await digest(b));
    const rows = (await readFile(a, 'utf8')).trim().split('\n').slice(1);
    for (const row of rows) {
      const [, , , revenue, cost] = row.split(',');
      expect(Number(cost)).toBeLessThan(Number(revenue));
    }
  });
});
