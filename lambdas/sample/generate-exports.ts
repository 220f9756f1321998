/**
 * Deterministic sample exports for the local stack and the tests: customers acquired uniformly over the
 * history, BG/NBD purchases, Gamma-Gamma order values, and marketing spend per channel and month. The
 * same options always give the same files, byte for byte.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BadRow, insertBadRows } from './bad-rows.js';
import { writeCsvFile } from './csv-writer.js';
import {
  CUSTOMER_HEADER,
  CUSTOMERS_FILE,
  customerCells,
  formatMoney,
  ORDER_HEADER,
  ORDERS_FILES,
  orderCells,
  SPEND_FILE,
  SPEND_HEADER,
  SUCCESS_FILE,
  spendCells,
} from './export-layout.js';
import { createRng, gamma, pickWeighted, type Rng, uniform } from './random.js';
import {
  type ChannelSpec,
  customerTraits,
  defaultTrueParameters,
  orderValue,
  repeatPurchaseTimes,
  type TrueParameters,
} from './sample-model.js';

export interface SampleExportOptions {
  readonly seed: number;
  readonly customers: number;
  /** The export date `YYYY-MM-DD`; every good order lies strictly before its 00:00 UTC. */
  readonly exportDate: string;
  /** Length of the order history in days (customers are acquired uniformly over it). */
  readonly historyDays: number;
  /** Acquisition channels, weights and CACs; defaults to DEFAULT_CHANNELS. */
  readonly channels?: readonly ChannelSpec[];
  /** Add the fixed set of broken rows of bad-rows.ts. */
  readonly badRows?: boolean;
}

/** One CSV file of the export, rows already formatted. */
export interface SampleFile {
  /** Path relative to the export folder, e.g. `orders/orders-0001.csv`. */
  readonly name: string;
  readonly header: readonly string[];
  readonly rows: string[][];
}

export interface SampleCounts {
  readonly customers: number;
  /** Good order rows, cancelled ones included. */
  readonly orders: number;
  readonly badRows: number;
}

/** What the generator drew, for the report and for checking later fits (cancelled orders excluded). */
export interface SampleStats {
  /** Share of customers with at least one repeat purchase. */
  readonly repeatShare: number;
  readonly meanOrdersPerCustomer: number;
  readonly meanOrderValue: number;
  readonly cancelledOrders: number;
  readonly refundedOrders: number;
}

export interface SampleExport {
  readonly files: readonly SampleFile[];
  readonly trueParameters: TrueParameters;
  readonly counts: SampleCounts;
  readonly stats: SampleStats;
  readonly badRows: readonly BadRow[];
}

export interface WrittenSampleExport extends Omit<SampleExport, 'files'> {
  /** Paths relative to the export folder, `_SUCCESS` last. */
  readonly files: string[];
}

const DAY_MS = 86_400_000;
/** Offsets used for timestamp-style order dates; the instant is the same, only the notation differs. */
const OFFSETS = [
  { value: '+02:00', weight: 2 },
  { value: '-05:00', weight: 2 },
  { value: '+05:30', weight: 1 },
] as const;

interface DrawnOrder {
  readonly dayTime: number;
  readonly customer: number;
  readonly revenue: number;
  readonly cost: number;
  readonly status: 'completed' | 'refunded' | 'cancelled';
  readonly refund: string;
  readonly channel: string;
}

/** Throws RangeError on options that cannot describe an export. */
function checkOptions(options: SampleExportOptions): void {
  const { customers, exportDate, historyDays } = options;
  if (!Number.isInteger(customers) || customers < 1) throw new RangeError('customers must be an integer ≥ 1');
  if (options.badRows && customers < 100) throw new RangeError('badRows needs at least 100 customers');
  if (!Number.isInteger(historyDays) || historyDays < 1)
    throw new RangeError('historyDays must be an integer ≥ 1');
  const parsed = Date.parse(`${exportDate}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(exportDate) || Number.isNaN(parsed)) {
    throw new RangeError(`exportDate must be YYYY-MM-DD, got ${exportDate}`);
  }
  if (new Date(parsed).toISOString().slice(0, 10) !== exportDate)
    throw new RangeError(`no such date ${exportDate}`);
}

/** A refund amount for a refunded order: full with or without an amount, or partial. */
function refundAmount(rng: Rng, revenue: number): string {
  const style = rng();
  if (style < 0.3) return '';
  if (style < 0.7) return formatMoney(revenue);
  return formatMoney(Math.max(0.01, Math.round(revenue * uniform(rng, 0.2, 0.8) * 100) / 100));
}

/** Formats an instant as a plain UTC date (25 %), a `+00:00` timestamp (60 %) or another offset (15 %). */
function formatOrderDate(rng: Rng, ms: number): string {
  const style = rng();
  const seconds = Math.floor(ms / 1000) * 1000;
  if (style < 0.25) return new Date(seconds).toISOString().slice(0, 10);
  if (style < 0.85) return `${new Date(seconds).toISOString().slice(0, 19)}+00:00`;
  const offset = pickWeighted(rng, OFFSETS);
  const sign = offset.startsWith('-') ? -1 : 1;
  const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  return `${new Date(seconds + minutes * 60_000).toISOString().slice(0, 19)}${offset}`;
}

/** Generates a whole export in memory; pure apart from the seed. */
export function generateSampleExport(options: SampleExportOptions): SampleExport {
  checkOptions(options);
  const params = defaultTrueParameters(options.channels);
  const { bgNbd, gammaGamma, costShare } = params;
  const rng = createRng(options.seed);
  const endMs = Date.parse(`${options.exportDate}T00:00:00Z`);
  const startMs = endMs - options.historyDays * DAY_MS;
  const channelChoices = params.channels.map((c) => ({ value: c.name, weight: c.weight }));

  const acquisitions = Array.from({ length: options.customers }, () => uniform(rng, 0, options.historyDays));
  acquisitions.sort((x, y) => x - y);

  const orders: DrawnOrder[] = [];
  const customerRows: string[][] = [];
  const acquiredBy = new Map<string, number>();
  let repeaters = 0;
  for (let i = 0; i < acquisitions.length; i += 1) {
    const acquired = acquisitions[i] ?? 0;
    const traits = customerTraits(rng, bgNbd, gammaGamma);
    const channel = pickWeighted(rng, channelChoices);
    const country = pickWeighted(rng, params.countries);
    const plan = pickWeighted(rng, params.plans);
    const repeats = repeatPurchaseTimes(rng, traits.lambda, traits.dropout, options.historyDays - acquired);
    if (repeats.length > 0) repeaters += 1;
    const acquiredDate = new Date(startMs + acquired * DAY_MS).toISOString();
    const month = `${acquiredDate.slice(0, 7)}|${channel}`;
    acquiredBy.set(month, (acquiredBy.get(month) ?? 0) + 1);
    const id = `C${String(i + 1).padStart(7, '0')}`;
    customerRows.push(
      customerCells({
        customer_id: id,
        acquired_at: acquiredDate.slice(0, 10),
        acquisition_channel: channel,
        country,
        plan,
      }),
    );
    const purchaseTimes = [0, ...repeats];
    for (let k = 0; k < purchaseTimes.length; k += 1) {
      const dayTime = acquired + (purchaseTimes[k] ?? 0);
      const revenue = orderValue(rng, gammaGamma, traits.spendRate);
      const cost = Math.round(revenue * uniform(rng, costShare.low, costShare.high) * 100) / 100;
      const orderChannel = k === 0 ? channel : pickWeighted(rng, channelChoices);
      const refunded = rng() < params.refundRate;
      const refund = refunded ? refundAmount(rng, revenue) : '';
      const status = refunded ? 'refunded' : 'completed';
      orders.push({ dayTime, customer: i, revenue, cost, status, refund, channel: orderChannel });
      // A cancelled attempt minutes after a real purchase: extra rows, so the BG/NBD process stays exact.
      if (rng() < params.cancelRate) {
        const attempt = dayTime + uniform(rng, 1, 60) / 1440;
        const value = orderValue(rng, gammaGamma, traits.spendRate);
        const attemptCost = Math.round(value * costShare.low * 100) / 100;
        if (attempt < options.historyDays) {
          orders.push({
            dayTime: attempt,
            customer: i,
            revenue: value,
            cost: attemptCost,
            status: 'cancelled',
            refund: '',
            channel: orderChannel,
          });
        }
      }
    }
  }
  orders.sort((x, y) => x.dayTime - y.dayTime);

  const orderRows = orders.map((o, index) =>
    orderCells({
      order_id: `O${String(index + 1).padStart(8, '0')}`,
      customer_id: customerRows[o.customer]?.[0] ?? '',
      order_date: formatOrderDate(rng, startMs + o.dayTime * DAY_MS),
      revenue: formatMoney(o.revenue),
      cost: formatMoney(o.cost),
      status: o.status,
      refund_amount: o.refund,
      currency: 'USD',
      channel: o.channel,
    }),
  );
  const spendRows = spendTable(createRng(options.seed ^ 0x5eed), params, startMs, endMs, acquiredBy);

  const half = Math.ceil(orderRows.length / 2);
  const files: SampleFile[] = [
    { name: ORDERS_FILES[0], header: ORDER_HEADER, rows: orderRows.slice(0, half) },
    { name: ORDERS_FILES[1], header: ORDER_HEADER, rows: orderRows.slice(half) },
    { name: CUSTOMERS_FILE, header: CUSTOMER_HEADER, rows: customerRows },
    { name: SPEND_FILE, header: SPEND_HEADER, rows: spendRows },
  ];
  const counts = { customers: customerRows.length, orders: orderRows.length };
  const badRows = options.badRows
    ? insertBadRows(new Map(files.map((f) => [f.name, f])), options.exportDate)
    : [];

  const purchases = orders.filter((o) => o.status !== 'cancelled');
  const revenueTotal = purchases.reduce((sum, o) => sum + o.revenue, 0);
  return {
    files,
    trueParameters: params,
    counts: { ...counts, badRows: badRows.length },
    stats: {
      repeatShare: repeaters / options.customers,
      meanOrdersPerCustomer: purchases.length / options.customers,
      meanOrderValue: revenueTotal / purchases.length,
      cancelledOrders: orders.length - purchases.length,
      refundedOrders: purchases.filter((o) => o.status === 'refunded').length,
    },
    badRows,
  };
}

/** Spend rows for every month of the history and every paid channel: acquired × CAC × Gamma noise. */
function spendTable(
  rng: Rng,
  params: TrueParameters,
  startMs: number,
  endMs: number,
  acquiredBy: ReadonlyMap<string, number>,
): string[][] {
  const rows: string[][] = [];
  const first = new Date(startMs);
  const last = new Date(endMs - 1).toISOString().slice(0, 7);
  const shape = params.spendNoiseShape;
  for (let m = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1); ; ) {
    const cursor = new Date(m);
    const month = cursor.toISOString().slice(0, 7);
    for (const channel of params.channels) {
      if (channel.cac === null) continue;
      const acquired = acquiredBy.get(`${month}|${channel.name}`) ?? 0;
      const amount = acquired * channel.cac * gamma(rng, shape, shape);
      rows.push(spendCells({ month, channel: channel.name, amount: formatMoney(amount) }));
    }
    if (month === last) return rows;
    m = Date.UTC(cursor.getUTCFullYear(), cursor.getUTCMonth() + 1, 1);
  }
}

/**
 * Writes one export folder into `dir` (the caller chooses `<exportDate>/`): two orders files, customers,
 * marketing spend, then `_SUCCESS`. Rows are streamed in chunks, never joined into one string.
 */
export async function writeSampleExport(
  dir: string,
  options: SampleExportOptions,
): Promise<WrittenSampleExport> {
  const sample = generateSampleExport(options);
  for (const file of sample.files) await writeCsvFile(join(dir, file.name), file.header, file.rows);
  await writeFile(join(dir, SUCCESS_FILE), '');
  const { files, ...rest } = sample;
  return { ...rest, files: [...files.map((f) => f.name), SUCCESS_FILE] };
}
