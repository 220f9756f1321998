import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from './sql-text.js';

/** One rule on one contract field: `reason` is SQL yielding a reason code or NULL when the row passes. */
export interface FieldCheck {
  readonly field: string;
  readonly reason: string;
  /** SQL of the offending raw text. */
  readonly value: string;
}

/**
 * Creates `table` from `input` (which must yield `file_idx`, `row`) without the `rawOnly` columns and
 * with `__errs`, the failed checks (NULL when the row is valid), and writes one reject per failed check.
 * The list is only built for failing rows: on a large export almost every row passes.
 */
export async function applyChecks(
  conn: DuckDBConnection,
  table: string,
  input: string,
  checks: readonly FieldCheck[],
  rawOnly: readonly string[] = [],
): Promise<void> {
  const reasons = checks.map((c, i) => `${c.reason} AS __r${i}`).join(',\n      ');
  const failed = checks.map((_, i) => `__r${i} IS NOT NULL`).join(' OR ');
  const structs = checks
    .map(
      (c, i) => `CASE WHEN __r${i} IS NOT NULL THEN {'seq': ${i + 1}, 'field': ${sqlString(c.field)},
        'reason': __r${i}, 'value': CAST(${c.value} AS VARCHAR)} END`,
    )
    .join(',\n      ');
  const drop = [...checks.map((_, i) => `__r${i}`), ...rawOnly].join(', ');
  await conn.run(`CREATE TEMP TABLE ${table} AS
    SELECT * EXCLUDE (${drop}),
      CASE WHEN ${failed} THEN list_filter([${structs}], x -> x IS NOT NULL) END AS __errs
    FROM (SELECT *, ${reasons} FROM (${input}))`);
  await conn.run(`INSERT INTO rejects
    SELECT file_idx, row, e.seq, e.field, e.reason, NULL, left(e.value, 200)
    FROM (SELECT file_idx, row, unnest(__errs) AS e FROM ${table} WHERE __errs IS NOT NULL)`);
}

/**
 * Turns the checked `table` into `output`: its valid rows, keeping the first of each `key` (file order,
 * then row) and rejecting the later ones with `reason`, naming where the kept row is. Only keys seen
 * more than once are ranked; `table` is renamed, not copied.
 */
export async function keepFirst(
  conn: DuckDBConnection,
  table: string,
  output: string,
  key: string,
  reason: string,
): Promise<void> {
  await conn.run(`CREATE TEMP TABLE ${table}_dups AS
    SELECT rowid AS rid, file_idx, row, ${key},
      row_number() OVER w AS n, first_value(file_idx) OVER w AS first_file, first_value(row) OVER w AS first_row
    FROM ${table}
    WHERE __errs IS NULL AND ${key} IN (
      SELECT ${key} FROM ${table} WHERE __errs IS NULL GROUP BY ${key} HAVING count(*) > 1)
    WINDOW w AS (PARTITION BY ${key} ORDER BY file_idx, row)`);
  await conn.run(`INSERT INTO rejects
    SELECT d.file_idx, d.row, 100, ${sqlString(key)}, ${sqlString(reason)},
      ${sqlString(key)} || ' ' || d.${key} || ' already seen in ' || f.name || ' row ' || d.first_row || '; the first is kept',
      left(d.${key}, 200)
    FROM ${table}_dups d JOIN files f ON f.file_idx = d.first_file WHERE d.n > 1`);
  await conn.run(`DELETE FROM ${table}
    WHERE __errs IS NOT NULL OR rowid IN (SELECT rid FROM ${table}_dups WHERE n > 1)`);
  await conn.run(`DROP TABLE ${table}_dups`);
  await conn.run(`ALTER TABLE ${table} DROP COLUMN __errs`);
  await conn.run(`ALTER TABLE ${table} RENAME TO ${output}`);
}
