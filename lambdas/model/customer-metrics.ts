/** Per-customer metrics: exposure, shrunk purchase rate, historic CLV, CAC and RFM, in linear passes. */
import { cacByPair, memoisedPairKey, type SpendIndex } from './cac.js';
import { memoisedDayNumber, memoisedMonthKey } from './dates.js';
import {
  averageOrderValue,
  businessPurchaseRate,
  customerMarginRate,
  exposureYears,
  historicClv,
  monthlyGrossMargin,
  shrunkPurchasesPerYear,
} from './historic-clv.js';
import { rfmScores, rfmSegment } from './rfm.js';
import type { CustomerMetrics, CustomerPrediction, CustomerSummary, ModelSettings } from './types.js';

/** Customer metrics plus the per-customer monthly gross margin (for segment payback). */
export interface CustomerMetricsResult {
  readonly customers: CustomerMetrics[];
  readonly monthlyMargin: Float64Array;
  /** Business purchase rate λ (orders per customer-year) the shrinkage pulls toward. */
  readonly businessPurchaseRate: number;
}

/** The predicted fields of a customer when the run has no predictions. */
export const NO_PREDICTION = {
  probabilityAlive: null,
  expectedPurchases30: null,
  expectedPurchases90: null,
  expectedPurchases365: null,
  expectedAverageOrderValue: null,
  predictedClvRevenue: null,
  predictedClv: null,
  predictedClvToCac: null,
} as const;

/** The predicted fields of one customer: revenue × margin rate is the margin CLV, compared with CAC. */
function predictedFields(prediction: CustomerPrediction | undefined, marginRate: number, cac: number | null) {
  if (!prediction) return NO_PREDICTION;
  const predictedClv = prediction.predictedClvRevenue * marginRate;
  return {
    ...prediction,
    predictedClv,
    predictedClvToCac: cac !== null && cac > 0 ? predictedClv / cac : null,
  };
}

/**
 * Computes CustomerMetrics for every summary, in input order. `predictions` (parallel to `summaries`)
 * come from the predictive models; null leaves the predicted fields null.
 */
export function customerMetrics(
  summaries: readonly CustomerSummary[],
  spend: SpendIndex,
  asOf: string,
  lifespanYears: number,
  settings: ModelSettings,
  predictions: readonly CustomerPrediction[] | null = null,
): CustomerMetricsResult {
  const n = summaries.length;
  const dayOf = memoisedDayNumber();
  const monthOf = memoisedMonthKey();
  const pairKeyOf = memoisedPairKey();
  const asOfDay = dayOf(asOf);
  const ageDays = new Float64Array(n);
  const daysSinceLast = new Float64Array(n);
  const orders = new Float64Array(n);
  const netRevenue = new Float64Array(n);
  const recencyDays = new Float64Array(n);
  const cohorts: string[] = new Array<string>(n);
  const pairKeys: string[] = new Array<string>(n);
  const customersByPair = new Map<string, number>();
  let totalOrders = 0;
  let totalExposure = 0;

  for (let i = 0; i < n; i++) {
    const s = summaries[i] as CustomerSummary;
    const first = dayOf(s.firstOrderDate);
    const last = dayOf(s.lastOrderDate);
    ageDays[i] = asOfDay - first;
    daysSinceLast[i] = asOfDay - last;
    recencyDays[i] = last - first;
    orders[i] = s.orders;
    netRevenue[i] = s.netRevenue;
    const cohort = monthOf(s.acquiredAt);
    cohorts[i] = cohort;
    const key = pairKeyOf(s.acquisitionChannel, cohort);
    pairKeys[i] = key;
    customersByPair.set(key, (customersByPair.get(key) ?? 0) + 1);
    totalOrders += s.orders;
    totalExposure += exposureYears(ageDays[i] ?? 0);
  }

  const rate = businessPurchaseRate(totalOrders, totalExposure);
  const cacOfPair = cacByPair(spend, customersByPair);
  const rfm = rfmScores(daysSinceLast, orders, netRevenue);
  const monthlyMargin = new Float64Array(n);
  const customers: CustomerMetrics[] = new Array<CustomerMetrics>(n);

  for (let i = 0; i < n; i++) {
    const s = summaries[i] as CustomerSummary;
    const age = ageDays[i] ?? 0;
    const cohort = cohorts[i] ?? '';
    const aov = averageOrderValue(s.netRevenue, s.orders);
    const perYear = shrunkPurchasesPerYear(s.orders, exposureYears(age), rate, settings.frequencyPriorYears);
    const marginRate = customerMarginRate(s.netRevenue, s.cost, settings.marginRate);
    const clv = historicClv(aov, perYear, lifespanYears, marginRate);
    const cac = cacOfPair.get(pairKeys[i] ?? '') ?? null;
    const r = rfm.r[i] ?? 1;
    const f = rfm.f[i] ?? 1;
    monthlyMargin[i] = monthlyGrossMargin(aov, perYear, marginRate);
    customers[i] = {
      customerId: s.customerId,
      firstOrderDate: s.firstOrderDate,
      lastOrderDate: s.lastOrderDate,
      orders: s.orders,
      frequency: Math.max(0, s.purchaseDays - 1),
      recencyDays: recencyDays[i] ?? 0,
      ageDays: age,
      daysSinceLastOrder: daysSinceLast[i] ?? 0,
      netRevenue: s.netRevenue,
      averageOrderValue: aov,
      marginRate,
      grossMargin: s.netRevenue * marginRate,
      purchasesPerYear: perYear,
      expectedLifespanYears: lifespanYears,
      historicClv: clv,
      acquisitionChannel: s.acquisitionChannel,
      cohortMonth: cohort,
      cac,
      clvToCac: cac !== null && cac > 0 ? clv / cac : null,
      rfm: { r, f, m: rfm.m[i] ?? 1, segment: rfmSegment(r, f) },
      attributes: s.attributes,
      ...predictedFields(predictions?.[i], marginRate, cac),
    };
  }
  return { customers, monthlyMargin, businessPurchaseRate: rate };
}
