/**
 * A large plain orders CSV for the ingest benchmark. Not a behavioural model (see generate-exports.ts
 * for that): order dates rise steadily over the history, customers are drawn uniformly, values from a
 * gamma. Rows are encoded straight into ~4 MB byte chunks: building them as JS strings spends most of the
 * time in the garbage collector.
 */
import { ChunkedFileWriter } from './csv-writer.js';
import { createRng, gamma } from './random.js';

export interface BenchOrdersOptions {
  readonly customers: number;
  readonly orders: number;
  readonly seed: number;
  /** Orders lie in the `historyDays` days before this date (`YYYY-MM-DD`); default 2025-01-01. */
  readonly exportDate?: string;
  /** Default 730. */
  readonly historyDays?: number;
}

export interface BenchOrdersResult {
  readonly rows: number;
  readonly bytes: number;
  readonly milliseconds: number;
}

export const BENCH_ORDER_HEADER = 'order_id,customer_id,order_date,revenue,cost,status\n';

const CHUNK_BYTES = 4 << 20;
/** Longest possible row, so a row never overruns a chunk. */
const MAX_ROW_BYTES = 256;
const DAY_MS = 86_400_000;
const ZERO = 48;
const COMMA = 44;
const DOT = 46;
const LETTER_O = 79;
const LETTER_C = 67;

/** A byte chunk with an append cursor and the few encoders a row needs. */
class ByteChunk {
  readonly bytes = Buffer.allocUnsafe(CHUNK_BYTES + MAX_ROW_BYTES);
  length = 0;

  byte(value: number): void {
    this.bytes[this.length] = value;
    this.length += 1;
  }

  copy(source: Uint8Array): void {
    this.bytes.set(source, this.length);
    this.length += source.length;
  }

  /** A non-negative integer in decimal, left-padded with zeros to `width`. */
  integer(value: number, width: number): void {
    let digits = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) digits += 1;
    const size = Math.max(width, digits);
    let rest = value;
    for (let i = this.length + size - 1; i >= this.length; i -= 1) {
      this.bytes[i] = ZERO + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    this.length += size;
  }

  /** Cents as `units.cc`. */
  money(cents: number): void {
    const rest = cents % 100;
    this.integer((cents - rest) / 100, 1);
    this.byte(DOT);
    this.integer(rest, 2);
  }
}

/** The ISO dates of the history, one per day, oldest first, as ASCII bytes followed by a comma. */
function historyDates(exportDate: string, historyDays: number): Buffer[] {
  const end = Date.parse(`${exportDate}T00:00:00Z`);
  if (Number.isNaN(end)) throw new RangeError(`exportDate must be YYYY-MM-DD, got ${exportDate}`);
  return Array.from({ length: historyDays }, (_, d) =>
    Buffer.from(`${new Date(end - (historyDays - d) * DAY_MS).toISOString().slice(0, 10)},`, 'latin1'),
  );
}

const STATUSES = {
  completed: Buffer.from(',completed\n', 'latin1'),
  refunded: Buffer.from(',refunded\n', 'latin1'),
  cancelled: Buffer.from(',cancelled\n', 'latin1'),
};

/** Writes `orders` rows over `customers` customers to `path`; returns rows, bytes and elapsed time. */
export async function writeBenchOrders(
  path: string,
  options: BenchOrdersOptions,
): Promise<BenchOrdersResult> {
  const { customers, orders, seed } = options;
  if (!Number.isInteger(customers) || customers < 1) throw new RangeError('customers must be an integer ≥ 1');
  if (!Number.isInteger(orders) || orders < 0) throw new RangeError('orders must be an integer ≥ 0');
  const started = performance.now();
  const historyDays = options.historyDays ?? 730;
  const dates = historyDates(options.exportDate ?? '2025-01-01', historyDays);
  const rng = createRng(seed);
  const idWidth = Math.max(8, String(orders).length);
  const customerWidth = Math.max(7, String(customers).length);
  const writer = await ChunkedFileWriter.open(path, CHUNK_BYTES);
  let bytes = BENCH_ORDER_HEADER.length;
  try {
    await writer.write(BENCH_ORDER_HEADER);
    let chunk = new ByteChunk();
    for (let i = 0; i < orders; i += 1) {
      const day = Math.floor((i * historyDays) / orders);
      const customer = 1 + Math.floor(rng() * customers);
      const revenue = 1 + Math.round(gamma(rng, 2, 1 / 40) * 100);
      const cost = Math.round(revenue * (0.55 + 0.2 * rng()));
      const u = rng();
      chunk.byte(LETTER_O);
      chunk.integer(i + 1, idWidth);
      chunk.byte(COMMA);
      chunk.byte(LETTER_C);
      chunk.integer(customer, customerWidth);
      chunk.byte(COMMA);
      chunk.copy(dates[day] ?? STATUSES.completed);
      chunk.money(revenue);
      chunk.byte(COMMA);
      chunk.money(cost);
      chunk.copy(u < 0.97 ? STATUSES.completed : u < 0.99 ? STATUSES.refunded : STATUSES.cancelled);
      if (chunk.length >= CHUNK_BYTES) {
        bytes += chunk.length;
        // The stream keeps the buffer until it is written, so each chunk gets a fresh one.
        await writer.writeBytes(chunk.bytes.subarray(0, chunk.length));
        chunk = new ByteChunk();
      }
    }
    bytes += chunk.length;
    await writer.writeBytes(chunk.bytes.subarray(0, chunk.length));
  } finally {
    await writer.close();
  }
  return { rows: orders, bytes, milliseconds: performance.now() - started };
}
