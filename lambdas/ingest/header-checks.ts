import type { DatasetMapping } from '../platform/config.js';
import { CONTRACT_FIELDS } from './contract.js';
import type { StagedColumn } from './file-readers.js';
import { allRowsRejected, type FileReject } from './file-rejects.js';
import type { Dataset } from './types.js';

/** What a file's header means for the contract before its columns are matched to fields. */
export interface HeaderFindings {
  /** View columns to match against the contract: a repeated name only by its first column. */
  readonly columns: readonly string[];
  /** A contract field's column appearing more than once: which to read is ambiguous; rejects the file. */
  readonly ambiguous: readonly FileReject[];
  /** A customers attribute column appearing more than once: the first is kept. */
  readonly notices: readonly FileReject[];
}

const describe = (column: StagedColumn, position: number): string =>
  column.header === '' ? `unnamed column ${position}` : `"${column.header}" (column ${position})`;

/**
 * Groups the header by trimmed, lower-cased name (the way columns are matched to fields) and judges
 * each repeated name: ambiguous when it is the (mapped) name of a contract field, else a notice for
 * customers (whose extra columns become attributes); other datasets ignore extra columns anyway.
 */
export function headerFindings(
  dataset: Dataset,
  staged: readonly StagedColumn[],
  mapping: DatasetMapping,
  rowsRead: number,
): HeaderFindings {
  const groups = new Map<string, number[]>();
  for (const [i, column] of staged.entries()) {
    // An unnamed column is never a repeat of another; NUL keeps its key apart from every real name.
    const key = column.header.trim().toLowerCase() || `\u0000${i}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  const columns: string[] = [];
  const ambiguous: FileReject[] = [];
  const notices: FileReject[] = [];
  for (const [key, positions] of groups) {
    const first = staged[positions[0] as number] as StagedColumn;
    columns.push(first.name);
    if (positions.length === 1) continue;
    const spelled = positions.map((i) => describe(staged[i] as StagedColumn, i + 1)).join(', ');
    const value = positions.map((i) => staged[i]?.header).join(', ');
    const field = CONTRACT_FIELDS[dataset].find(
      (f) => (mapping.columns[f] ?? f).trim().toLowerCase() === key,
    );
    if (field !== undefined) {
      const message = `Column "${mapping.columns[field] ?? field}" (contract field ${field}) appears ${positions.length} times in the header (${spelled}): which one to read is ambiguous; remove or rename the extra columns; ${allRowsRejected(rowsRead)}`;
      ambiguous.push({ reason: 'duplicate_column', field, message, value });
    } else if (dataset === 'customers') {
      const message = `Column "${first.header}" appears ${positions.length} times in the header (${spelled}): the first is kept as attribute ${key}, the others are ignored`;
      notices.push({ reason: 'duplicate_column', field: null, message, value });
    }
  }
  return { columns, ambiguous, notices };
}

/** bad_type rejects for contract fields read from a nested Parquet column (a list, struct or map). */
export function nestedFieldRejects(
  fields: ReadonlyMap<string, string>,
  staged: readonly StagedColumn[],
  rowsRead: number,
): FileReject[] {
  const out: FileReject[] = [];
  for (const [field, name] of fields) {
    const type = staged.find((c) => c.name === name)?.nestedType;
    if (type === null || type === undefined) continue;
    const message = `Column "${name}" (contract field ${field}) is a Parquet ${type} column, not one plain value per row: write ${field} as a number, text or date column; ${allRowsRejected(rowsRead)}`;
    out.push({ reason: 'bad_type', field, message, value: type });
  }
  return out;
}

/** One notice naming the columns an orders or spend file has beyond the contract (they are not read). */
export function ignoredColumnsNotice(
  dataset: Dataset,
  columns: readonly string[],
  fields: ReadonlyMap<string, string>,
  staged: readonly StagedColumn[],
): FileReject | null {
  if (dataset === 'customers') return null;
  const used = new Set(fields.values());
  const ignored = columns
    .filter((name) => !used.has(name))
    .map((name) => {
      const i = staged.findIndex((c) => c.name === name);
      return staged[i]?.header || `(unnamed column ${i + 1})`;
    });
  if (ignored.length === 0) return null;
  const list = ignored.join(', ');
  const message = `${ignored.length} ${ignored.length === 1 ? 'column is' : 'columns are'} not in the ${dataset} contract and ${ignored.length === 1 ? 'is' : 'are'} ignored: ${list} (only customers files keep extra columns, as attributes; map a column with mapping.${dataset}.columns to use it)`;
  return { reason: 'ignored_columns', field: null, message, value: list };
}
