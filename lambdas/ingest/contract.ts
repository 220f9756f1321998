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

/**
 * Longest id (order_id, customer_id) or segment value (channels, segment-dimension attributes), in
 * characters. They become DynamoDB key parts (lambdas/publish/keys.ts): 256 characters are at most
 * 1,024 UTF-8 bytes, far inside the key limits even before `keyPart` shortens long parts, and anything
 * longer is a free-text or shifted column, not an id.
 */
export const MAX_TEXT_CHARS = 256;

/**
 * RE2 class of the characters ids and segment values must not contain: the C0 controls U+0000–U+001F,
 * DEL and the C1 controls U+007F–U+009F, and the line/paragraph separators U+2028/U+2029 (line breaks to
 * JavaScript, logs and many CSV readers). Tabs and line breaks inside a quoted CSV value count too.
 */
export const CONTROL_CHARACTER_CLASS = '[\\x00-\\x1F\\x7F-\\x9F\\x{2028}\\x{2029}]';
