/**
 * A run computed shard by shard, as the sharded pipeline does it (context from all summaries once,
 * customer metrics and segment partials per shard, partials through JSON and merged in random order,
 * medians found by sorting each segment's CLVs), is identical bit for bit to runMetrics on the whole.
 */
import { describe, expect, it } from 'vitest';
import { customerMetrics } from '../../lambdas/model/customer-metrics.js';
import { customerHistories } from '../../lambdas/model/histories.js';
import { fitPredictive, predictCustomers, predictWithFit } from '../../lambdas/model/predictive.js';
import { type RunContext, runContext } from '../../lambdas/model/run-context.js';
import { activityFlags, runMetrics } from '../../lambdas/model/run-metrics.js';
import {
  customerSegmentValues,
  type SegmentDimension,
  segmentDimensions,
} from '../../lambdas/model/segment-dimensions.js';
import { mergeRunPartials, type RunPartials, segmentPartials } from '../../lambdas/model/segment-partials.js';
import { finaliseSegments } from '../../lambdas/model/segments.js';
import { medianOfMiddles } from '../../lambdas/model/stats.js';
import type {
  CustomerMetrics,
  CustomerPrediction,
  CustomerSummary,
  RunMetrics,
} from '../../lambdas/model/types.js';
import { exactSum } from './exact-rational.js';
import { differences } from './identical.js';
import { RUN_SETTINGS, RUN_WINDOW, randomRun, randomShards, shuffled } from './random-run.js';
import { sfc32 } from './simulation-random.js';

const PREDICTIVE = {
  model: 'auto',
  timeUnit: 'week',
  horizonMonths: 12,
  annualDiscountRate: 0.1,
  atRiskBelow: 0.5,
} as const;

const run = randomRun(3000, 20261125);
const asOf = RUN_WINDOW.asOf;
const fit = fitPredictive(customerHistories(run.summaries, asOf), null, PREDICTIVE);
const wholePredictions = predictCustomers(customerHistories(run.summaries, asOf), null, PREDICTIVE).customers;

/** How the shards get their predictions, and the same predictions for the whole run. */
interface PredictionCase {
  readonly name: string;
  readonly whole: readonly CustomerPrediction[] | null;
  /** Country segments (of 6) that report predicted fields: all of them only when everyone has a prediction. */
  readonly predictedCountries: number;
  readonly ofShard: (
    summaries: readonly CustomerSummary[],
    positions: readonly number[],
  ) => CustomerPrediction[] | null;
}

/** Every 7th customer without a prediction: segments with such a customer report no predicted fields. */
const someMissing = wholePredictions.map((p, i) => (i % 7 === 3 ? undefined : p)) as CustomerPrediction[];

const CASES: readonly PredictionCase[] = [
  {
    name: 'predictions from the fit, per shard',
    whole: wholePredictions,
    predictedCountries: 6,
    ofShard: (summaries) =>
      predictWithFit(JSON.parse(JSON.stringify(fit)), customerHistories(summaries, asOf), PREDICTIVE),
  },
  { name: 'no predictions', whole: null, predictedCountries: 0, ofShard: () => null },
  {
    name: 'some customers without a prediction',
    whole: someMissing,
    predictedCountries: 0,
    ofShard: (_, positions) => positions.map((i) => someMissing[i]) as CustomerPrediction[],
  },
];

/** Median CLV per (dimension, value) by sorting each segment's CLVs: the pipeline's independent way. */
function sortedMedians(customers: readonly CustomerMetrics[], dimensions: readonly SegmentDimension[]) {
  const clvs = new Map<string, number[]>();
  for (const customer of customers) {
    for (const [dimension, value] of Object.entries(customerSegmentValues(customer, dimensions))) {
      const key = `${dimension}\u0000${value}`;
      clvs.set(key, [...(clvs.get(key) ?? []), customer.historicClv]);
    }
  }
  return (dimension: string, value: string): number => {
    const sorted = Float64Array.from(clvs.get(`${dimension}\u0000${value}`) ?? []).sort();
    const n = sorted.length;
    return medianOfMiddles(n, sorted[(n - 1) >> 1] ?? 0, sorted[n >> 1] ?? 0);
  };
}

/** Merges partials two at a time, picking the pairs at random (so both order and grouping vary). */
function mergeAtRandom(partials: readonly RunPartials[], uniform: () => number): RunPartials {
  const pending = shuffled(partials, uniform);
  while (pending.length > 1) {
    const [a] = pending.splice(Math.floor(uniform() * pending.length), 1) as [RunPartials];
    const [b] = pending.splice(Math.floor(uniform() * pending.length), 1) as [RunPartials];
    pending.push(mergeRunPartials(a, b));
  }
  return pending[0] as RunPartials;
}

function shardedRun(k: number, predictions: PredictionCase, seed: number): RunMetrics {
  const uniform = sfc32(seed);
  // The context travels as JSON from the fit step to every shard.
  const context = JSON.parse(
    JSON.stringify(runContext(run.summaries, run.spend, RUN_WINDOW, RUN_SETTINGS)),
  ) as RunContext;
  const shards = randomShards(run.summaries.length, k, uniform).map((positions) => {
    const summaries = positions.map((i) => run.summaries[i] as CustomerSummary);
    const result = customerMetrics(
      summaries,
      context,
      RUN_SETTINGS,
      predictions.ofShard(summaries, positions),
    );
    const partials = segmentPartials(result, activityFlags(summaries), context, RUN_SETTINGS);
    return { customers: result.customers, partials: JSON.parse(JSON.stringify(partials)) as RunPartials };
  });
  const customers = shards.flatMap((s) => s.customers);
  const medians = sortedMedians(customers, segmentDimensions(context, RUN_SETTINGS));
  const merged = mergeAtRandom(
    shards.map((s) => s.partials),
    uniform,
  );
  const { segments, business } = finaliseSegments(merged, medians, context, RUN_SETTINGS);
  return {
    churnWindow: context.window,
    annualChurn: context.annualChurn,
    expectedLifespanYears: context.expectedLifespanYears,
    customers: customers.sort((a, b) => (a.customerId < b.customerId ? -1 : 1)),
    segments,
    business,
  };
}

describe.each(CASES)('a run in shards, $name', (predictions) => {
  const whole = runMetrics(run.summaries, run.spend, RUN_WINDOW, RUN_SETTINGS, predictions.whole);

  it.each([2, 3, 8])('is identical to the run in one piece with %i shards', (k) => {
    // Act
    const sharded = shardedRun(k, predictions, 1000 + k);
    // Assess: every number, customers and segments, Object.is equal.
    const counter = { numbers: 0 };
    expect(differences(sharded, whole, counter)).toEqual([]);
    expect(counter.numbers).toBeGreaterThan(3000 * 15);
  });

  it('covers what the shards must agree on: channels and months without customers, odd attribute values', () => {
    // Assess: the test data reaches the cases that could break the merge.
    const values = (dimension: string) => whole.segments[dimension]?.map((s) => s.value) ?? [];
    expect(values('acquisition_channel')).toEqual(expect.arrayContaining(['tv', 'constructor']));
    expect(values('cohort_month')).toEqual(expect.arrayContaining(['2019-01', '2024-01']));
    expect(values('country')).toEqual(['DE', 'FR', 'US', '__proto__', 'hasOwnProperty', 'unknown']);
    for (const silent of ['tv', 'constructor']) {
      const channel = whole.segments.acquisition_channel?.find((s) => s.value === silent);
      expect(channel?.customers).toBe(0);
      expect(channel?.marketingSpend).toBeGreaterThan(0);
    }
    const predicted = whole.segments.country?.filter((s) => s.meanPredictedClv !== null).length;
    expect(predicted).toBe(predictions.predictedCountries);
  });
});

describe('the sums of a run, against an independent exact sum', () => {
  const whole = runMetrics(run.summaries, run.spend, RUN_WINDOW, RUN_SETTINGS, wholePredictions);

  it('gives the business revenue and every country’s CLV total as correctly rounded exact sums', () => {
    // Assess: BigInt sums of the inputs (exact-rational.ts), rounded once.
    expect(whole.business.netRevenue).toBe(exactSum(run.summaries.map((s) => s.netRevenue)));
    expect(whole.business.customers).toBe(3000);
    for (const segment of whole.segments.country ?? []) {
      const members = whole.customers.filter(
        (c) => (c.attributes.country?.trim() || 'unknown') === segment.value,
      );
      expect(segment.customers).toBe(members.length);
      expect(segment.totalClv).toBe(exactSum(members.map((c) => c.historicClv)));
      expect(segment.totalPredictedClv).toBe(exactSum(members.map((c) => c.predictedClv ?? Number.NaN)));
    }
  });
});
