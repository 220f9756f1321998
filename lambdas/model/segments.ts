/** Segment metrics: one pass over the customers per dimension, accumulating into a map by value. */
import { annualisedRetention } from './churn.js';
import { median, ratioOrNull } from './stats.js';
import type { CustomerMetrics, HealthLabel, SegmentMetrics } from './types.js';

/** Per-customer facts the segment metrics need besides CustomerMetrics (parallel to `customers`). */
export interface SegmentContext {
  readonly customers: readonly CustomerMetrics[];
  /** 1 when the customer's cohort month is covered by marketing spend (the CAC denominator). */
  readonly isNew: Uint8Array;
  readonly activeInPreviousWindow: Uint8Array;
  readonly activeInLastWindow: Uint8Array;
  /** Monthly gross margin per customer: AOV × purchases per year ÷ 12 × margin rate. */
  readonly monthlyMargin: Float64Array;
  readonly windowMonths: number;
}

/** How one dimension's value names a customer, and where its marketing spend comes from. */
export interface SegmentDimension {
  readonly name: string;
  readonly valueOf: (customer: CustomerMetrics) => string;
  /**
   * Recorded spend of a value (e.g. a channel's spend). When absent, a segment's spend is the sum of
   * its customers' allocated CAC (spend shared out by channel × cohort month).
   */
  readonly recordedSpend?: (value: string) => number;
  /** Values to report even without customers (e.g. channels that spent but acquired nobody). */
  readonly extraValues?: Iterable<string>;
}

interface Accumulator {
  customers: number;
  newCustomers: number;
  netRevenue: number;
  totalClv: number;
  clvs: number[];
  allocatedSpend: number;
  monthlyMargin: number;
  repeaters: number;
  activePrevious: number;
  retained: number;
}

function emptyAccumulator(): Accumulator {
  return {
    customers: 0,
    newCustomers: 0,
    netRevenue: 0,
    totalClv: 0,
    clvs: [],
    allocatedSpend: 0,
    monthlyMargin: 0,
    repeaters: 0,
    activePrevious: 0,
    retained: 0,
  };
}

/** CLV:CAC health: ≥ 3 healthy (the 3:1 rule of thumb), ≥ 1 watch, < 1 losing; null without a ratio. */
export function healthLabel(clvToCac: number | null): HealthLabel | null {
  if (clvToCac === null) return null;
  if (clvToCac >= 3) return 'healthy';
  return clvToCac >= 1 ? 'watch' : 'losing';
}

/** Months of gross margin needed to earn back the CAC (Farris et al. 2010, ch. 5); null if never. */
export function paybackMonths(cac: number | null, meanMonthlyMargin: number): number | null {
  return cac === null || meanMonthlyMargin <= 0 ? null : cac / meanMonthlyMargin;
}

function finalise(
  dimension: string,
  value: string,
  acc: Accumulator,
  spend: number,
  months: number,
): SegmentMetrics {
  const meanClv = acc.customers > 0 ? acc.totalClv / acc.customers : 0;
  const cac = spend > 0 ? ratioOrNull(spend, acc.newCustomers) : null;
  const clvToCac = cac === null ? null : meanClv / cac;
  const meanMonthlyMargin = acc.customers > 0 ? acc.monthlyMargin / acc.customers : 0;
  const { retention, churn } = annualisedRetention(acc.activePrevious, acc.retained, months);
  return {
    dimension,
    value,
    customers: acc.customers,
    newCustomers: acc.newCustomers,
    netRevenue: acc.netRevenue,
    meanClv,
    medianClv: median(acc.clvs),
    totalClv: acc.totalClv,
    marketingSpend: spend,
    cac,
    clvToCac,
    health: healthLabel(clvToCac),
    paybackMonths: paybackMonths(cac, meanMonthlyMargin),
    repeatRate: acc.customers > 0 ? acc.repeaters / acc.customers : 0,
    retention,
    churn,
  };
}

/** Metrics of every value of one dimension, sorted by value. */
export function segmentMetrics(dimension: SegmentDimension, context: SegmentContext): SegmentMetrics[] {
  const groups = new Map<string, Accumulator>();
  for (const value of dimension.extraValues ?? []) groups.set(value, emptyAccumulator());
  const { customers } = context;
  for (let i = 0; i < customers.length; i++) {
    const customer = customers[i] as CustomerMetrics;
    const value = dimension.valueOf(customer);
    let acc = groups.get(value);
    if (acc === undefined) {
      acc = emptyAccumulator();
      groups.set(value, acc);
    }
    acc.customers += 1;
    acc.newCustomers += context.isNew[i] ?? 0;
    acc.netRevenue += customer.netRevenue;
    acc.totalClv += customer.historicClv;
    acc.clvs.push(customer.historicClv);
    acc.allocatedSpend += customer.cac ?? 0;
    acc.monthlyMargin += context.monthlyMargin[i] ?? 0;
    if (customer.frequency >= 1) acc.repeaters += 1;
    if (context.activeInPreviousWindow[i] === 1) {
      acc.activePrevious += 1;
      if (context.activeInLastWindow[i] === 1) acc.retained += 1;
    }
  }
  const values = [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return values.map((value) => {
    const acc = groups.get(value) ?? emptyAccumulator();
    const spend = dimension.recordedSpend ? dimension.recordedSpend(value) : acc.allocatedSpend;
    return finalise(dimension.name, value, acc, spend, context.windowMonths);
  });
}
