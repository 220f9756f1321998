import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetMapping } from '../platform/config.js';
import { CONTRACT_FIELDS, resolveColumns } from './contract.js';
import { ATTRIBUTE_PREFIX } from './customer-summary-sql.js';
import { stageFile } from './file-readers.js';
import { sqlClean, sqlIdent, sqlString } from './sql-text.js';
import type { Dataset, LocalExportFile } from './types.js';

/** One file read for staging. */
export interface StagedDatasetFile {
  /** Data rows read, including rows rejected as malformed. */
  readonly rowsRead: number;
  /** View of the file's rows on the contract, or null when the file misses a required column. */
  readonly view: string | null;
}

/**
 * Reads one file and maps its columns onto the contract as the view `stg_<fileIdx>` (trimmed text,
 * empty → NULL). A file without a required column adds one row-0 `missing_column` reject per missing
 * field instead, and all its rows count as rejected.
 */
export async function stageDatasetFile(
  conn: DuckDBConnection,
  file: LocalExportFile,
  fileIdx: number,
  mapping: DatasetMapping,
): Promise<StagedDatasetFile> {
  await conn.run(`INSERT INTO files VALUES (${fileIdx}, ${sqlString(file.name)})`);
  const staged = await stageFile(conn, file, fileIdx);
  const resolved = resolveColumns(file.dataset, staged.columns, mapping);
  if (resolved.missing.length > 0) {
    for (const [seq, field] of resolved.missing.entries()) {
      const wanted = mapping.columns[field] ?? field;
      const message = `Required column "${wanted}" (contract field ${field}) is missing from the file; all ${staged.rowsRead} rows are rejected`;
      await conn.run(`INSERT INTO rejects VALUES (${fileIdx}, 0, ${seq}, ${sqlString(field)}, 'missing_column',
        ${sqlString(message)}, NULL)`);
    }
    return { rowsRead: staged.rowsRead, view: null };
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
