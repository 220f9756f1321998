import { describe, expect, it } from 'vitest';
import { customerMetrics } from '../../lambdas/model/customer-metrics.js';
import { ExactSumError } from '../../lambdas/model/exact-sum.js';
import { runContext } from '../../lambdas/model/run-context.js';
import { activityFlags, runMetrics } from '../../lambdas/model/run-metrics.js';
import {
  customerSegmentValues,
  type SegmentSizes,
  segmentDimensions,
  segmentSizes,
} from '../../lambdas/model/segment-dimensions.js';
import { mergeRunPartials, type RunPartials, segmentPartials } from '../../lambdas/model/segment-partials.js';
import type { CustomerMetrics, CustomerSummary } from '../../lambdas/model/types.js';
import { fixtureSettings, fixtureSpend, fixtureSummaries, fixtureWindow } from './fixture.js';
import { RUN_SETTINGS, RUN_WINDOW, randomRun, randomShards } from './random-run.js';
import { sfc32 } from './simulation-random.js';

const run = randomRun(2000, 7);
const context = runContext(run.summaries, run.spend, RUN_WINDOW, RUN_SETTINGS);
const dimensions = segmentDimensions(context, RUN_SETTINGS);

type SizeRow = [dimension: string, value: string, customers: number];

const byKey = (a: SizeRow, b: SizeRow): number => (`${a[0]}\u0000${a[1]}` < `${b[0]}\u0000${b[1]}` ? -1 : 1);

/** Members per (dimension, value), counted one scored customer at a time, as sorted rows. */
function countMembers(customers: readonly CustomerMetrics[]): SizeRow[] {
  const counts = new Map<string, SizeRow>();
  for (const customer of customers) {
    for (const [dimension, value] of Object.entries(customerSegmentValues(customer, dimensions))) {
      const key = `${dimension}\u0000${value}`;
      const row = counts.get(key) ?? [dimension, value, 0];
      row[2] += 1;
      counts.set(key, row);
    }
  }
  return [...counts.values()].sort(byKey);
}

/** Sizes as sorted rows. */
function rows(sizes: SegmentSizes): SizeRow[] {
  return Object.entries(sizes)
    .flatMap(([dimension, byValue]) =>
      Object.entries(byValue).map(([value, count]): SizeRow => [dimension, value, count]),
    )
    .sort(byKey);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('segmentSizes', () => {
  it('counts the members of every segment without scoring anyone, as counting scored customers does', () => {
    // Prepare: the whole run, and 8 shards sized on their own.
    const shards = randomShards(run.summaries.length, 8, sfc32(3)).map((positions) =>
      positions.map((i) => run.summaries[i] as CustomerSummary),
    );
    // Act
    const sizes = segmentSizes(run.summaries, context, RUN_SETTINGS);
    const scored = customerMetrics(run.summaries, context, RUN_SETTINGS).customers;
    // Assess: equal to the count over CustomerMetrics, shard by shard as well as whole.
    expect(rows(sizes)).toEqual(countMembers(scored));
    for (const shard of shards) {
      const shardScored = customerMetrics(shard, context, RUN_SETTINGS).customers;
      expect(rows(segmentSizes(shard, context, RUN_SETTINGS))).toEqual(countMembers(shardScored));
    }
    expect(sizes._all).toEqual({ _all: 2000 });
    expect(Object.keys(sizes)).toEqual([
      'acquisition_channel',
      'cohort_month',
      'rfm_segment',
      'country',
      'plan',
      '_all',
    ]);
    const perDimension = Object.values(sizes).map((byValue) =>
      Object.values(byValue).reduce((a, b) => a + b, 0),
    );
    expect(perDimension).toEqual([2000, 2000, 2000, 2000, 2000, 2000]);
  });

  it('agrees with the customers of the published segments', () => {
    // Act
    const sizes = segmentSizes(run.summaries, context, RUN_SETTINGS);
    const metrics = runMetrics(run.summaries, run.spend, RUN_WINDOW, RUN_SETTINGS);
    // Assess: every published segment with customers has exactly the counted members.
    for (const [dimension, segments] of Object.entries(metrics.segments)) {
      for (const segment of segments.filter((s) => s.customers > 0)) {
        expect(sizes[dimension]?.[segment.value], `${dimension}=${segment.value}`).toBe(segment.customers);
      }
    }
  });
});

describe('mergeRunPartials', () => {
  const scored = customerMetrics(run.summaries, context, RUN_SETTINGS);
  const flags = activityFlags(run.summaries);
  const half = (from: number, to: number) => ({
    customers: scored.customers.slice(from, to),
    monthlyMargin: scored.monthlyMargin.slice(from, to),
    businessPurchaseRate: scored.businessPurchaseRate,
  });
  const flagsOf = (from: number, to: number) => ({
    activeInPreviousWindow: flags.activeInPreviousWindow.slice(from, to),
    activeInLastWindow: flags.activeInLastWindow.slice(from, to),
  });

  it('does not change its arguments and gives the same sums either way round', () => {
    // Prepare: the two halves' partials, frozen to the bone.
    const a = deepFreeze(segmentPartials(half(0, 900), flagsOf(0, 900), context, RUN_SETTINGS));
    const b = deepFreeze(segmentPartials(half(900, 2000), flagsOf(900, 2000), context, RUN_SETTINGS));
    const before = JSON.stringify([a, b]);
    const whole = segmentPartials(scored, flags, context, RUN_SETTINGS);
    // Act
    const ab = mergeRunPartials(a, b);
    const ba = mergeRunPartials(b, a);
    // Assess: counts equal the whole run's; merging with nothing keeps everything.
    expect(JSON.stringify([a, b])).toBe(before);
    const counts = (p: RunPartials) =>
      Object.entries(p).flatMap(([d, byValue]) =>
        Object.entries(byValue).map(([v, s]) => `${d}=${v}:${s.customers}/${s.newCustomers}/${s.retained}`),
      );
    expect(counts(ab).sort()).toEqual(counts(whole).sort());
    expect(counts(ba).sort()).toEqual(counts(whole).sort());
    expect(mergeRunPartials(a, {})).toEqual(a);
  });

  it('names the customer position and field of a number it cannot sum', () => {
    // Prepare: the fixture's second customer with an infinite CLV (ids stay out of errors).
    const fixtureContext = runContext(fixtureSummaries, fixtureSpend, fixtureWindow, fixtureSettings);
    const result = customerMetrics(fixtureSummaries, fixtureContext, fixtureSettings);
    const broken = {
      ...result,
      customers: result.customers.map((c, i) =>
        i === 1 ? { ...c, historicClv: Number.POSITIVE_INFINITY } : c,
      ),
    };
    // Act / Assess
    expect(() =>
      segmentPartials(broken, activityFlags(fixtureSummaries), fixtureContext, fixtureSettings),
    ).toThrow(new ExactSumError('segment sums: customer 1 (input order) has historicClv = Infinity'));
  });
});
