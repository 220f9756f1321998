/**
 * Each customer's historic CLV with its value of every segment dimension, as Parquet: a median cannot be
 * merged from partial aggregates, so the publish stage selects every segment's two middle CLVs from all
 * shards' files with DuckDB and takes the median exactly as the single pass does (model/stats.ts).
 */
import { join } from 'node:path';
import { type DuckDbOptions, openDuckDb } from '../../ingest/duckdb-session.js';
import { parquetFiles, sqlIdent, sqlString } from '../../ingest/sql-text.js';
import { medianOfMiddles } from '../../model/stats.js';

/** Column of a dimension in the file (dimension names are [a-z0-9_], `_all` included). */
const column = (dimension: string): string => sqlIdent(`d_${dimension}`);

export async function writeSegmentClvs(
  options: DuckDbOptions,
  rows: readonly { readonly values: Readonly<Record<string, string>>; readonly clv: number }[],
  dimensions: readonly string[],
  path: string,
): Promise<void> {
  const { db, conn } = await openDuckDb({ ...options, workDir: join(options.workDir, 'clv-duckdb') });
  try {
    await conn.run(
      `CREATE TABLE clvs (clv DOUBLE${dimensions.map((d) => `, ${column(d)} VARCHAR`).join('')})`,
    );
    const appender = await conn.createAppender('clvs');
    for (const row of rows) {
      appender.appendDouble(row.clv);
      for (const d of dimensions) appender.appendVarchar(row.values[d] ?? '');
      appender.endRow();
    }
    appender.closeSync();
    await conn.run(`COPY clvs TO ${sqlString(path)} (FORMAT parquet)`);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** Median historic CLV of every (dimension, value) over all shards' files. */
export async function segmentClvMedians(
  options: DuckDbOptions,
  paths: readonly string[],
  dimensions: readonly string[],
): Promise<(dimension: string, value: string) => number> {
  const medians = new Map<string, number>();
  const key = (d: string, v: string): string => `${d}\u0000${v}`;
  if (paths.length > 0) {
    const { db, conn } = await openDuckDb({ ...options, workDir: join(options.workDir, 'median-duckdb') });
    try {
      const files = parquetFiles(paths);
      for (const d of dimensions) {
        const reader = await conn.runAndReadAll(`SELECT v, n::DOUBLE, min(clv), max(clv) FROM (
            SELECT ${column(d)} AS v, clv, row_number() OVER w AS i, count(*) OVER (PARTITION BY ${column(d)}) AS n
            FROM ${files} WINDOW w AS (PARTITION BY ${column(d)} ORDER BY clv))
          WHERE i = (n + 1) // 2 OR i = n // 2 + 1 GROUP BY v, n`);
        for (const [v, n, lower, upper] of reader.getRowsJS()) {
          medians.set(key(d, String(v)), medianOfMiddles(Number(n), Number(lower), Number(upper)));
        }
      }
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }
  return (d, v) => medians.get(key(d, v)) ?? 0;
}
