/** Deterministic customers and segment metrics for the publish tests (no model involved). */
import { NO_PREDICTION } from '../../lambdas/model/customer-metrics.js';
import type { CustomerMetrics, RfmSegment, SegmentMetrics } from '../../lambdas/model/types.js';
import { dimensionValue } from '../../lambdas/publish/items.js';
import type { RunRecord } from '../../lambdas/publish/types.js';

/** mulberry32: a tiny seeded PRNG so fixtures are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHANNELS = ['ads', 'email', 'organic'];
const COUNTRIES = ['DE', 'FR', 'NL'];
const RFM: RfmSegment[] = ['champions', 'loyal', 'at_risk', 'hibernating'];

/** `n` customers with CLVs in [−50, 950) in cents (some ties, some negatives). */
export function customers(n: number, seed = 1): CustomerMetrics[] {
  const random = prng(seed);
  return Array.from({ length: n }, (_, i): CustomerMetrics => {
    const clv = Math.round((random() * 1000 - 50) * (i % 10 === 0 ? 1 : 100)) / 100;
    return {
      customerId: `c${String(i).padStart(5, '0')}`,
      firstOrderDate: '2025-01-01',
      lastOrderDate: '2026-01-01',
      orders: 1 + (i % 5),
      frequency: i % 5,
      recencyDays: 365,
      ageDays: 400,
      daysSinceLastOrder: 35,
      netRevenue: clv * 2,
      averageOrderValue: 20,
      marginRate: 0.3,
      grossMargin: clv,
      purchasesPerYear: 1.5,
      expectedLifespanYears: 3,
      historicClv: clv,
      acquisitionChannel: CHANNELS[i % 3] as string,
      cohortMonth: `2025-0${1 + (i % 4)}`,
      cac: i % 7 === 0 ? null : 12.5,
      clvToCac: i % 7 === 0 ? null : clv / 12.5,
      rfm: { r: 1 + (i % 5), f: 2, m: 3, segment: RFM[i % 4] as RfmSegment },
      attributes: i % 11 === 0 ? {} : { country: COUNTRIES[i % 3] as string, plan: 'pro' },
      // Every fifth customer without predictions (a degraded run), the rest with some.
      ...(i % 5 === 4 ? NO_PREDICTION : predicted(clv, i)),
    };
  });
}

function predicted(clv: number, i: number) {
  return {
    probabilityAlive: (i % 10) / 10,
    expectedPurchases30: 0.1,
    expectedPurchases90: 0.3,
    expectedPurchases365: 1.2,
    expectedAverageOrderValue: 21.5,
    predictedClvRevenue: clv * 3,
    predictedClv: clv * 0.9,
    predictedClvToCac: i % 7 === 0 ? null : (clv * 0.9) / 12.5,
  };
}

/** Segment metrics per dimension, counting customers as the store derives their values. */
export function segmentsOf(
  list: readonly CustomerMetrics[],
  dimensions: readonly string[],
): Record<string, SegmentMetrics[]> {
  const out: Record<string, SegmentMetrics[]> = {};
  for (const dimension of dimensions) {
    const counts = new Map<string, number>();
    for (const c of list) {
      const v = dimensionValue(c, dimension);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    out[dimension] = [...counts].map(([value, n]) => segment(dimension, value, n));
  }
  return out;
}

/** One segment's metrics with placeholder money figures. */
export function segment(dimension: string, value: string, customersInSegment: number): SegmentMetrics {
  return {
    dimension,
    value,
    customers: customersInSegment,
    newCustomers: customersInSegment,
    netRevenue: 100,
    meanClv: 10,
    medianClv: 9,
    totalClv: 10 * customersInSegment,
    marketingSpend: 50,
    cac: 5,
    clvToCac: 2,
    health: 'healthy',
    paybackMonths: null,
    repeatRate: 0.5,
    retention: null,
    churn: 0.2,
    meanPredictedClv: 12,
    totalPredictedClv: 12 * customersInSegment,
    atRiskShare: 0.25,
    predictedClvToCac: 2.4,
  };
}

/** A run record in status `publishing`. */
export function runRecord(
  runId: string,
  exportDate: string,
  dimensions: Record<string, number> = {},
): RunRecord {
  return {
    runId,
    exportDate,
    asOf: exportDate,
    status: 'publishing',
    startedAt: `${exportDate}T02:00:00.000Z`,
    finishedAt: null,
    durationMs: null,
    stageDurationsMs: {},
    inputs: [],
    counts: {
      orders: { files: 1, rowsRead: 10, rowsAccepted: 10, rowsRejected: 0 },
      customers: { files: 0, rowsRead: 0, rowsAccepted: 0, rowsRejected: 0 },
      marketing_spend: { files: 0, rowsRead: 0, rowsAccepted: 0, rowsRejected: 0 },
    },
    rejects: { total: 0, share: 0, threshold: 0.05, byReason: {}, examples: {}, sample: [], objectKey: null },
    customers: 0,
    dimensions,
    business: null,
    churnWindow: null,
    annualChurn: null,
    expectedLifespanYears: null,
    settings: {},
    failure: null,
    degraded: null,
    faults: { retries: 0, byKind: {} },
    predictive: null,
  };
}
