import { open } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { scalarNumber } from './duckdb-scalar.js';
import type { ReadFile } from './file-readers.js';
import { sqlIdent, sqlString } from './sql-text.js';
import type { LocalExportFile } from './types.js';

const MAGIC = 'PAR1';

/**
 * Why a file cannot be Parquet, from its first and last 4 bytes (both `PAR1` in every Parquet file),
 * or null when it looks like one. A missing footer is what an interrupted upload leaves.
 */
export async function parquetSignatureProblem(path: string, bytes: number): Promise<string | null> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    if (bytes >= 8) await handle.read(tail, 0, 4, bytes - 4);
    if (head.toString('latin1') !== MAGIC) {
      return `not a Parquet file: it does not start with the Parquet signature PAR1 (first bytes ${head.toString('hex').toUpperCase()}); export it again as Parquet, or name it after its real format`;
    }
    if (bytes < 12 || tail.toString('latin1') !== MAGIC) {
      return `Parquet file of ${bytes.toLocaleString('en-US')} bytes ends without its footer (PAR1): the upload was probably interrupted; re-upload the file and rerun the date`;
    }
    return null;
  } finally {
    await handle.close();
  }
}

/** A DuckDB type that is not one plain value per row (LIST `x[]`, ARRAY `x[n]`, STRUCT, MAP, UNION). */
function isNested(type: string): boolean {
  return type.endsWith(']') || /^(STRUCT|MAP|UNION)\(/.test(type);
}

/** Loads a Parquet file as text columns; nested columns are marked so a contract field on one is rejected. */
export async function stageParquet(
  conn: DuckDBConnection,
  file: LocalExportFile,
  fileIdx: number,
): Promise<ReadFile> {
  const table = `raw_${fileIdx}`;
  const scan = `read_parquet(${sqlString(file.localPath)}, file_row_number=true, hive_partitioning=false)`;
  const described = await conn.runAndReadAll(
    `DESCRIBE SELECT * FROM read_parquet(${sqlString(file.localPath)}, hive_partitioning=false)`,
  );
  const typed = described.getRows().map((r) => ({ name: String(r[0]), type: String(r[1]) }));
  // A Parquet TIMESTAMP without zone is read as UTC: render it with an offset so it passes the date rule.
  const casts = typed.map(({ name, type }) =>
    type.startsWith('TIMESTAMP')
      ? `CAST(CAST(${sqlIdent(name)} AS TIMESTAMPTZ) AS VARCHAR) AS ${sqlIdent(name)}`
      : `CAST(${sqlIdent(name)} AS VARCHAR) AS ${sqlIdent(name)}`,
  );
  const list = casts.length > 0 ? `, ${casts.join(', ')}` : '';
  await conn.run(
    `CREATE TEMP VIEW ${table}_src AS SELECT file_row_number + 1 AS __clv_row${list} FROM ${scan}`,
  );
  const rowsRead = await scalarNumber(conn, `SELECT count(*) FROM ${scan}`);
  const columns = typed.map(({ name, type }) => ({
    name,
    header: name,
    nestedType: isNested(type) ? type : null,
  }));
  return { kind: 'read', source: `${table}_src`, columns, rowsRead };
}
