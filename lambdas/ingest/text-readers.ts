import type { DuckDBConnection } from '@duckdb/node-api';
import { scalarNumber } from './duckdb-scalar.js';
import type { ReadFile, StagedColumn } from './file-readers.js';
import { sqlIdent, sqlString } from './sql-text.js';
import type { LocalExportFile } from './types.js';

/** Widest header the CSV header probe reads; wider files are cut (and fail their required columns). */
const MAX_CSV_COLUMNS = 512;
/** JSON text cannot contain a raw U+0001, so it is a safe "never splits" delimiter for whole lines. */
const NO_DELIMITER = '\u0001';

export type CsvDelimiter = ',' | ';' | '\t';

/**
 * The delimiter of a CSV file from its header line: a comma unless the header has no comma outside
 * quotes but does have semicolons (spreadsheets in locales with a decimal comma) or tabs.
 */
export function csvDelimiter(headerLine: string): { delimiter: CsvDelimiter; fields: number } {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch]++;
  }
  if (counts[','] > 0 || (counts[';'] === 0 && counts['\t'] === 0)) {
    return { delimiter: ',', fields: counts[','] + 1 };
  }
  const delimiter = counts[';'] >= counts['\t'] ? ';' : '\t';
  return { delimiter, fields: counts[delimiter] + 1 };
}

function dialect(gzip: boolean, delimiter: CsvDelimiter): string {
  return `delim=${sqlString(delimiter)}, quote='"', escape='"', auto_detect=false, compression=${gzip ? "'gzip'" : "'none'"}, hive_partitioning=false`;
}

/** Header columns as DuckDB splits them, so quoting matches the data scan. */
async function csvHeader(
  conn: DuckDBConnection,
  path: string,
  gzip: boolean,
  delimiter: CsvDelimiter,
): Promise<StagedColumn[]> {
  const probe = Array.from({ length: MAX_CSV_COLUMNS }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  const reader = await conn.runAndReadAll(
    `SELECT * FROM read_csv(${sqlString(path)}, header=false, ${dialect(gzip, delimiter)}, columns={${probe}},
       null_padding=true, ignore_errors=true, parallel=false) LIMIT 1`,
  );
  const first = reader.getRows()[0] ?? [];
  let last = first.length - 1;
  while (last >= 0 && first[last] === null) last--;
  return uniqueNames(first.slice(0, last + 1).map((value) => (value === null ? '' : String(value))));
}

/**
 * A view numbering the rows of `table` (rowid = insertion order = file order) as file records, given
 * the sorted record numbers `rejected` that the reader skipped: row = k + #{rejects before it}.
 * Gaps table: g_i = r_i − i (good rows before reject i), non-decreasing, so an ASOF join finds the count.
 * Without skipped records the row is the rowid + 1: the ASOF join sorts every row, seconds on 10M.
 */
async function numberRows(conn: DuckDBConnection, table: string, rejectedRows: string): Promise<string> {
  if ((await scalarNumber(conn, `SELECT count(*) FROM (${rejectedRows})`)) === 0) {
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

/** Loads a CSV file (header row, RFC 4180 quoting) whose bytes were checked to be UTF-8. */
export async function stageCsv(
  conn: DuckDBConnection,
  file: LocalExportFile,
  fileIdx: number,
  options: { gzip: boolean; delimiter: CsvDelimiter },
): Promise<ReadFile> {
  const { gzip, delimiter } = options;
  const table = `raw_${fileIdx}`;
  const columns = await csvHeader(conn, file.localPath, gzip, delimiter);
  if (columns.length === 0) {
    await conn.run(`CREATE TEMP VIEW ${table}_src AS SELECT NULL::BIGINT AS __clv_row WHERE false`);
    return { kind: 'read', source: `${table}_src`, columns, rowsRead: 0 };
  }
  const spec = columns.map((c) => `${sqlString(c.name)}: 'VARCHAR'`).join(', ');
  await conn.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM read_csv(${sqlString(file.localPath)},
      header=true, ${dialect(gzip, delimiter)}, columns={${spec}}, store_rejects=true,
      rejects_table='${table}_rej', rejects_scan='${table}_scan')`);
  // `line` counts records (a quoted multi-line value is one) with the header as line 1.
  await insertReaderRejects(conn, fileIdx, `${table}_rej`, {
    row: 'line - 1',
    reason: 'malformed_row',
    message: `'CSV ' || lower(error_type) || ': ' || error_message`,
  });
  const source = await numberRows(conn, table, `SELECT line - 1 AS r FROM ${table}_rej`);
  const rowsRead = await scalarNumber(
    conn,
    `SELECT (SELECT count(*) FROM ${table}) + (SELECT count(DISTINCT line) FROM ${table}_rej)`,
  );
  return { kind: 'read', source, columns, rowsRead };
}

/** Loads a JSON Lines file whose bytes were checked to be UTF-8; columns are the objects' keys. */
export async function stageJsonLines(
  conn: DuckDBConnection,
  file: LocalExportFile,
  fileIdx: number,
  gzip: boolean,
): Promise<ReadFile> {
  const table = `raw_${fileIdx}`;
  await conn.run(`CREATE TEMP TABLE ${table}_lines AS SELECT * FROM read_csv(${sqlString(file.localPath)},
      header=false, delim='${NO_DELIMITER}', quote='', escape='', auto_detect=false, hive_partitioning=false,
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
  const names = keys.getRows().map((r) => String(r[0]));
  const paths = names.map((k) => sqlString(`$."${k.replaceAll('"', '\\"')}"`)).join(', ');
  const columns = uniqueNames(names);
  const picks = columns.map((c, i) => `v[${i + 1}] AS ${sqlIdent(c.name)}`).join(', ');
  await conn.run(`CREATE TEMP VIEW ${table}_src AS
    SELECT __clv_row${columns.length > 0 ? `, ${picks}` : ''}
    FROM (SELECT __clv_row, json_extract_string(line, [${paths}]::VARCHAR[]) AS v FROM ${table}_json WHERE ok)`);
  const rowsRead = await scalarNumber(
    conn,
    `SELECT (SELECT count(*) FROM ${table}_json) + (SELECT count(DISTINCT line) FROM ${table}_rej)`,
  );
  return { kind: 'read', source: `${table}_src`, columns, rowsRead };
}

/**
 * View columns for `headers`: DuckDB names are case-insensitive, so repeats are renamed (`Revenue`,
 * `revenue` → `revenue_2`) and a blank name becomes `column<position>`; `header` keeps the file's spelling.
 */
function uniqueNames(headers: readonly string[]): StagedColumn[] {
  const seen = new Set<string>();
  return headers.map((header, i) => {
    const base = header === '' ? `column${i + 1}` : header;
    let name = base;
    for (let k = 2; seen.has(name.toLowerCase()); k++) name = `${base}_${k}`;
    seen.add(name.toLowerCase());
    return { name, header, nestedType: null };
  });
}
