import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnMapping } from '../platform/config.js';
import { rejectMessage } from './reject-messages.js';
import type { LocalExportFile, RejectedRow } from './types.js';

/**
 * Reads the rejects in file, row, field order, filling in template messages. `files[i]` is the file of
 * `file_idx` i + 1; `from` is the `rejects` table or any relation of its columns (a sharded run's parts).
 */
export async function readRejects(
  conn: DuckDBConnection,
  files: readonly Pick<LocalExportFile, 'name' | 'dataset'>[],
  mapping: ColumnMapping,
  exportDate: string,
  from = 'rejects',
): Promise<RejectedRow[]> {
  const reader = await conn.runAndReadAll(
    `SELECT file_idx, row::DOUBLE, field, reason, message, value FROM ${from} ORDER BY file_idx, row, seq`,
  );
  const [idx = [], row = [], field = [], reason = [], message = [], value = []] =
    reader.getColumnsJS() as unknown[][];
  const out = new Array<RejectedRow>(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const file = files[(idx[i] as number) - 1];
    if (file === undefined) throw new RangeError(`Reject of unknown file #${String(idx[i])}`);
    const f = field[i] as string | null;
    const r = reason[i] as string;
    out[i] = {
      file: file.name,
      row: row[i] as number,
      field: f,
      reason: r,
      message: (message[i] as string | null) ?? rejectMessage(r, f, mapping[file.dataset], exportDate),
      value: (value[i] as string | null) ?? null,
    };
  }
  return out;
}
