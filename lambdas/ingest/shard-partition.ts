/**
 * The sharded run's first pass over one file (docs/scale.md): the file-level checks and the column
 * mapping of the single-pass ingest (stage-dataset.ts), then every row, still as trimmed text with its
 * file index and row number, written to the Parquet part of its customer shard. The row rules run later
 * on each shard (shard-validate.ts), where all of a customer's rows from every file meet.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { assertDateFormat } from './date-sql.js';
import type { IngestOptions } from './duckdb-ingest.js';
import { scalarNumber } from './duckdb-scalar.js';
import { openDuckDb } from './duckdb-session.js';
import { customerIdSql } from './sql-field-rules.js';
import { sqlString } from './sql-text.js';
import { stageDatasetFile } from './stage-dataset.js';
import type { LocalExportFile } from './types.js';

/** One shard's rows of a file. */
export interface ShardPart {
  readonly shard: number;
  readonly path: string;
}

export interface PartitionedFile {
  /** Data rows read, including rows rejected as malformed (as the single-pass ingest counts them). */
  readonly rowsRead: number;
  /** One Parquet file per shard that has rows of this file. */
  readonly parts: readonly ShardPart[];
  /** The file's own rejects (row 0 problems, malformed rows) as Parquet of the `rejects` table, or null. */
  readonly rejectsPath: string | null;
}

/**
 * The SQL of a row's shard: a hash of the customer id as the row rules will compare it (case-folded when
 * configured), so every row of one customer, in any file, lands in the same shard. Marketing spend has no
 * customer: it all goes to shard 0. DuckDB's `hash` is deterministic for a given DuckDB version (the
 * package is pinned), which is what makes a retried stage write the same parts.
 */
export function shardSql(
  file: Pick<LocalExportFile, 'dataset'>,
  shards: number,
  options: IngestOptions,
): string {
  if (file.dataset === 'marketing_spend' || shards === 1) return '0';
  const id = customerIdSql('customer_id', options.customerIds ?? { case: 'preserve' });
  return `(hash(coalesce(${id}, '')) % ${shards})::INTEGER`;
}

async function copyRejects(conn: DuckDBConnection, path: string): Promise<string | null> {
  if ((await scalarNumber(conn, 'SELECT count(*) FROM rejects')) === 0) return null;
  await conn.run(`COPY rejects TO ${sqlString(path)} (FORMAT parquet)`);
  return path;
}

/** Reads one export file and writes its rows by customer shard under `outDir` (emptied by the caller). */
export async function partitionExportFile(
  options: IngestOptions,
  file: LocalExportFile,
  fileIdx: number,
  shards: number,
  outDir: string,
): Promise<PartitionedFile> {
  const { db, conn } = await openDuckDb({ ...options, workDir: join(outDir, 'duckdb') });
  try {
    await assertDateFormat(options.mapping[file.dataset].dateFormat, (sql) =>
      conn.run(sql).then(() => undefined),
    );
    const staged = await stageDatasetFile(conn, file, fileIdx, options.mapping[file.dataset]);
    const parts: ShardPart[] = [];
    if (staged.view !== null) {
      const dir = join(outDir, 'parts');
      await conn.run(`COPY (SELECT *, ${shardSql(file, shards, options)} AS __shard FROM ${staged.view})
        TO ${sqlString(dir)} (FORMAT parquet, PARTITION_BY (__shard), OVERWRITE_OR_IGNORE)`);
      for (const entry of await readdir(dir, { recursive: true })) {
        const match = /^__shard=(\d+)[/\\](.+\.parquet)$/.exec(entry);
        if (match) parts.push({ shard: Number(match[1]), path: join(dir, entry) });
      }
      parts.sort((a, b) => a.shard - b.shard || (a.path < b.path ? -1 : 1));
    }
    const rejectsPath = await copyRejects(conn, join(outDir, 'rejects.parquet'));
    return { rowsRead: staged.rowsRead, parts, rejectsPath };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
