import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetMapping } from '../platform/config.js';
import { resolveColumns } from './contract.js';
import { ATTRIBUTE_PREFIX } from './customer-summary-sql.js';
import { stageFile } from './file-readers.js';
import { sqlClean, sqlIdent, sqlString } from './sql-text.js';
import type { LocalExportFile } from './types.js';

/**
 * Reads one file, maps its columns onto the contract and appends its rows (trimmed text, empty → NULL)
 * to `stg_<dataset>`. A file without a required column adds one row-0 `missing_column` reject per
 * missing field instead, and all its rows count as rejected. Returns the data rows read.
 */
export async function stageDatasetFile(
  conn: DuckDBConnection,
  file: LocalExportFile,
  fileIdx: number,
  mapping: DatasetMapping,
): Promise<number> {
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
  } else {
    const targets = ['file_idx', 'row'];
    const values = [String(fileIdx), '__clv_row'];
    for (const [field, column] of resolved.fields) {
      targets.push(sqlIdent(field));
      values.push(sqlClean(sqlIdent(column)));
    }
    if (file.dataset === 'customers') {
      for (const [name, column] of resolved.extra) {
        const target = sqlIdent(`${ATTRIBUTE_PREFIX}${name}`);
        await conn.run(`ALTER TABLE stg_customers ADD COLUMN IF NOT EXISTS ${target} VARCHAR`);
        targets.push(target);
        values.push(sqlClean(sqlIdent(column)));
      }
    }
    await conn.run(`INSERT INTO stg_${file.dataset} (${targets.join(', ')})
      SELECT ${values.join(', ')} FROM ${staged.source}`);
  }
  await dropFileObjects(conn, fileIdx);
  return staged.rowsRead;
}

/** Drops the per-file views and tables (`raw_<n>`, `raw_<n>_*`) once their rows are staged. */
async function dropFileObjects(conn: DuckDBConnection, fileIdx: number): Promise<void> {
  const prefix = `raw_${fileIdx}`;
  const match = (col: string): string => `(${col} = '${prefix}' OR starts_with(${col}, '${prefix}_'))`;
  const views = await conn.runAndReadAll(
    `SELECT view_name FROM duckdb_views() WHERE NOT internal AND ${match('view_name')}`,
  );
  for (const [name] of views.getRows()) await conn.run(`DROP VIEW ${sqlIdent(String(name))}`);
  const tables = await conn.runAndReadAll(
    `SELECT table_name FROM duckdb_tables() WHERE ${match('table_name')}`,
  );
  for (const [name] of tables.getRows()) await conn.run(`DROP TABLE ${sqlIdent(String(name))}`);
}
