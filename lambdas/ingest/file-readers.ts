import type { DuckDBConnection } from '@duckdb/node-api';
import { ExportFileError, UnsupportedFormatError } from './ingest-errors.js';
import { sqlIdent, sqlString } from './sql-text.js';
import type { LocalExportFile } from './types.js';

export type ExportFormat = 'csv' | 'jsonl' | 'parquet';

/** One file loaded into DuckDB as text: a view with `__clv_row` (1-based data row) and its columns. */
export interface StagedFile {
  /** View (or table) with `__clv_row BIGINT` and one VARCHAR column per file column. */
  readonly source: string;
  readonly columns: readonly string[];
  /** Data rows read, including rows rejected as malformed. */
  readonly rowsRead: number;
}

/** Widest header the CSV header probe reads; wider files are cut (and fail their required columns). */
const MAX_CSV_COLUMNS = 512;
/** JSON text cannot contain a raw U+0001, so it is a safe "never splits" delimiter for whole lines. */
const NO_DELIMITER = '\u0001';

/** Format and compression from the file name (falling back to the local path). */
export function formatOf(file: LocalExportFile): { format: ExportFormat; gzip: boolean } {
  for (const candidate of [file.name, file.localPath]) {
    const lower = candidate.toLowerCase();
    const gzip = lower.endsWith('.gz');
    const base = gzip ? lower.slice(0, -3) : lower;
    if (base.endsWith('.csv')) return { format: 'csv', gzip };
    if (base.endsWith('.jsonl') || base.endsWith('.ndjson')) return { format: 'jsonl', gzip };
    if (base.endsWith('.parquet') && !gzip) return { format: 'parquet', gzip };
  }
  throw new UnsupportedFormatError(
    `Unsupported export file ${file.name}: expected .csv, .jsonl or .ndjson (optionally .gz), or .parquet`,
  );
}

/**
 * Loads one file into DuckDB as text with exact data-row numbers and writes its structural problems
 * (broken CSV records, invalid JSON lines) to the `rejects` table. Throws ExportFileError when the
 * file cannot be read at all.
 */
export async function stageFile(
  conn: DuckDBConnection,
  file: LocalExportFile,
  fileIdx: number,
): Promise<StagedFile> {
  const { format, gzip } = formatOf(file);
  try {
    if (format === 'parquet') return await stageParquet(conn, file, fileIdx);
    if (format === 'jsonl') return await stageJsonLines(conn, file, fileIdx, gzip);
    return await stageCsv(conn, file, fileIdx, gzip);
  } catch (cause) {
    if (cause instanceof UnsupportedFormatError) throw cause;
    throw new ExportFileError(`Cannot read export file ${file.name} as ${format}`, { cause });
  }
}

async function count(conn: DuckDBConnection, sql: string): Promise<number> {
  const reader = await conn.runAndReadAll(sql);
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

function dialect(gzip: boolean): string {
  return `delim=',', quote='"', escape='"', auto_detect=false, compression=${gzip ? "'gzip'" : "'none'"}`;
}

/** Header names as DuckDB splits them (so quoting matches the data scan); blanks and repeats renamed. */
async function csvHeader(conn: DuckDBConnection, path: string, gzip: boolean): Promise<string[]> {
  const probe = Array.from({ length: MAX_CSV_COLUMNS }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  const reader = await conn.runAndReadAll(
    `SELECT * FROM read_csv(${sqlString(path)}, header=false, ${dialect(gzip)}, columns={${probe}},
       null_padding=true, ignore_errors=true, parallel=false) LIMIT 1`,
  );
  const first = reader.getRows()[0] ?? [];
  let last = first.length - 1;
  while (last >= 0 && first[last] === null) last--;
  const seen = new Set<string>();
  return first.slice(0, last + 1).map((value, i) => {
    let name = value === null ? `column${i + 1}` : String(value);
    for (let k = 2; seen.has(name.toLowerCase()); k++) name = `${value ?? 'column'}_${k}`;
    seen.add(name.toLowerCase());
    return name;
  });
}

/**
 * A view numbering the rows of `table` (rowid = insertion order = file order) as file records, given
 * the sorted record numbers `rejected` that the reader skipped: row = k + #{rejects before it}.
 * Gaps table: g_i = r_i − i (good rows before reject i), non-decreasing, so an ASOF join finds the count.
 * Without skipped records the row is the rowid + 1: the ASOF join sorts every row, seconds on 10M.
 */
async function numberRows(conn: DuckDBConnection, table: string, rejectedRows: string): Promise<string> {
  if ((await count(conn, `SELECT count(*) FROM (${rejectedRows})`)) === 0) {
    await conn.run(`CREATE TEMP VIEW ${table}_src AS SELECT t.rowid + 1 AS __clv_row, t.* FROM ${table} t`);
    return `${table}_src`;
  }
  await conn.run(`CREATE TEMP TABLE ${table}_gaps AS
    SELECT g, max(i) AS n FROM (
      SELECT r - row_number() OVER (ORDER BY r) AS g, row_number() OVER (ORDER BY r) AS i
      FROM (SELECT DISTINCT r FROM (${rejectedRows}))
    ) GROUP BY g`);
  await conn.run(`CREATE TEMP VIEW ${table}_src AS
    SELECT t.rowid + 1 + coalesce(g.n, 0) AS __clv_row, t.*
    FROM ${table} t ASOF LEFT JOIN ${table}_gaps g ON t.rowid + 1 > g.g`);
  return `${table}_src`;
}

/** Copies the rows DuckDB's reader rejected (`store_rejects`, one reject per record) into `rejects`. */
async function insertReaderRejects(
  conn: DuckDBConnection,
  fileIdx: number,
  rejectsTable: string,
  sql: { row: string; reason: string; message: string },
): Promise<void> {
  await conn.run(`INSERT INTO rejects SELECT ${fileIdx}, ${sql.row}, 0, NULL, ${sqlString(sql.reason)},
      ${sql.message}, left(trim(csv_line, chr(10) || chr(13)), 200)
    FROM (SELECT DISTINCT ON (line) * FROM ${rejectsTable} ORDER BY line, column_idx)`);
}

async function stageCsv(
  conn: DuckDBConnection,
  file: LocalExportFile,
  fileIdx: number,
  gzip: boolean,
): Promise<StagedFile> {
  const table = `raw_${fileIdx}`;
  const columns = file.bytes === 0 ? [] : await csvHeader(conn, file.localPath, gzip);
  if (columns.length === 0) {
    await conn.run(`CREATE TEMP VIEW ${table}_src AS SELECT NULL::BIGINT AS __clv_row WHERE false`);
    return { source: `${table}_src`, columns, rowsRead: 0 };
  }
  const spec = columns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ');
  await conn.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM read_csv(${sqlString(file.localPath)},
      header=true, ${dialect(gzip)}, columns={${spec}}, store_rejects=true,
      rejects_table='${table}_rej', rejects_scan='${table}_scan')`);
  // `line` counts records (a quoted multi-line value is one) with the header as line 1.
  await insertReaderRejects(conn, fileIdx, `${table}_rej`, {
    row: 'line - 1',
    reason: 'malformed_row',
    message: `'CSV ' || lower(error_type) || ': ' || error_message`,
  });
  const source = await numberRows(conn, table, `SELECT line - 1 AS r FROM ${table}_rej`);
  const rowsRead = await count(
    conn,
    `SELECT (SELECT count(*) FROM ${table}) + (SELECT count(DISTINCT line) FROM ${table}_rej)`,
  );
  return { source, columns, rowsRead };
}

async function stageJsonLines(
  conn: DuckDBConnection,
  file: LocalExportFile,
  fileIdx: number,
  gzip: boolean,
): Promise<StagedFile> {
  const table = `raw_${fileIdx}`;
  await conn.run(`CREATE TEMP TABLE ${table}_lines AS SELECT * FROM read_csv(${sqlString(file.localPath)},
      header=false, delim='${NO_DELIMITER}', quote='', escape='', auto_detect=false,
      compression=${gzip ? "'gzip'" : "'none'"}, columns={'line': 'VARCHAR'}, store_rejects=true,
      rejects_table='${table}_rej', rejects_scan='${table}_scan')`);
  await insertReaderRejects(conn, fileIdx, `${table}_rej`, {
    row: 'line',
    reason: 'malformed_json',
    message: `'Line is not one JSON object: ' || error_message`,
  });
  const numbered = await numberRows(conn, `${table}_lines`, `SELECT line AS r FROM ${table}_rej`);
  // Blank lines are not rows (a trailing newline is normal) but keep their line numbers.
  await conn.run(`CREATE TEMP TABLE ${table}_json AS
    SELECT __clv_row, line, CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END AS ok
    FROM ${numbered} WHERE trim(line, chr(32) || chr(9) || chr(13)) <> ''`);
  await conn.run(`INSERT INTO rejects SELECT ${fileIdx}, __clv_row, 0, NULL, 'malformed_json',
      'Line is not a valid JSON object', left(line, 200) FROM ${table}_json WHERE NOT ok`);
  const keys = await conn.runAndReadAll(`SELECT k FROM (
      SELECT unnest(json_keys(line)) AS k, __clv_row FROM ${table}_json WHERE ok
    ) GROUP BY k ORDER BY min(__clv_row), k`);
  const columns = keys.getRows().map((r) => String(r[0]));
  const paths = columns.map((k) => sqlString(`$."${k.replaceAll('"', '\\"')}"`)).join(', ');
  const picks = columns.map((k, i) => `v[${i + 1}] AS ${sqlIdent(k)}`).join(', ');
  await conn.run(`CREATE TEMP VIEW ${table}_src AS
    SELECT __clv_row${columns.length > 0 ? `, ${picks}` : ''}
    FROM (SELECT __clv_row, json_extract_string(line, [${paths}]::VARCHAR[]) AS v FROM ${table}_json WHERE ok)`);
  const rowsRead = await count(
    conn,
    `SELECT (SELECT count(*) FROM ${table}_json) + (SELECT count(DISTINCT line) FROM ${table}_rej)`,
  );
  return { source: `${table}_src`, columns, rowsRead };
}

async function stageParquet(
  conn: DuckDBConnection,
  file: LocalExportFile,
  fileIdx: number,
): Promise<StagedFile> {
  const table = `raw_${fileIdx}`;
  const scan = `read_parquet(${sqlString(file.localPath)}, file_row_number=true)`;
  const described = await conn.runAndReadAll(
    `DESCRIBE SELECT * FROM read_parquet(${sqlString(file.localPath)})`,
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
  const rowsRead = await count(conn, `SELECT count(*) FROM ${scan}`);
  return { source: `${table}_src`, columns: typed.map((t) => t.name), rowsRead };
}
