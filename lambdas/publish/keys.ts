/**
 * Pure key builders of the results table (single-table design, docs/storage.md). Every key is
 * `PK` (S) + `SK` (S). Free-form parts (customer ids, segment values) pass through `keyPart`, which
 * keeps keys inside DynamoDB's limits (PK ≤ 2,048 bytes, SK ≤ 1,024 bytes).
 */
import { createHash } from 'node:crypto';

export interface ItemKey {
  readonly PK: string;
  readonly SK: string;
}

/** The dimension and value of the whole-business segment (every customer is in it). */
export const ALL = '_all';

const MAX_PART_BYTES = 256;

/** A free-form value as a key part: itself when ≤ 256 UTF-8 bytes, else a 160-char prefix + `~` + 24 hex of its SHA-256. */
export function keyPart(value: string): string {
  if (Buffer.byteLength(value, 'utf8') <= MAX_PART_BYTES) return value;
  const digest = createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 24);
  return `${Array.from(value).slice(0, 160).join('')}~${digest}`;
}

/** The run record. */
export function runRecordKey(runId: string): ItemKey {
  return { PK: `RUN#${runId}`, SK: 'META' };
}

/** The business summary (dimension `_all`) of a run. */
export function runSummaryKey(runId: string): ItemKey {
  return { PK: `RUN#${runId}`, SK: 'SUMMARY' };
}

export const RUNS_PK = 'RUNS';

/** The run's entry in the run index (Query `RUNS` descending = newest export first). */
export function runIndexKey(exportDate: string, runId: string): ItemKey {
  return { PK: RUNS_PK, SK: `${exportDate}#${runId}` };
}

/** The current-run pointer: the only item readers resolve first. Never expires. */
export const POINTER_KEY: ItemKey = { PK: 'POINTER', SK: 'CURRENT' };

/** Partition of one customer's results across runs. */
export function customerPk(customerId: string): string {
  return `CUST#${keyPart(customerId)}`;
}

/** One customer in one run. */
export function customerKey(customerId: string, exportDate: string, runId: string): ItemKey {
  return { PK: customerPk(customerId), SK: `RUN#${exportDate}#${runId}` };
}

/** Partition of all segment rows of one dimension in one run. */
export function segmentsPk(runId: string, dimension: string): string {
  return `RUN#${runId}#DIM#${dimension}`;
}

/** One segment row of a run. */
export function segmentKey(runId: string, dimension: string, value: string): ItemKey {
  return { PK: segmentsPk(runId, dimension), SK: `SEG#${keyPart(value)}` };
}

/** Partition of one segment across runs (its trend). */
export function segmentHistoryPk(dimension: string, value: string): string {
  return `SEGHIST#${dimension}#${keyPart(value)}`;
}

/** One segment in one run, in its trend partition. */
export function segmentHistoryKey(
  dimension: string,
  value: string,
  exportDate: string,
  runId: string,
): ItemKey {
  return { PK: segmentHistoryPk(dimension, value), SK: `${exportDate}#${runId}` };
}

/** One shard of a segment's members, ordered by CLV through the sort key. */
export function memberPk(runId: string, dimension: string, value: string, shard: number): string {
  return `RUN#${runId}#SEG#${dimension}#${keyPart(value)}#${shard}`;
}

/** A customer in a segment shard: sort key `<sortableAmount(clv)>#<customerId>`. */
export function memberKey(
  runId: string,
  dimension: string,
  value: string,
  shard: number,
  clv: number,
  customerId: string,
): ItemKey {
  return {
    PK: memberPk(runId, dimension, value, shard),
    SK: `${sortableAmount(clv)}#${keyPart(customerId)}`,
  };
}

/** Number of member shards of a segment: max(1, ⌈size ÷ shardSize⌉). */
export function shardCount(segmentSize: number, shardSize: number): number {
  return Math.max(1, Math.ceil(segmentSize / shardSize));
}

/** Stable shard of a customer: 32-bit FNV-1a of its UTF-8 id, mod `shards`. */
export function shardOf(customerId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(customerId, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** Largest |amount| `sortableAmount` encodes: (2^53 − 1) cents, about 90 trillion currency units. */
export const MAX_SORTABLE_AMOUNT = Number.MAX_SAFE_INTEGER / 100;

const OFFSET = 10n ** 16n;
const WIDTH = 17;

/**
 * A 17-digit string whose lexical (and DynamoDB byte) order is the numeric order of `value`, negatives
 * included: the amount rounded to cents (Math.round: halves up), plus 10^16, zero-padded. Precision 0.01 (amounts that round to
 * the same cent sort equal); range ±MAX_SORTABLE_AMOUNT; throws RangeError outside it or for NaN/∞.
 */
export function sortableAmount(value: number): string {
  const cents = Math.round(value * 100);
  if (!Number.isSafeInteger(cents)) {
    throw new RangeError(
      `Amount ${value} cannot be encoded as a sortable key (|amount| ≤ ${MAX_SORTABLE_AMOUNT})`,
    );
  }
  return (BigInt(cents) + OFFSET).toString().padStart(WIDTH, '0');
}

/** Inverse of `sortableAmount` (to cents precision). */
export function amountFromSortable(encoded: string): number {
  return Number(BigInt(encoded) - OFFSET) / 100;
}

/**
 * Global secondary indexes over segment member items, one per extra sort order of
 * `GET /v1/customers?sort=`: same partition as the member shard (`PK`), sort key an attribute only
 * member items carry (sparse), projection ALL. CLV order is the table's own sort key.
 */
export const MEMBER_SORT_INDEXES = {
  revenue: { indexName: 'byRevenue', sortKey: 'revenueKey' },
  orders: { indexName: 'byOrders', sortKey: 'ordersKey' },
} as const;

/** Width of the zero-padded order count in `ordersKey` (up to 10^12 − 1 orders). */
const ORDERS_WIDTH = 12;

/** Index sort keys of a member item: `<sortable net revenue>#<id>` and `<padded orders>#<id>`. */
export function memberIndexKeys(
  netRevenue: number,
  orders: number,
  customerId: string,
): { revenueKey: string; ordersKey: string } {
  const id = keyPart(customerId);
  return {
    revenueKey: `${sortableAmount(netRevenue)}#${id}`,
    ordersKey: `${String(Math.max(0, Math.floor(orders))).padStart(ORDERS_WIDTH, '0')}#${id}`,
  };
}
