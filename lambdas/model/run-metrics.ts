/**
 * The model's entry point for a run in one piece: run context → customer metrics → segment partials →
 * medians → segment metrics. A sharded run calls the same steps shard by shard (run-context.ts,
 * customer-metrics.ts, segment-partials.ts, segments.ts) and gets the same result, bit for bit.
 */
import { customerMetrics } from './customer-metrics.js';
import { InvalidSettingsError } from './errors.js';
import { runContext } from './run-context.js';
import { segmentDimensions } from './segment-dimensions.js';
import { type ActivityFlags, segmentPartials } from './segment-partials.js';
import { finaliseSegments, segmentMedians } from './segments.js';
import type {
  ChurnWindow,
  CustomerPrediction,
  CustomerSummary,
  ModelSettings,
  RunMetrics,
  SpendByChannelMonth,
} from './types.js';

export { ALL, BUILT_IN_DIMENSIONS, UNKNOWN } from './segment-dimensions.js';

/** Window activity of each summary as the 0/1 flags segmentPartials counts. */
export function activityFlags(summaries: readonly CustomerSummary[]): ActivityFlags {
  const activeInPreviousWindow = new Uint8Array(summaries.length);
  const activeInLastWindow = new Uint8Array(summaries.length);
  summaries.forEach((s, i) => {
    activeInPreviousWindow[i] = s.activeInPreviousWindow ? 1 : 0;
    activeInLastWindow[i] = s.activeInLastWindow ? 1 : 0;
  });
  return { activeInPreviousWindow, activeInLastWindow };
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
  const context = runContext(summaries, spend, window, settings);
  const n = summaries.length;
  if (predictions !== null && predictions.length !== n) {
    throw new InvalidSettingsError(`${predictions.length} predictions for ${n} customers`);
  }
  const computed = customerMetrics(summaries, context, settings, predictions);
  const partials = segmentPartials(computed, activityFlags(summaries), context, settings);
  const medians = segmentMedians(computed.customers, segmentDimensions(context, settings));
  const { segments, business } = finaliseSegments(partials, medians, context, settings);
  return {
    churnWindow: window,
    annualChurn: context.annualChurn,
    expectedLifespanYears: context.expectedLifespanYears,
    customers: computed.customers,
    segments,
    business,
  };
}
