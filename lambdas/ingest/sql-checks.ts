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
 * Creates `table` from `input` (which must yield `file_idx`, `row`) with a `__errs` list of the failed
 * checks, and writes one reject per failed check. Rows with `len(__errs) = 0` are valid.
 */
export async function applyChecks(
  conn: DuckDBConnection,
  table: string,
  input: string,
  checks: readonly FieldCheck[],
): Promise<void> {
  const reasons = checks.map((c, i) => `${c.reason} AS __r${i}`).join(',\n      ');
  const structs = checks
    .map(
      (c, i) => `CASE WHEN __r${i} IS NOT NULL THEN {'seq': ${i + 1}, 'field': ${sqlString(c.field)},
        'reason': __r${i}, 'value': CAST(${c.value} AS VARCHAR)} END`,
    )
    .join(',\n      ');
  const drop = checks.map((_, i) => `__r${i}`).join(', ');
  await conn.run(`CREATE TEMP TABLE ${table} AS
    SELECT * EXCLUDE (${drop}), list_filter([${structs}], x -> x IS NOT NULL) AS __errs
    FROM (SELECT *, ${reasons} FROM (${input}))`);
  await conn.run(`INSERT INTO rejects
    SELECT file_idx, row, e.seq, e.field, e.reason, NULL, left(e.value, 200)
    FROM (SELECT file_idx, row, unnest(__errs) AS e FROM ${table} WHERE len(__errs) > 0)`);
}

/**
 * Creates `output` with the first valid row of each `key` (file order, then row) and rejects the later
 * ones with `reason`, naming where the kept row is.
 */
export async function keepFirst(
  conn: DuckDBConnection,
  checked: string,
  output: string,
  key: string,
  reason: string,
): Promise<void> {
  await conn.run(`CREATE TEMP TABLE ${output}_ranked AS
    SELECT * EXCLUDE (__errs),
      row_number() OVER w AS __n, first_value(file_idx) OVER w AS __first_file, first_value(row) OVER w AS __first_row
    FROM ${checked} WHERE len(__errs) = 0
    WINDOW w AS (PARTITION BY ${key} ORDER BY file_idx, row)`);
  await conn.run(`INSERT INTO rejects
    SELECT r.file_idx, r.row, 100, ${sqlString(key)}, ${sqlString(reason)},
      ${sqlString(key)} || ' ' || r.${key} || ' already seen in ' || f.name || ' row ' || r.__first_row || '; the first is kept',
      left(r.${key}, 200)
    FROM ${output}_ranked r JOIN files f ON f.file_idx = r.__first_file WHERE r.__n > 1`);
  await conn.run(`CREATE TEMP TABLE ${output} AS
    SELECT * EXCLUDE (__n, __first_file, __first_row) FROM ${output}_ranked WHERE __n = 1`);
  await conn.run(`DROP TABLE ${output}_ranked`);
}
