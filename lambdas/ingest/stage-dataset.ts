import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetMapping } from '../platform/config.js';
import { CONTRACT_FIELDS, resolveColumns } from './contract.js';
import { ATTRIBUTE_PREFIX } from './customer-summary-sql.js';
import { stageFile } from './file-readers.js';
import { allRowsRejected, insertFileReject } from './file-rejects.js';
import { headerFindings, ignoredColumnsNotice, nestedFieldRejects } from './header-checks.js';
import { sqlClean, sqlIdent, sqlString } from './sql-text.js';
import type { Dataset, LocalExportFile } from './types.js';

/** One file read for staging. */
export interface StagedDatasetFile {
  /** Data rows read, including rows rejected as malformed. */
  readonly rowsRead: number;
  /** View of the file's rows on the contract, or null when no row of the file is read (see below). */
  readonly view: string | null;
}

/**
 * Reads one file and maps its columns onto the contract as the view `stg_<fileIdx>` (trimmed text,
 * empty → NULL). A file whose every row is rejected (a required column missing, a contract field's
 * column repeated or nested) gets row-0 rejects naming the field instead, and all its rows count as
 * rejected; file-level problems found while reading (empty, bad encoding, unreadable) likewise skip the
 * file. Notices (ignored columns, a repeated attribute column) reject no row.
 */
export async function stageDatasetFile(
  conn: DuckDBConnection,
  file: LocalExportFile,
  fileIdx: number,
  mapping: DatasetMapping,
): Promise<StagedDatasetFile> {
  await conn.run(`INSERT INTO files VALUES (${fileIdx}, ${sqlString(file.name)})`);
  const staged = await stageFile(conn, file, fileIdx);
  if (staged.kind === 'set_aside') return { rowsRead: staged.rowsRead, view: null };
  const header = headerFindings(file.dataset, staged.columns, mapping, staged.rowsRead);
  const resolved = resolveColumns(file.dataset, header.columns, mapping);
  const fatal = [
    ...header.ambiguous,
    ...nestedFieldRejects(resolved.fields, staged.columns, staged.rowsRead),
  ];
  for (const [seq, reject] of fatal.entries()) await insertFileReject(conn, fileIdx, reject, seq);
  for (const [seq, field] of resolved.missing.entries()) {
    const wanted = mapping.columns[field] ?? field;
    const message = `Required column "${wanted}" (contract field ${field}) is missing from the file; ${allRowsRejected(staged.rowsRead)}`;
    await conn.run(`INSERT INTO rejects VALUES (${fileIdx}, 0, ${seq}, ${sqlString(field)}, 'missing_column',
      ${sqlString(message)}, NULL)`);
  }
  if (fatal.length > 0 || resolved.missing.length > 0) return { rowsRead: staged.rowsRead, view: null };
  const ignored = ignoredColumnsNotice(file.dataset, header.columns, resolved.fields, staged.columns);
  for (const [seq, notice] of [...header.notices, ...(ignored ? [ignored] : [])].entries()) {
    await insertFileReject(conn, fileIdx, notice, seq);
  }
  const values = [`${fileIdx} AS file_idx`, '__clv_row AS row'];
  for (const [field, column] of resolved.fields) {
    values.push(`${sqlClean(sqlIdent(column))} AS ${sqlIdent(field)}`);
  }
  if (file.dataset === 'customers') {
    for (const [name, column] of resolved.extra) {
      values.push(`${sqlClean(sqlIdent(column))} AS ${sqlIdent(`${ATTRIBUTE_PREFIX}${name}`)}`);
    }
  }
  const view = `stg_${fileIdx}`;
  await conn.run(`CREATE TEMP VIEW ${view} AS SELECT ${values.join(', ')} FROM ${staged.source}`);
  return { rowsRead: staged.rowsRead, view };
}

/**
 * Creates the view `stg_<dataset>` over the files' views: every contract field (NULL where a file
 * lacks it) and every attribute column. A view, not a table: the validation reads each row once.
 */
export async function createDatasetView(
  conn: DuckDBConnection,
  dataset: Dataset,
  fileViews: readonly string[],
): Promise<void> {
  const fields = CONTRACT_FIELDS[dataset].map((f) => `NULL::VARCHAR AS ${sqlIdent(f)}`).join(', ');
  const files = fileViews.map((v) => `\n    UNION ALL BY NAME SELECT * FROM ${v}`).join('');
  await conn.run(`CREATE TEMP VIEW stg_${dataset} AS
    SELECT NULL::INTEGER AS file_idx, NULL::BIGINT AS row, ${fields} WHERE false${files}`);
}

/** Drops the staging views and tables (`stg_*`, `raw_*`) once the validated tables exist. */
export async function dropStaging(conn: DuckDBConnection): Promise<void> {
  const match = (col: string): string => `(starts_with(${col}, 'stg_') OR starts_with(${col}, 'raw_'))`;
  const views = await conn.runAndReadAll(
    `SELECT view_name FROM duckdb_views() WHERE NOT internal AND ${match('view_name')}`,
  );
  for (const [name] of views.getRows()) await conn.run(`DROP VIEW ${sqlIdent(String(name))}`);
  const tables = await conn.runAndReadAll(
    `SELECT table_name FROM duckdb_tables() WHERE ${match('table_name')}`,
  );
  for (const [name] of tables.getRows()) await conn.run(`DROP TABLE ${sqlIdent(String(name))}`);
}
