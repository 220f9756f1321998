/**
 * The run-wide facts every customer's metrics depend on: churn and lifespan, the business purchase
 * rate, the RFM cut-offs and CAC per (channel, cohort month). Computed once from all of a run's
 * customers, so that customers can then be scored in any grouping (one piece, or shard by shard) and
 * get the same metrics. Plain JSON, so a sharded run can hand it from the fit step to every shard.
 */
import { cacByPair, memoisedPairKey, spendIndex } from './cac.js';
import { businessChurn } from './churn.js';
import { memoisedDayNumber, memoisedMonthKey } from './dates.js';
import { InvalidSettingsError } from './errors.js';
import { businessPurchaseRate, exposureYears } from './historic-clv.js';
import { type RfmCutoffs, rfmCutoffs } from './rfm.js';
import type { ChurnWindow, CustomerSummary, ModelSettings, SpendByChannelMonth } from './types.js';

export interface RunContext {
  readonly window: ChurnWindow;
  /** Annualised churn of the whole business, floored at 1 / maxLifespanYears. */
  readonly annualChurn: number;
  /** 1 / annualChurn: the lifespan every customer's historic CLV uses. */
  readonly expectedLifespanYears: number;
  /** λ = Σ orders ÷ Σ exposure years over all customers: what each purchase rate is shrunk toward. */
  readonly businessPurchaseRate: number;
  /** The order statistics of R, F and M over all customers that set every customer's scores. */
  readonly rfmCutoffs: RfmCutoffs;
  /** The run's spend rows as given (segments and CAC are derived from them). */
  readonly spend: readonly SpendByChannelMonth[];
  /** pairKey(channel, cohort month) → spend of the pair ÷ customers acquired in it; absent without spend. */
  readonly cacByPair: Readonly<Record<string, number>>;
}

/** Throws InvalidSettingsError for settings that would produce NaN or meaningless metrics. */
export function assertSettings(settings: ModelSettings): void {
  const problems: string[] = [];
  if (!Number.isFinite(settings.marginRate)) problems.push('marginRate must be a finite number');
  if (!(settings.maxLifespanYears > 0 && Number.isFinite(settings.maxLifespanYears))) {
    problems.push('maxLifespanYears must be a finite number > 0');
  }
  const line = settings.predictive.atRiskBelow;
  if (!(line > 0 && line <= 1)) problems.push('predictive.atRiskBelow must be in (0, 1]');
  if (!(settings.frequencyPriorYears >= 0 && Number.isFinite(settings.frequencyPriorYears))) {
    problems.push('frequencyPriorYears must be a finite number ≥ 0');
  }
  if (problems.length > 0) throw new InvalidSettingsError(problems.join('; '));
}

/**
 * The run-wide facts of ALL of a run's customers. Sums are plain `+=` in input order: both the one-piece
 * and the sharded paths pass every summary sorted by customer id, so they add in the same order.
 */
export function runContext(
  summaries: readonly CustomerSummary[],
  spend: readonly SpendByChannelMonth[],
  window: ChurnWindow,
  settings: ModelSettings,
): RunContext {
  assertSettings(settings);
  const n = summaries.length;
  const dayOf = memoisedDayNumber();
  const monthOf = memoisedMonthKey();
  const pairKeyOf = memoisedPairKey();
  const asOfDay = dayOf(window.asOf);
  const daysSinceLast = new Float64Array(n);
  const orders = new Float64Array(n);
  const netRevenue = new Float64Array(n);
  const customersByPair = new Map<string, number>();
  let activePrevious = 0;
  let retained = 0;
  let totalOrders = 0;
  let totalExposure = 0;
  for (let i = 0; i < n; i++) {
    const s = summaries[i] as CustomerSummary;
    if (s.activeInPreviousWindow) {
      activePrevious += 1;
      if (s.activeInLastWindow) retained += 1;
    }
    daysSinceLast[i] = asOfDay - dayOf(s.lastOrderDate);
    orders[i] = s.orders;
    netRevenue[i] = s.netRevenue;
    const key = pairKeyOf(s.acquisitionChannel, monthOf(s.acquiredAt));
    customersByPair.set(key, (customersByPair.get(key) ?? 0) + 1);
    totalOrders += s.orders;
    totalExposure += exposureYears(asOfDay - dayOf(s.firstOrderDate));
  }
  const churn = businessChurn(activePrevious, retained, window.months, settings.maxLifespanYears);
  return {
    window,
    annualChurn: churn.annualChurn,
    expectedLifespanYears: churn.expectedLifespanYears,
    businessPurchaseRate: businessPurchaseRate(totalOrders, totalExposure),
    rfmCutoffs: rfmCutoffs(daysSinceLast, orders, netRevenue),
    spend,
    cacByPair: Object.fromEntries(cacByPair(spendIndex(spend), customersByPair)),
  };
}
