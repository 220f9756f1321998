/** The model's entry point: churn, customer metrics and segment metrics for one run. */
import { spendIndex } from './cac.js';
import { businessChurn } from './churn.js';
import { customerMetrics } from './customer-metrics.js';
import { InvalidSettingsError } from './errors.js';
import { type SegmentContext, type SegmentDimension, segmentMetrics } from './segments.js';
import type {
  ChurnWindow,
  CustomerMetrics,
  CustomerPrediction,
  CustomerSummary,
  ModelSettings,
  RunMetrics,
  SegmentMetrics,
  SpendByChannelMonth,
} from './types.js';

/** Dimension and value of the whole-business segment. */
export const ALL = '_all';
/** Value of a configured dimension for customers without that attribute. */
export const UNKNOWN = 'unknown';
/** Dimensions every run reports, before the configured ones. */
export const BUILT_IN_DIMENSIONS = ['acquisition_channel', 'cohort_month', 'rfm_segment'] as const;

function assertSettings(settings: ModelSettings): void {
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

function attributeValue(customer: CustomerMetrics, name: string): string {
  const value = customer.attributes[name]?.trim();
  return value ? value : UNKNOWN;
}

/**
 * Computes every metric of one run; asOf is `window.asOf`. Linear in customers apart from sorts.
 * `predictions` (parallel to `summaries`, from predictive.ts) fill the predicted fields; null leaves them null.
 */
export function runMetrics(
  summaries: readonly CustomerSummary[],
  spend: readonly SpendByChannelMonth[],
  window: ChurnWindow,
  settings: ModelSettings,
  predictions: readonly CustomerPrediction[] | null = null,
): RunMetrics {
  assertSettings(settings);
  const n = summaries.length;
  if (predictions !== null && predictions.length !== n) {
    throw new InvalidSettingsError(`${predictions.length} predictions for ${n} customers`);
  }
  const activeInPreviousWindow = new Uint8Array(n);
  const activeInLastWindow = new Uint8Array(n);
  let activePrevious = 0;
  let retained = 0;
  for (let i = 0; i < n; i++) {
    const s = summaries[i] as CustomerSummary;
    activeInPreviousWindow[i] = s.activeInPreviousWindow ? 1 : 0;
    activeInLastWindow[i] = s.activeInLastWindow ? 1 : 0;
    if (s.activeInPreviousWindow) {
      activePrevious += 1;
      if (s.activeInLastWindow) retained += 1;
    }
  }
  const churn = businessChurn(activePrevious, retained, window.months, settings.maxLifespanYears);
  const index = spendIndex(spend);
  const computed = customerMetrics(
    summaries,
    index,
    window.asOf,
    churn.expectedLifespanYears,
    settings,
    predictions,
  );

  const isNew = new Uint8Array(n);
  computed.customers.forEach((customer, i) => {
    isNew[i] = index.byMonth.has(customer.cohortMonth) ? 1 : 0;
  });
  const context: SegmentContext = {
    customers: computed.customers,
    isNew,
    activeInPreviousWindow,
    activeInLastWindow,
    monthlyMargin: computed.monthlyMargin,
    windowMonths: window.months,
    atRiskBelow: settings.predictive.atRiskBelow,
  };

  const dimensions: SegmentDimension[] = [
    {
      name: 'acquisition_channel',
      valueOf: (c) => c.acquisitionChannel,
      recordedSpend: (value) => index.byChannel.get(value) ?? 0,
      extraValues: index.byChannel.keys(),
    },
    {
      name: 'cohort_month',
      valueOf: (c) => c.cohortMonth,
      recordedSpend: (value) => index.byMonth.get(value) ?? 0,
      extraValues: index.byMonth.keys(),
    },
    { name: 'rfm_segment', valueOf: (c) => c.rfm.segment },
  ];
  const taken = new Set<string>([ALL, ...BUILT_IN_DIMENSIONS]);
  for (const name of settings.segmentDimensions) {
    // A configured name equal to a built-in dimension (or repeated) would overwrite it: skip it.
    if (taken.has(name)) continue;
    taken.add(name);
    dimensions.push({ name, valueOf: (c) => attributeValue(c, name) });
  }

  const segments: Record<string, readonly SegmentMetrics[]> = {};
  for (const dimension of dimensions) segments[dimension.name] = segmentMetrics(dimension, context);
  const [business] = segmentMetrics(
    { name: ALL, valueOf: () => ALL, recordedSpend: () => index.total, extraValues: [ALL] },
    context,
  );

  return {
    churnWindow: window,
    annualChurn: churn.annualChurn,
    expectedLifespanYears: churn.expectedLifespanYears,
    customers: computed.customers,
    segments,
    business: business as SegmentMetrics,
  };
}
