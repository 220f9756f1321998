/** Helpers shared by the tests of file-level problems (file-problems, header-problems). */

import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { expect } from 'vitest';
import type { IngestReport, LocalExportFile } from '../../lambdas/ingest/types.js';
import type { Scratch } from './ingest-fixtures.js';

export const HEADER = 'order_id,customer_id,order_date,revenue';
/** A clean orders file of `n` rows, read beside each broken file to show its rows are kept. */
export const goodOrders = (n: number, prefix = 'g'): string =>
  [
    HEADER,
    ...Array.from({ length: n }, (_, i) => `${prefix}${i + 1},c${i % 3},2024-02-0${1 + (i % 9)},10`),
  ].join('\n');

export function fileRejects(report: IngestReport): (string | number | null)[][] {
  return report.rejects.map((r) => [r.file, r.row, r.field, r.reason]);
}

export function messageOf(report: IngestReport, file: string, reason: string): string {
  const found = report.rejects.find((r) => r.file === file && r.reason === reason);
  if (found === undefined) throw new Error(`no ${reason} reject for ${file}`);
  return found.message;
}

export function expectConsistent(report: IngestReport): void {
  for (const counts of Object.values(report.datasets)) {
    expect(counts.rowsRead).toBe(counts.rowsAccepted + counts.rowsRejected);
  }
}

/** Lines with anything but blanks: how the ingest counts the rows of a file it cannot decode. */
export const nonEmptyLines = (text: string): number => text.split('\n').filter((l) => l.trim() !== '').length;

export async function writeParquet(s: Scratch, name: string, select: string): Promise<LocalExportFile> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(`COPY (${select}) TO '${join(s.dir, name)}' (FORMAT parquet)`);
  conn.closeSync();
  db.closeSync();
  return s.existing('orders', name);
}
