/** Segment metrics: one pass over the customers per dimension, accumulating into a map by value. */
import { annualisedRetention } from './churn.js';
import { medianInPlace, ratioOrNull } from './stats.js';
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
  /** P(alive) below this counts as at risk. */
  readonly atRiskBelow: number;
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
  readonly id: number;
  customers: number;
  newCustomers: number;
  netRevenue: number;
  totalClv: number;
  medianClv: number;
  allocatedSpend: number;
  monthlyMargin: number;
  repeaters: number;
  activePrevious: number;
  retained: number;
  /** Customers with a prediction, their Σ predicted CLV, and those at risk. */
  predicted: number;
  totalPredictedClv: number;
  atRisk: number;
}

function emptyAccumulator(id: number): Accumulator {
  return {
    id,
    customers: 0,
    newCustomers: 0,
    netRevenue: 0,
    totalClv: 0,
    medianClv: 0,
    allocatedSpend: 0,
    monthlyMargin: 0,
    repeaters: 0,
    activePrevious: 0,
    retained: 0,
    predicted: 0,
    totalPredictedClv: 0,
    atRisk: 0,
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
    medianClv: acc.medianClv,
    totalClv: acc.totalClv,
    marketingSpend: spend,
    cac,
    clvToCac,
    health: healthLabel(clvToCac),
    paybackMonths: paybackMonths(cac, meanMonthlyMargin),
    repeatRate: acc.customers > 0 ? acc.repeaters / acc.customers : 0,
    retention,
    churn,
    ...predictedSegmentFields(acc, cac),
  };
}

/**
 * Null when the segment's customers have no prediction (the predictive stage did not run) and for a
 * segment without customers (a channel that spent but acquired nobody). Every customer has a prediction
 * when the stage ran, so the means are over all of the segment's customers.
 */
function predictedSegmentFields(acc: Accumulator, cac: number | null) {
  if (acc.predicted < acc.customers || acc.customers === 0) {
    return { meanPredictedClv: null, totalPredictedClv: null, atRiskShare: null, predictedClvToCac: null };
  }
  const meanPredictedClv = acc.totalPredictedClv / acc.customers;
  return {
    meanPredictedClv,
    totalPredictedClv: acc.totalPredictedClv,
    atRiskShare: acc.atRisk / acc.customers,
    predictedClvToCac: cac === null ? null : meanPredictedClv / cac,
  };
}

/**
 * Sets each group's median CLV: CLVs are laid out group by group (a counting sort on the group id)
 * and each group's median is selected in its slice, so no per-group arrays are built or sorted.
 */
function setMedians(
  groups: readonly Accumulator[],
  groupOf: Int32Array,
  customers: readonly CustomerMetrics[],
): void {
  const offsets = new Int32Array(groups.length + 1);
  for (const acc of groups) offsets[acc.id + 1] = acc.customers;
  for (let g = 0; g < groups.length; g++) offsets[g + 1] = (offsets[g + 1] ?? 0) + (offsets[g] ?? 0);
  const next = offsets.slice(0, groups.length);
  const clvs = new Float64Array(customers.length);
  for (let i = 0; i < customers.length; i++) {
    const g = groupOf[i] ?? 0;
    const at = next[g] ?? 0;
    clvs[at] = (customers[i] as CustomerMetrics).historicClv;
    next[g] = at + 1;
  }
  for (const acc of groups) {
    acc.medianClv = medianInPlace(clvs.subarray(offsets[acc.id], offsets[acc.id + 1]));
  }
}

/** Metrics of every value of one dimension, sorted by value. */
export function segmentMetrics(dimension: SegmentDimension, context: SegmentContext): SegmentMetrics[] {
  const groups = new Map<string, Accumulator>();
  const add = (value: string): Accumulator => {
    const acc = emptyAccumulator(groups.size);
    groups.set(value, acc);
    return acc;
  };
  for (const value of dimension.extraValues ?? []) if (!groups.has(value)) add(value);
  const { customers } = context;
  const groupOf = new Int32Array(customers.length);
  for (let i = 0; i < customers.length; i++) {
    const customer = customers[i] as CustomerMetrics;
    const value = dimension.valueOf(customer);
    const acc = groups.get(value) ?? add(value);
    groupOf[i] = acc.id;
    acc.customers += 1;
    acc.newCustomers += context.isNew[i] ?? 0;
    acc.netRevenue += customer.netRevenue;
    acc.totalClv += customer.historicClv;
    acc.allocatedSpend += customer.cac ?? 0;
    acc.monthlyMargin += context.monthlyMargin[i] ?? 0;
    if (customer.frequency >= 1) acc.repeaters += 1;
    if (customer.predictedClv !== null && customer.probabilityAlive !== null) {
      acc.predicted += 1;
      acc.totalPredictedClv += customer.predictedClv;
      if (customer.probabilityAlive < context.atRiskBelow) acc.atRisk += 1;
    }
    if (context.activeInPreviousWindow[i] === 1) {
      acc.activePrevious += 1;
      if (context.activeInLastWindow[i] === 1) acc.retained += 1;
    }
  }
  setMedians([...groups.values()], groupOf, customers);
  const values = [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return values.map((value) => {
    const acc = groups.get(value) ?? emptyAccumulator(-1);
    const spend = dimension.recordedSpend ? dimension.recordedSpend(value) : acc.allocatedSpend;
    return finalise(dimension.name, value, acc, spend, context.windowMonths);
  });
}
