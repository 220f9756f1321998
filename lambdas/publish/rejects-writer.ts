/**
 * The complete rejects of a run as an RFC 4180 CSV in the bucket, next to the run record's sample.
 * Cells that a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or CR) get a
 * leading `'` (OWASP "CSV injection"); the value is otherwise unchanged.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RejectedRow } from '../ingest/types.js';
import { PublishError } from './batch-writer.js';

/** The rejects CSV could not be built or uploaded. */
export class RejectsWriteError extends PublishError {
  override readonly name = 'RejectsWriteError';
}

/**
 * Largest CSV written, in characters: one PutObject accepts 5 GB, but the body is built in memory, so
 * rows past this cap (~64 MB, ≈ 200,000 rejects of 300 bytes) are left out and a last row says how many.
 */
export const MAX_REJECTS_CSV_CHARS = 64 * 1024 * 1024;

export const REJECTS_CSV_HEADER = ['file', 'row', 'field', 'reason', 'message', 'value'] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: formula-neutralised, quoted when it holds a comma, quote, CR or LF (quotes doubled). */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The CSV text (CRLF line ends, header first) and how many rejects were left out by the cap. */
export function rejectsCsv(
  rejects: readonly RejectedRow[],
  maxChars = MAX_REJECTS_CSV_CHARS,
): { csv: string; omitted: number } {
  const lines = [REJECTS_CSV_HEADER.join(',')];
  let size = lines[0]?.length ?? 0;
  let written = 0;
  for (const r of rejects) {
    const line = [r.file, r.row, r.field, r.reason, r.message, r.value].map(csvCell).join(',');
    if (size + line.length + 2 > maxChars) break;
    lines.push(line);
    size += line.length + 2;
    written++;
  }
  const omitted = rejects.length - written;
  if (omitted > 0) {
    lines.push(
      ['', '', '', 'truncated', `${omitted} more rejects omitted (CSV size cap)`, ''].map(csvCell).join(','),
    );
  }
  return { csv: `${lines.join('\r\n')}\r\n`, omitted };
}

/** Writes every reject (up to the size cap) to `s3://bucket/key` as `text/csv`. */
export async function writeRejectsCsv(
  s3: S3Client,
  bucket: string,
  key: string,
  rejects: readonly RejectedRow[],
): Promise<void> {
  const { csv } = rejectsCsv(rejects);
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: csv,
        ContentType: 'text/csv; charset=utf-8',
        ContentDisposition: 'attachment; filename="rejects.csv"',
      }),
    );
  } catch (cause) {
    throw new RejectsWriteError(`Cannot write the rejects CSV to s3://${bucket}/${key}`, { cause });
  }
}
