/**
 * Generators for the ingest fuzz test: order rows that are valid or broken in exactly one known way,
 * drawn by fast-check as plain numbers and strings, and the text each becomes. The files and the
 * expected outcome of every row are assembled in fuzz-export.ts.
 */
import fc from 'fast-check';

export const EXPORT_DATE = '2024-12-31';
const FIRST_DAY_MS = Date.UTC(2020, 0, 1);
const DAY_MS = 86_400_000;
/** Days from 2020-01-01 to the export date: valid order dates are day 0..this. */
export const LAST_VALID_DAY = (Date.UTC(2024, 11, 31) - FIRST_DAY_MS) / DAY_MS;

export const FIELDS = [
  'order_id',
  'customer_id',
  'order_date',
  'revenue',
  'cost',
  'status',
  'refund_amount',
  'channel',
] as const;
export type Field = (typeof FIELDS)[number];
/** Files also carry a column outside the contract, which the ingest ignores: it holds the multi-line values. */
export const COLUMNS = [...FIELDS, 'note'] as const;
export type Column = (typeof COLUMNS)[number];
export const MONEY_FIELDS: readonly Field[] = ['revenue', 'cost', 'refund_amount'];
const REQUIRED_FIELDS: readonly Field[] = ['order_id', 'customer_id', 'order_date', 'revenue'];
export const STATUSES = ['', 'completed', 'refunded', 'cancelled'] as const;

/**
 * The defects a row can carry, one per row. `structural` is a wrong field count in CSV and a line that
 * is not one JSON object in JSON Lines; `duplicate_id` reuses another valid row's order id.
 */
export const DEFECTS = [
  'structural',
  'not_a_number',
  'nan',
  'infinity',
  'overflow',
  'negative_amount',
  'currency_symbol',
  'date_format',
  'impossible_date',
  'future_date',
  'empty_required',
  'refund_above_revenue',
  'bad_status',
  'duplicate_id',
] as const;
export type Defect = (typeof DEFECTS)[number];

/** Everything random about one row; its text is derived from it deterministically. */
export interface RowDraft {
  readonly defect: Defect | null;
  readonly customer: number;
  readonly day: number;
  readonly revenueCents: number;
  readonly costCents: number | null;
  readonly status: (typeof STATUSES)[number];
  /** Refund as a share (‰) of the revenue; null = no refund_amount value. */
  readonly refundPermille: number | null;
  readonly idPart: string;
  readonly channel: string;
  /** An ignored column's text; may span lines (a quoted CSV value is one record however many lines). */
  readonly note: string;
  /** Style and variant choices (which date shape, which bad value, which field...), see `Pick`. */
  readonly picks: readonly number[];
  /** Rows are interleaved by this key, then spread over the files by `file`. */
  readonly order: number;
  readonly file: number;
}

/** Indexes into RowDraft.picks. */
export const Pick = {
  date: 0,
  money: 1,
  status: 2,
  variant: 3,
  field: 4,
  json: 5,
  blank: 6,
  target: 7,
} as const;

/** Characters of ids and channels: printable ASCII (quotes, commas, SQL and format syntax) and Unicode. */
const textChar = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  fc.constantFrom('ä', 'ß', 'é', 'ñ', 'Ж', 'ω', '中', '顧', '客', '🙂', '🚀', '€', '£', '¥', '\u00a0'),
);

/** Id fragments: hostile strings that are still valid ids, or random printable text. */
const INJECTIONS = [
  "'; DROP TABLE orders; --",
  'Robert"); DROP TABLE students;--',
  '" OR "1"="1',
  "1' OR '1'='1",
  'a,b,"c"',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal log4j-style payload, not a template
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  '%s%n%x',
  'NULL',
  '\\N',
  'x\\y\\\\z',
  'ünïcødé 顧客 🙂',
];
export const idPartArb = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ unit: textChar, maxLength: 24 }),
);

export function rowDraftArb(defect: fc.Arbitrary<Defect | null>): fc.Arbitrary<RowDraft> {
  return fc.record({
    defect,
    customer: fc.nat(),
    day: fc.integer({ min: 0, max: LAST_VALID_DAY }),
    revenueCents: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10_000_000 })),
    costCents: fc.option(fc.integer({ min: 0, max: 5_000_000 })),
    status: fc.constantFrom(...STATUSES),
    refundPermille: fc.option(fc.integer({ min: 0, max: 1000 })),
    idPart: idPartArb,
    channel: fc.string({ unit: textChar, maxLength: 12 }),
    note: fc.oneof(
      { weight: 3, arbitrary: fc.constant('') },
      fc.constantFrom('multi\nline note', 'a "quoted" note, with a comma', 'three\r\nline\nnote'),
    ),
    picks: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
    order: fc.nat(),
    file: fc.nat(),
  });
}

export const choose = <T>(list: readonly T[], pick: number): T => list[pick % list.length] as T;
const pad2 = (n: number): string => String(n).padStart(2, '0');
export const isoDay = (day: number): string =>
  new Date(FIRST_DAY_MS + day * DAY_MS).toISOString().slice(0, 10);

/** Offsets in minutes; with late UTC times the local date is the next day (and may be past the export date). */
const OFFSETS = [0, 0, 60, -60, 120, -300, 330, 345, -570, 540, 840, -720];

/** An accepted date text whose UTC calendar date is `day`: ISO date, or timestamp with an offset. */
export function dateText(day: number, pick: number): string {
  if (pick % 3 === 0) return isoDay(day);
  const offset = choose(OFFSETS, pick >> 2);
  const utcMs = FIRST_DAY_MS + day * DAY_MS + ((pick * 7919) % 86_400) * 1000;
  const local = new Date(utcMs + offset * 60_000).toISOString().slice(0, 19);
  const clock = pick % 2 === 0 ? local.replace('T', ' ') : local;
  const fraction = pick % 5 === 0 ? '.250' : '';
  if (offset === 0 && (pick >> 6) % 3 === 0) return `${clock}${fraction}Z`;
  const sign = offset < 0 ? '-' : '+';
  const [h, m] = [pad2(Math.floor(Math.abs(offset) / 60)), pad2(Math.abs(offset) % 60)];
  const suffixes = m === '00' ? [`${h}:${m}`, `${h}${m}`, h] : [`${h}:${m}`, `${h}${m}`];
  return `${clock}${fraction}${sign}${choose(suffixes, pick >> 4)}`;
}

/** An accepted money text for an amount in cents, in one of the shapes the contract allows. */
export function moneyText(cents: number, pick: number): string {
  const fixed = (cents / 100).toFixed(2);
  const forms = [
    fixed,
    String(cents / 100),
    `${cents}e-2`,
    `+${fixed}`,
    ` ${fixed} `,
    fixed.replace(/^0\./, '.'),
  ];
  return choose(forms, pick);
}

export function statusText(status: string, pick: number): string | null {
  if (status === '') return choose([null, '', ' '], pick);
  const capital = `${status[0]?.toUpperCase()}${status.slice(1)}`;
  return choose([status, status.toUpperCase(), capital, ` ${status} `], pick);
}

/** Bad values per defect, each with the reason the contract gives it. */
const BAD_VALUES = {
  not_a_number: ['ten', '12abc', '1_000', '1,5', '12.3.4', '0x1F', '--5', '1e', '.', '12 34', '١٢'],
  nan: ['NaN', 'nan', '-NaN', '+nan', 'NAN'],
  infinity: ['inf', '-inf', 'Infinity', '+Infinity', '-INFINITY', 'INF'],
  overflow: ['1e400', '-1e400', '1E309', '2e308', `18${'0'.repeat(308)}`],
  negative_amount: ['-5', '-0.01', '-1e2', '-.5', '-12345.67'],
  currency_symbol: ['$12.00', '€5', '12 EUR', 'EUR 12', '£1,234.50', '12.50 €', '¥100', 'USD12', '12$'],
  bad_status: ['shipped', 'complete', 'refund', 'pending', 'CANCELED', 'completed!', 'done', 'réfunded', '0'],
} as const;

/** Date texts in a shape the contract does not accept (no dateFormat configured), built from a valid day. */
function wrongFormatDate(day: number, pick: number): string {
  const iso = isoDay(day);
  const [y, m, d] = iso.split('-') as [string, string, string];
  const unpadded = `${y}-${Number(m)}-${Number(d)}`;
  return choose(
    [
      `${d}/${m}/${y}`,
      `${m}/${d}/${y}`,
      `${y}/${m}/${d}`,
      `${y}${m}${d}`,
      `${d}.${m}.${y}`,
      `${iso}T10:00:00`,
      `${iso} 10:00`,
      `${iso}T10:00+02:00`,
      `${iso}T10:00:00 +02:00`,
      `${y}-${m}`,
      'yesterday',
      unpadded === iso ? `'${iso}'` : unpadded,
    ],
    pick,
  );
}

/** Dates of the right shape that do not exist. */
function impossibleDate(day: number, pick: number): string {
  const y = isoDay(day).slice(0, 4);
  return choose(
    [
      `${y}-02-30`,
      `${y}-02-31`,
      `${y}-04-31`,
      `${y}-06-31`,
      `${y}-09-31`,
      `${y}-11-31`,
      `${y}-13-01`,
      `${y}-00-10`,
      `${y}-06-00`,
      `${y}-01-32`,
      '2023-02-29',
      '2021-02-29',
      `${y}-02-30T12:00:00Z`,
      `${y}-04-31 08:15:00+01:00`,
    ],
    pick,
  );
}

/** A date after the export date (as a UTC date; the local date of a timestamp may still be on it). */
const futureDate = (pick: number, style: number): string =>
  dateText(LAST_VALID_DAY + 1 + (pick % 3000), style);

const requiredField = (pick: number): Field => choose(REQUIRED_FIELDS, pick);
/** How a required value goes missing: absent, empty, or blank (trimmed to empty). */
const EMPTY_VALUES: readonly (string | null)[] = [null, '', ' ', ' \t '];

/** What a single-field defect does: the field, its new text (null: absent) and the contract's reason. */
export interface BrokenField {
  readonly field: Field;
  readonly text: string | null;
  readonly reason: string;
}

/** The field a row's defect breaks; null for defects of the whole row (structural, duplicate id). */
export function brokenField(r: RowDraft): BrokenField | null {
  const variant = r.picks[Pick.variant] ?? 0;
  const fieldPick = r.picks[Pick.field] ?? 0;
  const money = choose(MONEY_FIELDS, fieldPick);
  const broken = (field: Field, text: string | null, reason: string): BrokenField => ({
    field,
    text,
    reason,
  });
  switch (r.defect) {
    case 'not_a_number':
    case 'currency_symbol':
      return broken(money, choose(BAD_VALUES[r.defect], variant), 'not_a_number');
    case 'nan':
    case 'infinity':
    case 'overflow':
      return broken(money, choose(BAD_VALUES[r.defect], variant), 'not_finite');
    case 'negative_amount':
      return broken(money, choose(BAD_VALUES.negative_amount, variant), 'negative_amount');
    case 'date_format':
      return broken('order_date', wrongFormatDate(r.day, variant), 'bad_date');
    case 'impossible_date':
      return broken('order_date', impossibleDate(r.day, variant), 'bad_date');
    case 'future_date':
      return broken('order_date', futureDate(variant, r.picks[Pick.date] ?? 0), 'future_date');
    case 'empty_required':
      return broken(requiredField(fieldPick), choose(EMPTY_VALUES, variant), 'missing_value');
    case 'refund_above_revenue': {
      const text = moneyText(r.revenueCents + 1 + (variant % 1000), r.picks[Pick.money] ?? 0);
      return broken('refund_amount', text, 'refund_exceeds_revenue');
    }
    case 'bad_status':
      return broken('status', choose(BAD_VALUES.bad_status, variant), 'bad_status');
    default:
      return null;
  }
}
