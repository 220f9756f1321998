/**
 * Assembles fuzzed order rows (fuzz-rows.ts) into CSV and JSON Lines files and works out, independently
 * of the ingest, what the contract (docs/exports.md) says must happen to each row: which rejects it gets
 * at which file and row, or which order it contributes.
 */
import fc from 'fast-check';
import {
  brokenField,
  COLUMNS,
  type Column,
  choose,
  DEFECTS,
  dateText,
  type Field,
  idPartArb,
  isoDay,
  MONEY_FIELDS,
  moneyText,
  Pick,
  type RowDraft,
  rowDraftArb,
  statusText,
} from './fuzz-rows.js';

interface FileLayout {
  readonly crlf: boolean;
  readonly gzip: boolean;
}
interface CsvLayout extends FileLayout {
  readonly bom: boolean;
  readonly finalNewline: boolean;
  readonly upperHeader: boolean;
  /** Column order of the file (a permutation of COLUMNS). */
  readonly columns: readonly Column[];
  /** A last record with an unterminated quote: it runs to the end of the file, so it can only be last. */
  readonly tail: RowDraft | null;
}
export interface ExportDraft {
  readonly customers: readonly string[];
  readonly defective: readonly RowDraft[];
  readonly valid: readonly RowDraft[];
  readonly csv: readonly CsvLayout[];
  readonly jsonl: FileLayout | null;
}

export function exportDraftArb(minDefective: number): fc.Arbitrary<ExportDraft> {
  const layout = { crlf: fc.boolean(), gzip: fc.boolean() };
  const csv = fc.record({
    ...layout,
    bom: fc.boolean(),
    finalNewline: fc.boolean(),
    upperHeader: fc.boolean(),
    columns: fc.shuffledSubarray([...COLUMNS], { minLength: COLUMNS.length }),
    tail: fc.option(rowDraftArb(fc.constant(null))),
  });
  return fc.record({
    customers: fc.array(idPartArb, { minLength: 1, maxLength: 60 }),
    defective: fc.array(rowDraftArb(fc.constantFrom(...DEFECTS)), {
      minLength: minDefective,
      maxLength: minDefective + 40,
    }),
    valid: fc.array(rowDraftArb(fc.constant(null)), { minLength: 100, maxLength: 600 }),
    csv: fc.array(csv, { minLength: 1, maxLength: 3 }),
    jsonl: fc.option(fc.record(layout)),
  });
}

/** A reject the contract requires; `value` undefined when not checked (a JSON number's rendering). */
export interface ExpectedReject {
  readonly field: string | null;
  readonly reason: string;
  readonly value?: string | null;
  /** For duplicates: where the kept row is (`<file> row <n>`). */
  readonly keptAt?: string;
}
/** An accepted order as the test understands it: money in cents, the UTC date. */
export interface AcceptedOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly day: string;
  readonly revenueCents: number;
  readonly refundCents: number;
  readonly cancelled: boolean;
}
export interface RowOutcome {
  readonly file: string;
  readonly row: number;
  /** What was wrong with the row (null: valid and kept). */
  readonly defect: string | null;
  readonly rejects: readonly ExpectedReject[];
  readonly accepted: AcceptedOrder | null;
}
export interface BuiltExport {
  readonly files: readonly { readonly name: string; readonly content: string }[];
  readonly rows: readonly RowOutcome[];
}

type Values = Record<Column, string | null>;
interface Placed {
  readonly draft: RowDraft;
  readonly values: Values;
  /** The order this row is if it survives the duplicate check; null when it has a defect. */
  order: AcceptedOrder | null;
  rejects: ExpectedReject[];
  defect: string | null;
  structural: boolean;
}

const trimBlanks = (s: string): string => s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
const cleanId = (part: string): string => trimBlanks(Array.from(trimBlanks(part)).slice(0, 40).join(''));
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const csvCell = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** The valid row a draft describes, and the order it stands for. */
function validRow(r: RowDraft, orderId: string, customerId: string): Placed {
  const p = (k: keyof typeof Pick): number => r.picks[Pick[k]] ?? 0;
  const refund = r.refundPermille === null ? null : Math.floor((r.revenueCents * r.refundPermille) / 1000);
  const values: Values = {
    order_id: orderId,
    customer_id: customerId,
    order_date: dateText(r.day, p('date')),
    revenue: moneyText(r.revenueCents, p('money')),
    cost: r.costCents === null ? null : moneyText(r.costCents, p('money') >> 3),
    status: statusText(r.status, p('status')),
    refund_amount: refund === null ? null : moneyText(refund, p('money') >> 6),
    channel: r.channel,
    note: r.note,
  };
  const refundCents = refund ?? (r.status === 'refunded' ? r.revenueCents : 0);
  const order = { orderId, customerId, day: isoDay(r.day), revenueCents: r.revenueCents, refundCents };
  return {
    draft: r,
    values,
    order: { ...order, cancelled: r.status === 'cancelled' },
    rejects: [],
    defect: null,
    structural: false,
  };
}

/** Breaks the row as its defect says: one field here; duplicates later, structural defects when rendered. */
function breakRow(row: Placed): void {
  const broken = brokenField(row.draft);
  if (broken !== null) {
    row.values[broken.field] = broken.text;
    const value = broken.text === null ? null : trimBlanks(broken.text) || null;
    row.rejects = [{ field: broken.field, reason: broken.reason, value }];
    row.order = null;
  }
  if (row.draft.defect === 'structural') {
    row.structural = true;
    row.order = null;
  }
}

function jsonLine(values: Values, pick: number): string {
  const parts: string[] = [];
  for (const f of COLUMNS) {
    const v = values[f];
    if (v === null) {
      if (pick % 2 === 1) parts.push(`"${f}":null`);
      continue;
    }
    const raw = MONEY_FIELDS.includes(f as Field) && (pick >> 1) % 2 === 0 && JSON_NUMBER.test(v);
    parts.push(`${JSON.stringify(f)}:${raw ? v : JSON.stringify(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** A JSON line (or the row's CSV cells) and the rejects it gets in that format. */
function renderJson(row: Placed): string {
  const pick = row.draft.picks[Pick.json] ?? 0;
  const line = jsonLine(row.values, pick);
  if (row.structural) {
    const broken = choose(
      ['{"order_id":', '[1]', '42', '"x"', 'null', 'true', '{order_id: "x"}', "{'order_id':'x'}"],
      row.draft.picks[Pick.variant] ?? 0,
    );
    const text = choose([broken, '{"a":1}}', 'not json', `${line} // c`, line.slice(0, -1)], pick >> 2);
    row.rejects = [{ field: null, reason: 'malformed_json', value: text }];
    return text;
  }
  // A money value written as a JSON number comes back as DuckDB renders it: not compared.
  row.rejects = row.rejects.map((x) => {
    const v = x.field === null ? null : row.values[x.field as Field];
    const raw = MONEY_FIELDS.includes(x.field as Field) && (pick >> 1) % 2 === 0 && JSON_NUMBER.test(v ?? '');
    return raw ? { field: x.field, reason: x.reason } : x;
  });
  return line;
}

function renderCsv(row: Placed, columns: readonly Column[], tail: boolean): string {
  const variant = row.draft.picks[Pick.variant] ?? 0;
  if (tail) {
    // No other quote may follow the opening one: the record must run to the end of the file.
    const cells = columns.map((f) => (row.values[f] ?? '').replace(/[",\r\n]/g, ' '));
    const at = variant % cells.length;
    cells[at] = `"${cells[at]}`;
    const record = cells.join(',');
    row.rejects = [{ field: null, reason: 'malformed_row', value: record }];
    return record;
  }
  const cells = columns.map((f) => csvCell(row.values[f] ?? ''));
  if (!row.structural) return cells.join(',');
  if (variant % 2 === 0) {
    const drop = 1 + ((variant >> 1) % (cells.length - 2));
    for (let i = 0; i < drop; i++) cells.splice((variant >> 4) % cells.length, 1);
  } else {
    // Extra fields hold at least one non-empty value: all-empty extras are pinned in ingest.fuzz.test.ts.
    cells.push(
      ...choose([['extra'], ['', '42'], ['x', '', 'y'], ['"quoted, extra"'], ['x', '']], variant >> 1),
    );
  }
  const record = cells.join(',');
  row.rejects = [{ field: null, reason: 'malformed_row', value: record }];
  return record;
}

/** Lays the drafts out as files and derives every row's outcome, duplicates included. */
export function buildExport(draft: ExportDraft): BuiltExport {
  const customers = draft.customers.map((part, k) => `${cleanId(part)}@c${k}`);
  let serial = 0;
  const place = (r: RowDraft): Placed => {
    serial += 1;
    const row = validRow(r, `${cleanId(r.idPart)}#${serial}`, choose(customers, r.customer));
    row.defect = r.defect;
    breakRow(row);
    return row;
  };
  const fileCount = draft.csv.length + (draft.jsonl ? 1 : 0);
  const perFile: Placed[][] = Array.from({ length: fileCount }, () => []);
  for (const r of [...draft.defective, ...draft.valid].sort((a, b) => a.order - b.order)) {
    perFile[r.file % fileCount]?.push(place(r));
  }
  const tails = draft.csv.map((layout) => {
    if (!layout.tail) return null;
    const tail = place(layout.tail);
    tail.order = null;
    return tail;
  });

  // Duplicates take the id of another valid row; some valid rows take the id of a rejected row.
  const all = perFile.flat();
  const validShaped = all.filter((x) => x.order !== null && x.defect === null);
  const rejectedIds = all.filter((x) => x.order === null && trimBlanks(x.values.order_id ?? '') !== '');
  for (const row of all) {
    const target = row.draft.picks[Pick.target] ?? 0;
    const source =
      row.defect === 'duplicate_id'
        ? validShaped
        : row.defect === null && target % 8 === 0
          ? rejectedIds
          : [];
    const donor = source.length > 0 ? choose(source, target >> 3) : null;
    if (!donor || donor === row || row.order === null) continue;
    row.values.order_id = trimBlanks(donor.values.order_id ?? '');
    row.order = { ...row.order, orderId: row.values.order_id };
  }

  const files: { name: string; content: string }[] = [];
  const rows: RowOutcome[] = [];
  const kept = new Map<string, string>();
  for (const [i, placed] of perFile.entries()) {
    const layout = draft.csv[i];
    const lines: string[] = [];
    const name = `orders-${i + 1}.${layout ? 'csv' : 'jsonl'}${(layout ?? draft.jsonl)?.gzip ? '.gz' : ''}`;
    if (layout) lines.push(layout.columns.map((c) => (layout.upperHeader ? c.toUpperCase() : c)).join(','));
    const tail = tails[i];
    for (const row of tail ? [...placed, tail] : placed) {
      if (layout) lines.push(renderCsv(row, layout.columns, row === tail));
      else {
        if ((row.draft.picks[Pick.blank] ?? 0) % 5 === 0) lines.push(choose(['', ' \t'], row.draft.order));
        lines.push(renderJson(row));
      }
      const rowNo = layout ? lines.length - 1 : lines.length;
      const at = `${name} row ${rowNo}`;
      if (row.order !== null) {
        const first = kept.get(row.order.orderId);
        if (first === undefined) kept.set(row.order.orderId, at);
        else {
          row.rejects = [
            { field: 'order_id', reason: 'duplicate_order_id', value: row.order.orderId, keptAt: first },
          ];
          row.defect = 'duplicate_id';
          row.order = null;
        }
      }
      const defect = row === tail ? 'unterminated_quote' : row.rejects.length > 0 ? row.defect : null;
      rows.push({ file: name, row: rowNo, defect, rejects: row.rejects, accepted: row.order });
    }
    const eol = (layout ?? draft.jsonl)?.crlf ? '\r\n' : '\n';
    const body = lines.join(eol) + (layout && !layout.finalNewline ? '' : eol);
    files.push({ name, content: layout?.bom ? `\uFEFF${body}` : body });
  }
  return { files, rows };
}
