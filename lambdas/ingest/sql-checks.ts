import type { DuckDBConnection } from '@duckdb/node-api';
import { CONTROL_CHARACTER_CLASS } from './contract.js';
import { sqlString } from './sql-text.js';

/** Column of the checked input saying whether any `controlScan` text of the row has a control character. */
export const CONTROL_GATE = '__ctl';

/** One rule on one contract field: `reason` is SQL yielding a reason code or NULL when the row passes. */
export interface FieldCheck {
  readonly field: string;
  readonly reason: string;
  /** SQL of the offending raw text. */
  readonly value: string;
  /**
   * SQL of a message naming details of the value, given the SQL of the reason; NULL (or no builder)
   * uses the template of reject-messages.ts. Only evaluated for rejected rows.
   */
  readonly message?: (reason: string) => string;
  /**
   * SQL of a text to search for control characters: CONTROL_GATE is true when any of a row's texts has
   * one. One regular expression over their concatenation costs about two thirds of one per text (one
   * call per row of 10M: ~1.5 s of CPU), and the check's own search then runs on flagged rows only.
   */
  readonly controlScan?: string;
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
        'reason': __r${i}, 'value': CAST(${c.value} AS VARCHAR),
        'message': CAST(${c.message?.(`__r${i}`) ?? 'NULL'} AS VARCHAR)} END`,
    )
    .join(',\n      ');
  const drop = [...checks.map((_, i) => `__r${i}`), CONTROL_GATE, ...rawOnly].join(', ');
  const scanned = checks.flatMap((c) => (c.controlScan === undefined ? [] : [c.controlScan]));
  const gate =
    scanned.length === 0
      ? 'false'
      : `coalesce(regexp_matches(concat(${scanned.join(', ')}), ${sqlString(CONTROL_CHARACTER_CLASS)}), false)`;
  await conn.run(`CREATE TEMP TABLE ${table} AS
    SELECT * EXCLUDE (${drop}),
      CASE WHEN ${failed} THEN list_filter([${structs}], x -> x IS NOT NULL) END AS __errs
    FROM (SELECT *, ${reasons} FROM (SELECT *, ${gate} AS ${CONTROL_GATE} FROM (${input})))`);
  await conn.run(`INSERT INTO rejects
    SELECT file_idx, row, e.seq, e.field, e.reason, e.message, left(e.value, 200)
    FROM (SELECT file_idx, row, unnest(__errs) AS e FROM ${table} WHERE __errs IS NOT NULL)`);
}

/**
 * Turns the checked `table` into `output`: its valid rows, keeping the first of each `key` (file order,
 * then row) and rejecting the later ones with `reason`, naming where the kept row is. Only keys seen
 * more than once are ranked; `table` is renamed, not copied. With `within`, keys are compared per value
 * of that column.
 */
export async function keepFirst(
  conn: DuckDBConnection,
  table: string,
  output: string,
  key: string,
  reason: string,
  within?: string,
): Promise<void> {
  // With `within` (a column), a key repeats only inside one value of it: (within, key) is the identity.
  const keys = within === undefined ? key : `${within}, ${key}`;
  await conn.run(`CREATE TEMP TABLE ${table}_dups AS
    SELECT rowid AS rid, file_idx, row, ${key},
      row_number() OVER w AS n, first_value(file_idx) OVER w AS first_file, first_value(row) OVER w AS first_row
    FROM ${table}
    WHERE __errs IS NULL AND (${keys}) IN (
      SELECT (${keys}) FROM ${table} WHERE __errs IS NULL GROUP BY ${keys} HAVING count(*) > 1)
    WINDOW w AS (PARTITION BY ${keys} ORDER BY file_idx, row)`);
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
