import type { DatasetMapping } from '../platform/config.js';
import type { Dataset } from './types.js';

/** Contract fields of each dataset, in the order rejects of one row are listed. */
export const CONTRACT_FIELDS: Readonly<Record<Dataset, readonly string[]>> = {
  orders: [
    'order_id',
    'customer_id',
    'order_date',
    'revenue',
    'cost',
    'currency',
    'status',
    'refund_amount',
    'channel',
  ],
  customers: ['customer_id', 'acquired_at', 'acquisition_channel'],
  marketing_spend: ['date', 'month', 'channel', 'amount'],
};

/** Fields a file must have as columns; marketing_spend also needs `date` or `month` (checked apart). */
export const REQUIRED_FIELDS: Readonly<Record<Dataset, readonly string[]>> = {
  orders: ['order_id', 'customer_id', 'order_date', 'revenue'],
  customers: ['customer_id'],
  marketing_spend: ['channel', 'amount'],
};

/** How a file's columns map onto the contract. */
export interface ResolvedColumns {
  /** Contract field → the file's column, for the fields the file has. */
  readonly fields: ReadonlyMap<string, string>;
  /** Required contract fields with no column in the file. */
  readonly missing: readonly string[];
  /** Lower-cased attribute name → the file's column, for columns not used by the contract. */
  readonly extra: ReadonlyMap<string, string>;
}

/**
 * Matches a file's columns to the contract: the mapped name (or the contract name) exactly, else
 * case-insensitively after trimming. Unused columns become attributes under their lower-cased name.
 */
export function resolveColumns(
  dataset: Dataset,
  columns: readonly string[],
  mapping: DatasetMapping,
): ResolvedColumns {
  const fields = new Map<string, string>();
  for (const field of CONTRACT_FIELDS[dataset]) {
    const wanted = mapping.columns[field] ?? field;
    const found =
      columns.find((c) => c === wanted) ??
      columns.find((c) => c.trim().toLowerCase() === wanted.trim().toLowerCase());
    if (found !== undefined) fields.set(field, found);
  }
  const missing = REQUIRED_FIELDS[dataset].filter((f) => !fields.has(f));
  if (dataset === 'marketing_spend' && !fields.has('date') && !fields.has('month')) missing.unshift('date');
  const used = new Set(fields.values());
  const contract = new Set(CONTRACT_FIELDS[dataset]);
  const extra = new Map<string, string>();
  for (const column of columns) {
    const name = column.trim().toLowerCase();
    if (used.has(column) || name === '' || contract.has(name) || extra.has(name)) continue;
    extra.set(name, column);
  }
  return { fields, missing, extra };
}
