/**
 * Deliberately broken rows for `badRows: true`, each at a fixed 1-based data row of a fixed file, each
 * with the reject ingest must produce. 16 rows in all: far below the 5 % reject threshold for any
 * sample of a few hundred customers or more. When a file is shorter than a position, the row is
 * appended at the end instead and the actual position is reported.
 */
import {
  CUSTOMER_HEADER,
  CUSTOMERS_FILE,
  ORDERS_FILES,
  type OrderRecord,
  orderCells,
  orderRecord,
  SPEND_FILE,
} from './export-layout.js';

/** Where a bad row landed and the reject it must produce (mirrors ingest's RejectedRow). */
export interface BadRow {
  readonly file: string;
  readonly row: number;
  /** Contract field at fault, or null for a row-level problem (duplicate order id). */
  readonly field: string | null;
  /** Expected reason code. */
  readonly reason: string;
  /** The offending raw value; null when the field is empty. */
  readonly value: string | null;
}

/** What a spec may look at while building its row. */
export interface BadRowContext {
  /** The good row just before the insertion point (a realistic template). */
  readonly neighbour: readonly string[];
  /** A good row of an earlier position or file (for duplicates); throws when there is none. */
  readonly goodRowAt: (file: string, row: number) => readonly string[];
  readonly exportDate: string;
}

interface BadRowSpec {
  readonly file: string;
  readonly row: number;
  readonly field: string | null;
  readonly reason: string;
  readonly build: (context: BadRowContext) => string[];
}

const [FIRST, SECOND] = ORDERS_FILES;

/** A bad order derived from its neighbour: a fresh id, valid amounts, then the one broken field. */
function order(id: number, patch: Partial<OrderRecord>): (context: BadRowContext) => string[] {
  return ({ neighbour }): string[] => {
    const base = orderRecord(neighbour);
    const record: OrderRecord = {
      ...base,
      order_id: `BAD-${String(id).padStart(4, '0')}`,
      revenue: '50.00',
      cost: '30.00',
      status: 'completed',
      refund_amount: '',
      ...patch,
    };
    return orderCells(record);
  };
}

/** The year before the export's, for impossible dates that are never in the future either. */
function priorYear(exportDate: string): number {
  return Number(exportDate.slice(0, 4)) - 1;
}

/** A date `days` after the export date. */
function daysAfter(exportDate: string, days: number): string {
  return new Date(Date.parse(`${exportDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const ORDER_SPECS: readonly BadRowSpec[] = [
  // Not a number.
  { file: FIRST, row: 3, field: 'revenue', reason: 'not_a_number', build: order(1, { revenue: 'abc' }) },
  // Money may not be negative.
  {
    file: FIRST,
    row: 11,
    field: 'revenue',
    reason: 'negative_amount',
    build: order(2, { revenue: '-25.00' }),
  },
  // Every order needs a customer.
  {
    file: FIRST,
    row: 19,
    field: 'customer_id',
    reason: 'missing_value',
    build: order(3, { customer_id: '' }),
  },
  // February has no 30th.
  {
    file: FIRST,
    row: 27,
    field: 'order_date',
    reason: 'bad_date',
    build: (c) => order(4, { order_date: `${priorYear(c.exportDate)}-02-30` })(c),
  },
  // An order dated after the export date cannot be in that export.
  {
    file: FIRST,
    row: 35,
    field: 'order_date',
    reason: 'future_date',
    build: (c) => order(5, { order_date: daysAfter(c.exportDate, 3) })(c),
  },
  // Exact copy of an earlier row of the same file: the first occurrence is kept, this one rejected.
  {
    file: FIRST,
    row: 43,
    field: 'order_id',
    reason: 'duplicate_order_id',
    build: (c) => [...c.goodRowAt(FIRST, 38)],
  },
  // Not one of completed / refunded / cancelled.
  { file: FIRST, row: 51, field: 'status', reason: 'bad_status', build: order(6, { status: 'shipped' }) },
  // A refund cannot exceed what was paid.
  {
    file: FIRST,
    row: 59,
    field: 'refund_amount',
    reason: 'refund_exceeds_revenue',
    build: order(7, { status: 'refunded', refund_amount: '60.00' }),
  },
  // Decimal comma where a point is expected; the value is quoted because it contains a comma.
  { file: FIRST, row: 67, field: 'revenue', reason: 'not_a_number', build: order(8, { revenue: '12,50' }) },
  // Revenue is required.
  { file: FIRST, row: 75, field: 'revenue', reason: 'missing_value', build: order(9, { revenue: '' }) },
  // Copy of a row of the first file: duplicates are detected across the files of one export.
  {
    file: SECOND,
    row: 4,
    field: 'order_id',
    reason: 'duplicate_order_id',
    build: (c) => [...c.goodRowAt(FIRST, 2)],
  },
  // `NaN` parses as a double in many engines; it is still not an amount.
  { file: SECOND, row: 12, field: 'revenue', reason: 'not_finite', build: order(10, { revenue: 'NaN' }) },
  // There is no 13th month.
  {
    file: SECOND,
    row: 20,
    field: 'order_date',
    reason: 'bad_date',
    build: (c) => order(11, { order_date: `${priorYear(c.exportDate)}-13-05` })(c),
  },
  // Refunds are positive amounts.
  {
    file: SECOND,
    row: 28,
    field: 'refund_amount',
    reason: 'negative_amount',
    build: order(12, { status: 'refunded', refund_amount: '-5.00' }),
  },
];

const CUSTOMER_SPECS: readonly BadRowSpec[] = [
  // A customer row without its key.
  {
    file: CUSTOMERS_FILE,
    row: 7,
    field: 'customer_id',
    reason: 'missing_value',
    build: ({ neighbour }) =>
      CUSTOMER_HEADER.map((field, i) => (field === 'customer_id' ? '' : (neighbour[i] ?? ''))),
  },
];

const SPEND_SPECS: readonly BadRowSpec[] = [
  // `NaN` spend; on a channel of its own so that no good (month, channel) total is touched.
  {
    file: SPEND_FILE,
    row: 5,
    field: 'amount',
    reason: 'not_finite',
    build: ({ neighbour }) => [neighbour[0] ?? '', 'tv', 'NaN'],
  },
];

/** Every bad-row spec, in the order they are inserted (files in write order, rows ascending). */
export const BAD_ROW_SPECS: readonly BadRowSpec[] = [...ORDER_SPECS, ...CUSTOMER_SPECS, ...SPEND_SPECS];

/** Column of a spec's field in its file, to report the offending value. */
function offendingValue(
  spec: BadRowSpec,
  header: readonly string[],
  cells: readonly string[],
): string | null {
  const value = spec.field === null ? cells[0] : cells[header.indexOf(spec.field)];
  // An empty field is a missing value: no offending text, as ingest reports it.
  return value === undefined || value === '' ? null : value;
}

/**
 * Inserts the bad rows into the files' rows (mutating the arrays) and returns where each landed.
 * `files` maps a file name to its header and data rows; files without specs are left alone.
 */
export function insertBadRows(
  files: ReadonlyMap<string, { readonly header: readonly string[]; readonly rows: string[][] }>,
  exportDate: string,
): BadRow[] {
  const bad = new Set<readonly string[]>();
  const goodRowAt = (file: string, row: number): readonly string[] => {
    const rows = files.get(file)?.rows ?? [];
    for (let i = Math.min(row, rows.length) - 1; i >= 0; i -= 1) {
      const candidate = rows[i];
      if (candidate && !bad.has(candidate)) return candidate;
    }
    throw new RangeError(`no good row at or before ${file} row ${row}`);
  };
  const placed: BadRow[] = [];
  for (const spec of BAD_ROW_SPECS) {
    const target = files.get(spec.file);
    if (!target) continue;
    const index = Math.min(spec.row - 1, target.rows.length);
    const neighbour = goodRowAt(spec.file, Math.max(index, 1));
    const cells = spec.build({ neighbour, goodRowAt, exportDate });
    target.rows.splice(index, 0, cells);
    bad.add(cells);
    const value = offendingValue(spec, target.header, cells);
    placed.push({ file: spec.file, row: index + 1, field: spec.field, reason: spec.reason, value });
  }
  return placed;
}
