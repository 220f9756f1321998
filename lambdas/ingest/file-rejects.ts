import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from './sql-text.js';

/**
 * A row-0 entry of the rejects table: a problem of the whole file. Some reject every row of the file
 * (bad_encoding, duplicate_column, missing_column, bad_type); the others are notices that reject none
 * (empty_file, delimiter_detected, ignored_columns, a duplicate attribute column) or fail the run
 * (unreadable_file).
 */
export interface FileReject {
  readonly reason: FileRejectReason;
  readonly field: string | null;
  readonly message: string;
  readonly value: string | null;
}

export type FileRejectReason =
  | 'unreadable_file'
  | 'bad_encoding'
  | 'empty_file'
  | 'delimiter_detected'
  | 'duplicate_column'
  | 'bad_type'
  | 'ignored_columns';

/**
 * Order of a file's row-0 entries (the `seq` column): what stops the file first, notices last.
 * `missing_column` rejects (written by stage-dataset with seq 0, 1, …) sit between bad_type and the notices.
 */
const SEQ: Readonly<Record<FileRejectReason, number>> = {
  unreadable_file: -1000,
  bad_encoding: -1000,
  empty_file: -1000,
  delimiter_detected: -900,
  duplicate_column: -800,
  bad_type: -700,
  ignored_columns: 900,
};

/** Writes one row-0 reject of file `fileIdx`; `offset` keeps several of one reason in order. */
export async function insertFileReject(
  conn: DuckDBConnection,
  fileIdx: number,
  reject: FileReject,
  offset = 0,
): Promise<void> {
  const field = reject.field === null ? 'NULL' : sqlString(reject.field);
  const value = reject.value === null ? 'NULL' : sqlString(reject.value.slice(0, 200));
  await conn.run(`INSERT INTO rejects VALUES (${fileIdx}, 0, ${SEQ[reject.reason] + offset}, ${field},
    ${sqlString(reject.reason)}, ${sqlString(reject.message)}, ${value})`);
}

/** "all 1,234 rows are rejected", the tail of every message that rejects a whole file. */
export function allRowsRejected(rows: number): string {
  return `all ${rows.toLocaleString('en-US')} ${rows === 1 ? 'row is' : 'rows are'} rejected`;
}
