/** Per-customer metrics: exposure, shrunk purchase rate, historic CLV, CAC and RFM, in one linear pass. */
import { memoisedPairKey } from './cac.js';
import { memoisedDayNumber, memoisedMonthKey } from './dates.js';
import {
  averageOrderValue,
  customerMarginRate,
  exposureYears,
  historicClv,
  monthlyGrossMargin,
  shrunkPurchasesPerYear,
} from './historic-clv.js';
import { rfmOfCustomer } from './rfm.js';
import type { RunContext } from './run-context.js';
import type { CustomerMetrics, CustomerPrediction, CustomerSummary, ModelSettings } from './types.js';

/** Customer metrics plus the per-customer monthly gross margin (for segment payback). */
export interface CustomerMetricsResult {
  readonly customers: CustomerMetrics[];
  readonly monthlyMargin: Float64Array;
  /** Business purchase rate λ (orders per customer-year) the shrinkage pulls toward (the context's). */
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
 * Computes CustomerMetrics for every summary, in input order, from the run-wide `context` only: a
 * customer gets the same metrics whichever other customers are in the call (one shard or the whole run).
 * `predictions` (parallel to `summaries`) come from the predictive models; null leaves the predicted
 * fields null.
 */
export function customerMetrics(
  summaries: readonly CustomerSummary[],
  context: RunContext,
  settings: ModelSettings,
  predictions: readonly CustomerPrediction[] | null = null,
): CustomerMetricsResult {
  const n = summaries.length;
  const dayOf = memoisedDayNumber();
  const monthOf = memoisedMonthKey();
  const pairKeyOf = memoisedPairKey();
  const cacOfPair = new Map(Object.entries(context.cacByPair));
  const asOfDay = dayOf(context.window.asOf);
  const rate = context.businessPurchaseRate;
  const lifespanYears = context.expectedLifespanYears;
  const monthlyMargin = new Float64Array(n);
  const customers: CustomerMetrics[] = new Array<CustomerMetrics>(n);

  for (let i = 0; i < n; i++) {
    const s = summaries[i] as CustomerSummary;
    const first = dayOf(s.firstOrderDate);
    const last = dayOf(s.lastOrderDate);
    const age = asOfDay - first;
    const daysSinceLast = asOfDay - last;
    const cohort = monthOf(s.acquiredAt);
    const aov = averageOrderValue(s.netRevenue, s.orders);
    const perYear = shrunkPurchasesPerYear(s.orders, exposureYears(age), rate, settings.frequencyPriorYears);
    const marginRate = customerMarginRate(s.netRevenue, s.cost, settings.marginRate);
    const clv = historicClv(aov, perYear, lifespanYears, marginRate);
    const cac = cacOfPair.get(pairKeyOf(s.acquisitionChannel, cohort)) ?? null;
    monthlyMargin[i] = monthlyGrossMargin(aov, perYear, marginRate);
    customers[i] = {
      customerId: s.customerId,
      firstOrderDate: s.firstOrderDate,
      lastOrderDate: s.lastOrderDate,
      orders: s.orders,
      frequency: Math.max(0, s.purchaseDays - 1),
      recencyDays: last - first,
      ageDays: age,
      daysSinceLastOrder: daysSinceLast,
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
      rfm: rfmOfCustomer(context.rfmCutoffs, daysSinceLast, s.orders, s.netRevenue),
      attributes: s.attributes,
      ...predictedFields(predictions?.[i], marginRate, cac),
    };
  }
  return { customers, monthlyMargin, businessPurchaseRate: rate };
}
