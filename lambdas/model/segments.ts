/**
 * Segment metrics from merged segment partials (segment-partials.ts): means, CAC, CLV:CAC, payback,
 * retention and the predicted fields of every segment, plus the median CLVs of a run computed in one
 * piece (a sharded run finds its medians' middle values elsewhere and passes them in).
 */
import { spendIndex } from './cac.js';
import { annualisedRetention } from './churn.js';
import { ExactSum } from './exact-sum.js';
import type { RunContext } from './run-context.js';
import {
  ALL,
  emptyRecord,
  own,
  type SegmentDimension,
  type SegmentFacts,
  segmentDimensions,
} from './segment-dimensions.js';
import type { RunPartials, SegmentPartial } from './segment-partials.js';
import { medianInPlace, ratioOrNull } from './stats.js';
import type { HealthLabel, ModelSettings, SegmentMetrics } from './types.js';

/** The sum a partial's ExactSum field holds, correctly rounded. */
function sumOf(partial: readonly number[]): number {
  return ExactSum.fromJSON(partial).value();
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

/** The sums of a segment without customers (e.g. a channel that spent but acquired nobody). */
const EMPTY_PARTIAL: SegmentPartial = {
  customers: 0,
  newCustomers: 0,
  repeaters: 0,
  activePrevious: 0,
  retained: 0,
  predicted: 0,
  atRisk: 0,
  netRevenue: [],
  totalClv: [],
  allocatedSpend: [],
  monthlyMargin: [],
  totalPredictedClv: [],
};

/**
 * Null when the segment's customers have no prediction (the predictive stage did not run) and for a
 * segment without customers (a channel that spent but acquired nobody). Every customer has a prediction
 * when the stage ran, so the means are over all of the segment's customers.
 */
function predictedSegmentFields(partial: SegmentPartial, cac: number | null) {
  if (partial.predicted < partial.customers || partial.customers === 0) {
    return { meanPredictedClv: null, totalPredictedClv: null, atRiskShare: null, predictedClvToCac: null };
  }
  const totalPredictedClv = sumOf(partial.totalPredictedClv);
  const meanPredictedClv = totalPredictedClv / partial.customers;
  return {
    meanPredictedClv,
    totalPredictedClv,
    atRiskShare: partial.atRisk / partial.customers,
    predictedClvToCac: cac === null ? null : meanPredictedClv / cac,
  };
}

function segmentMetrics(
  dimension: string,
  value: string,
  partial: SegmentPartial,
  spend: number,
  medianClv: number,
  months: number,
): SegmentMetrics {
  const n = partial.customers;
  const totalClv = sumOf(partial.totalClv);
  const meanClv = n > 0 ? totalClv / n : 0;
  const cac = spend > 0 ? ratioOrNull(spend, partial.newCustomers) : null;
  const clvToCac = cac === null ? null : meanClv / cac;
  const meanMonthlyMargin = n > 0 ? sumOf(partial.monthlyMargin) / n : 0;
  const { retention, churn } = annualisedRetention(partial.activePrevious, partial.retained, months);
  return {
    dimension,
    value,
    customers: n,
    newCustomers: partial.newCustomers,
    netRevenue: sumOf(partial.netRevenue),
    meanClv,
    medianClv,
    totalClv,
    marketingSpend: spend,
    cac,
    clvToCac,
    health: healthLabel(clvToCac),
    paybackMonths: paybackMonths(cac, meanMonthlyMargin),
    repeatRate: n > 0 ? partial.repeaters / n : 0,
    retention,
    churn,
    ...predictedSegmentFields(partial, cac),
  };
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every segment's metrics from the run's merged partials. Channels and months with spend rows are
 * reported even without customers; `medians(dimension, value)` is the median historic CLV of a segment
 * with customers. `segments` holds every dimension but `_all`, each sorted by value; `business` is `_all`.
 */
export function finaliseSegments(
  partials: RunPartials,
  medians: (dimension: string, value: string) => number,
  context: RunContext,
  settings: ModelSettings,
): { segments: Record<string, SegmentMetrics[]>; business: SegmentMetrics } {
  const index = spendIndex(context.spend);
  const recorded = { channel: index.byChannel, month: index.byMonth } as const;
  const months = context.window.months;
  const segments = emptyRecord<SegmentMetrics[]>();
  let business: SegmentMetrics | undefined;
  for (const dimension of segmentDimensions(context, settings)) {
    const byValue = own(partials, dimension.name) ?? {};
    const values = new Set(Object.keys(byValue));
    if (dimension.spend === 'channel' || dimension.spend === 'month') {
      for (const value of recorded[dimension.spend].keys()) values.add(value);
    }
    if (dimension.name === ALL) values.add(ALL);
    const metrics = [...values].sort(byCodeUnits).map((value) => {
      const partial = own(byValue, value) ?? EMPTY_PARTIAL;
      const spend =
        dimension.spend === 'total'
          ? index.total
          : dimension.spend === 'allocated'
            ? sumOf(partial.allocatedSpend)
            : (recorded[dimension.spend].get(value) ?? 0);
      const median = partial.customers > 0 ? medians(dimension.name, value) : 0;
      return segmentMetrics(dimension.name, value, partial, spend, median, months);
    });
    if (dimension.name === ALL) business = metrics[0];
    else segments[dimension.name] = metrics;
  }
  return { segments, business: business as SegmentMetrics };
}

/**
 * Median historic CLV of every segment of customers held in memory (the run in one piece): per
 * dimension, CLVs are laid out segment by segment (a counting sort on the segment) and each segment's
 * median is selected in its slice, so no per-segment arrays are built or sorted.
 */
export function segmentMedians(
  customers: readonly (SegmentFacts & { readonly historicClv: number })[],
  dimensions: readonly SegmentDimension[],
): (dimension: string, value: string) => number {
  const medians = new Map<string, Map<string, number>>();
  for (const dimension of dimensions) {
    const idOf = new Map<string, number>();
    const groupOf = new Int32Array(customers.length);
    const sizes: number[] = [];
    customers.forEach((customer, i) => {
      const value = dimension.valueOf(customer);
      let id = idOf.get(value);
      if (id === undefined) {
        id = sizes.length;
        idOf.set(value, id);
        sizes.push(0);
      }
      groupOf[i] = id;
      sizes[id] = (sizes[id] as number) + 1;
    });
    const offsets = new Int32Array(sizes.length + 1);
    sizes.forEach((size, g) => {
      offsets[g + 1] = (offsets[g] as number) + size;
    });
    const next = offsets.slice(0, sizes.length);
    const clvs = new Float64Array(customers.length);
    customers.forEach((customer, i) => {
      const g = groupOf[i] as number;
      clvs[next[g] as number] = customer.historicClv;
      next[g] = (next[g] as number) + 1;
    });
    const byValue = new Map<string, number>();
    for (const [value, g] of idOf) {
      byValue.set(value, medianInPlace(clvs.subarray(offsets[g], offsets[g + 1])));
    }
    medians.set(dimension.name, byValue);
  }
  return (dimension, value) => medians.get(dimension)?.get(value) ?? 0;
}
