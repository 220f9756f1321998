import type { DuckDBConnection } from '@duckdb/node-api';
import { allRowsRejected, type FileReject, insertFileReject } from './file-rejects.js';
import { sniffTextFile } from './file-sniff.js';
import { ExportFileError, UnsupportedFormatError } from './ingest-errors.js';
import { parquetSignatureProblem, stageParquet } from './parquet-reader.js';
import { csvDelimiter, stageCsv, stageJsonLines } from './text-readers.js';
import type { LocalExportFile } from './types.js';

export type ExportFormat = 'csv' | 'jsonl' | 'parquet';

/** One column of a staged file. */
export interface StagedColumn {
  /** Column name in the staged view (unique, case-insensitively). */
  readonly name: string;
  /** The name as the file spells it (blank for an unnamed CSV column); may repeat. */
  readonly header: string;
  /** DuckDB type of a Parquet column that holds no plain value (LIST, STRUCT, MAP…), else null. */
  readonly nestedType: string | null;
}

/** A file loaded into DuckDB as text: a view with `__clv_row` (1-based data row) and its columns. */
export interface ReadFile {
  readonly kind: 'read';
  /** View (or table) with `__clv_row BIGINT` and one VARCHAR column per file column. */
  readonly source: string;
  readonly columns: readonly StagedColumn[];
  /** Data rows read, including rows rejected as malformed. */
  readonly rowsRead: number;
}

/**
 * A file none of whose rows is staged, its row-0 reject already written: empty (0 rows), badly
 * encoded (`rowsRead` rows, all rejected) or unreadable (rows unknown, counted as 0; the run fails).
 */
export interface SetAsideFile {
  readonly kind: 'set_aside';
  readonly rowsRead: number;
}

export type StagedFile = ReadFile | SetAsideFile;

/** Format and compression from the file name (falling back to the local path). */
export function formatOf(file: LocalExportFile): { format: ExportFormat; gzip: boolean } {
  for (const candidate of [file.name, file.localPath]) {
    const lower = candidate.toLowerCase();
    const gzip = lower.endsWith('.gz');
    const base = gzip ? lower.slice(0, -3) : lower;
    if (base.endsWith('.csv')) return { format: 'csv', gzip };
    if (base.endsWith('.jsonl') || base.endsWith('.ndjson')) return { format: 'jsonl', gzip };
    if (base.endsWith('.parquet') && !gzip) return { format: 'parquet', gzip };
  }
  throw new UnsupportedFormatError(
    `Unsupported export file ${file.name}: expected .csv, .jsonl or .ndjson (optionally .gz), or .parquet`,
  );
}

async function setAside(
  conn: DuckDBConnection,
  fileIdx: number,
  reject: Omit<FileReject, 'field' | 'value'>,
  rowsRead = 0,
): Promise<SetAsideFile> {
  await insertFileReject(conn, fileIdx, { ...reject, field: null, value: null });
  return { kind: 'set_aside', rowsRead };
}

const unreadable = (problem: string): Omit<FileReject, 'field' | 'value'> => ({
  reason: 'unreadable_file',
  message: `Cannot read the file: ${problem}. The run fails: the number of rows lost is unknown`,
});

/**
 * Loads one file into DuckDB as text with exact data-row numbers and writes its problems to the
 * `rejects` table: broken CSV records and JSON lines, and at row 0 an empty file, a non-UTF-8 text
 * file, a broken gzip stream or Parquet file, and a detected non-comma delimiter. Throws ExportFileError
 * only when DuckDB fails on a text file that passed those checks.
 */
export async function stageFile(
  conn: DuckDBConnection,
  file: LocalExportFile,
  fileIdx: number,
): Promise<StagedFile> {
  const { format, gzip } = formatOf(file);
  if (file.bytes === 0) {
    return setAside(conn, fileIdx, {
      reason: 'empty_file',
      message: 'The file is empty (0 bytes): no data rows',
    });
  }
  if (format === 'parquet') return stageParquetFile(conn, file, fileIdx);
  const sniff = await sniffTextFile(file.localPath, gzip, file.bytes);
  if (sniff.kind === 'unreadable') return setAside(conn, fileIdx, unreadable(sniff.problem));
  if (sniff.kind === 'bad_encoding') {
    const csv = format === 'csv';
    const rows = csv ? Math.max(0, sniff.nonEmptyLines - 1) : sniff.nonEmptyLines;
    const reexport = csv ? "CSV UTF-8 (Excel: File > Save As > 'CSV UTF-8 (Comma delimited)')" : 'UTF-8';
    const message =
      `File is ${sniff.found}. Re-export it as ${reexport}, or convert it${gzip ? ' (after gunzip)' : ''} with ` +
      `\`iconv -f ${sniff.iconvFrom} -t UTF-8 in${csv ? '.csv' : '.jsonl'} > out${csv ? '.csv' : '.jsonl'}\`; ` +
      `${allRowsRejected(rows)} (counted as ${csv ? 'non-empty lines minus the header' : 'non-empty lines'})`;
    return setAside(conn, fileIdx, { reason: 'bad_encoding', message }, rows);
  }
  if (sniff.bytes === 0) {
    const message = 'The file decompresses to 0 bytes: no data rows';
    return setAside(conn, fileIdx, { reason: 'empty_file', message });
  }
  let staged: ReadFile;
  try {
    if (format === 'jsonl') {
      staged = await stageJsonLines(conn, file, fileIdx, gzip);
    } else {
      const { delimiter, fields } = csvDelimiter(sniff.firstLine);
      if (delimiter !== ',') {
        const name = delimiter === ';' ? 'semicolon' : 'tab';
        // Semicolon files come from spreadsheets in decimal-comma locales: say how such amounts are read.
        const decimals =
          delimiter === ';' ? ` (amounts like 12,50 need mapping.${file.dataset}.decimalSeparator ",")` : '';
        const message = `The header row has no comma but splits into ${fields} fields on ${name}s: the file is read as ${name}-delimited${decimals}`;
        await insertFileReject(conn, fileIdx, {
          reason: 'delimiter_detected',
          field: null,
          message,
          value: sniff.firstLine,
        });
      }
      staged = await stageCsv(conn, file, fileIdx, { gzip, delimiter });
    }
  } catch (cause) {
    throw new ExportFileError(`Cannot read export file ${file.name} as ${format}`, { cause });
  }
  if (staged.rowsRead > 0) return staged;
  const message =
    staged.columns.length === 0
      ? `The file holds only blank lines: ${format === 'csv' ? 'no header and ' : ''}no data rows`
      : `The file has a header row (${staged.columns.length} columns) but no data rows`;
  return setAside(conn, fileIdx, { reason: 'empty_file', message });
}

/** Parquet: a file without the signature, or one DuckDB cannot open, is unreadable; 0 rows is empty. */
async function stageParquetFile(
  conn: DuckDBConnection,
  file: LocalExportFile,
  fileIdx: number,
): Promise<StagedFile> {
  const problem = await parquetSignatureProblem(file.localPath, file.bytes);
  if (problem !== null) return setAside(conn, fileIdx, unreadable(problem));
  let staged: ReadFile;
  try {
    staged = await stageParquet(conn, file, fileIdx);
  } catch (cause) {
    const detail = cause instanceof Error ? (cause.message.split('\n')[0] ?? '') : String(cause);
    return setAside(conn, fileIdx, unreadable(`DuckDB cannot read it as Parquet (${detail})`));
  }
  if (staged.rowsRead > 0) return staged;
  const message = `The Parquet file has ${staged.columns.length} columns but no data rows`;
  return setAside(conn, fileIdx, { reason: 'empty_file', message });
}
