/**
 * Queries over a sharded run's Parquet (docs/scale.md): one shard's validated rows (summaries, the
 * backtest's calibration cut, spend), and every shard's stored summaries at once, in customer id order,
 * for the fit. The SQL is the single-pass ingest's (customer-summary-sql.ts, spend-sql.ts).
 */
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ChurnWindow, CustomerSummary, SpendByChannelMonth } from '../model/types.js';
import {
  ATTRIBUTE_PREFIX,
  type CalibrationHistories,
  calibrationSql,
  customerSummarySql,
  readCalibrationRows,
  readSummaryRows,
  SUMMARY_COLUMNS,
} from './customer-summary-sql.js';
import { type DuckDbOptions, openDuckDb } from './duckdb-session.js';
import type { ValidatedPaths } from './shard-validate.js';
import { readSpendByChannelMonth } from './spend-sql.js';
import { parquetFiles, sqlIdent, sqlString } from './sql-text.js';

/** A DuckDB session over Parquet files; close it when done. */
export interface ParquetSession {
  readonly conn: DuckDBConnection;
  close(): void;
}

async function session(options: DuckDbOptions): Promise<ParquetSession & { db: DuckDBInstance }> {
  const { db, conn } = await openDuckDb(options);
  return {
    db,
    conn,
    close() {
      conn.closeSync();
      db.closeSync();
    },
  };
}

/** One shard's validated rows as `orders_ok`, `customers_ok`, `spend_ok`, queried like the ingest's. */
export interface ShardRows extends ParquetSession {
  /** Customer attribute columns (`attr:<name>`), in the customers file's order. */
  readonly attributeColumns: readonly string[];
  customerSummaries(window: ChurnWindow): Promise<CustomerSummary[]>;
  /** Writes the summaries to `path` (Parquet: SUMMARY_COLUMNS then the attribute columns). */
  writeSummaries(window: ChurnWindow, path: string): Promise<void>;
  /** Writes the backtest's calibration rows (calibrationSql) to `path`. */
  writeCalibration(split: string, asOf: string, path: string): Promise<void>;
  spendByChannelMonth(): Promise<SpendByChannelMonth[]>;
}

export async function openShardRows(options: DuckDbOptions, paths: ValidatedPaths): Promise<ShardRows> {
  const s = await session({ ...options, workDir: join(options.workDir, 'duckdb') });
  try {
    await s.conn.run(`CREATE TEMP VIEW orders_ok AS SELECT * FROM ${parquetFiles([paths.orders])}`);
    await s.conn.run(`CREATE TEMP VIEW customers_ok AS SELECT * FROM ${parquetFiles([paths.customers])}`);
    await s.conn.run(`CREATE TEMP VIEW spend_ok AS SELECT * FROM ${parquetFiles([paths.marketing_spend])}`);
    const described = await s.conn.runAndReadAll('DESCRIBE SELECT * FROM customers_ok');
    const attributeColumns = described
      .getRows()
      .map((r) => String(r[0]))
      .filter((c) => c.startsWith(ATTRIBUTE_PREFIX));
    return {
      ...s,
      attributeColumns,
      customerSummaries: (window) =>
        readSummaryRows(s.conn, customerSummarySql(window, attributeColumns), attributeColumns),
      async writeSummaries(window, path) {
        await s.conn.run(
          `COPY (${customerSummarySql(window, attributeColumns)}) TO ${sqlString(path)} (FORMAT parquet)`,
        );
      },
      async writeCalibration(split, asOf, path) {
        await s.conn.run(`COPY (${calibrationSql(split, asOf)}) TO ${sqlString(path)} (FORMAT parquet)`);
      },
      spendByChannelMonth: () => readSpendByChannelMonth(s.conn),
    };
  } catch (error) {
    s.close();
    throw error;
  }
}

/** Every shard's stored summaries and calibration rows, read in customer id order (the single pass's). */
export interface RunSummaries extends ParquetSession {
  /** All summaries, or the `count` from position `first` (0-based) in customer id order. */
  summaries(
    attributeColumns: readonly string[],
    slice?: { readonly first: number; readonly count: number },
  ): Promise<CustomerSummary[]>;
  calibration(): Promise<CalibrationHistories>;
}

export async function openRunSummaries(
  options: DuckDbOptions,
  summaryPaths: readonly string[],
  calibrationPaths: readonly string[],
): Promise<RunSummaries> {
  const s = await session({ ...options, workDir: join(options.workDir, 'duckdb') });
  return {
    ...s,
    async summaries(attributeColumns, slice) {
      if (summaryPaths.length === 0) return [];
      const described = await s.conn.runAndReadAll(`DESCRIBE SELECT * FROM ${parquetFiles(summaryPaths)}`);
      const present = new Set(described.getRows().map((r) => String(r[0])));
      // A shard without some customer column has none of its values: NULL, as for a customer without it.
      const attrs = attributeColumns.map((c) =>
        present.has(c) ? sqlIdent(c) : `NULL::VARCHAR AS ${sqlIdent(c)}`,
      );
      const columns = [...SUMMARY_COLUMNS.map(sqlIdent), ...attrs].join(', ');
      return readSummaryRows(
        s.conn,
        `SELECT ${columns} FROM ${parquetFiles(summaryPaths)} ORDER BY customer_id${
          slice ? ` LIMIT ${Math.floor(slice.count)} OFFSET ${Math.floor(slice.first)}` : ''
        }`,
        attributeColumns,
      );
    },
    async calibration() {
      if (calibrationPaths.length === 0)
        return readCalibrationRows(
          s.conn,
          '(SELECT 1 AS customer_id, 0 AS x, 0 AS tx, 0 AS t, 0 AS holdout WHERE false)',
        );
      return readCalibrationRows(s.conn, parquetFiles(calibrationPaths));
    },
  };
}
