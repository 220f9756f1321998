import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { IngestError } from './ingest-errors.js';

/** Where DuckDB may write and how much memory it may take (the IngestOptions subset it needs). */
export interface DuckDbOptions {
  /** DuckDB home, temp (spill) and extension directories go under here (Lambda: /tmp/...). */
  readonly workDir: string;
  readonly memoryLimitMb: number;
  /** @default 2 */
  readonly threads?: number;
}

const STAGING_DDL = `
  CREATE TEMP TABLE files (file_idx INTEGER, name VARCHAR);
  CREATE TEMP TABLE rejects (file_idx INTEGER, row BIGINT, seq INTEGER, field VARCHAR, reason VARCHAR,
    message VARCHAR, value VARCHAR);`;

/** Opens an in-memory DuckDB configured for Lambda: dirs under workDir, no extension downloads, UTC. */
export async function openDuckDb(
  options: DuckDbOptions,
): Promise<{ db: DuckDBInstance; conn: DuckDBConnection }> {
  const dirs = { home: join(options.workDir, 'home'), temp: join(options.workDir, 'spill') };
  const extensions = join(options.workDir, 'extensions');
  await Promise.all([dirs.home, dirs.temp, extensions].map((d) => mkdir(d, { recursive: true })));
  try {
    // json, parquet and icu are statically linked in @duckdb/node-api; nothing may be fetched at run time.
    const db = await DuckDBInstance.create(':memory:', {
      home_directory: dirs.home,
      temp_directory: dirs.temp,
      extension_directory: extensions,
      memory_limit: `${options.memoryLimitMb}MB`,
      threads: String(options.threads ?? 2),
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      allow_community_extensions: 'false',
      preserve_insertion_order: 'true',
    });
    const conn = await db.connect();
    // Setting TimeZone needs ICU, which is only loaded once a connection exists.
    await conn.run("SET GLOBAL TimeZone = 'UTC'");
    await conn.run(STAGING_DDL);
    return { db, conn };
  } catch (cause) {
    throw new IngestError('Cannot open DuckDB for ingest', { cause });
  }
}
