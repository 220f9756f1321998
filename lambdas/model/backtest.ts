/**
 * The published backtest: split the history at as-of minus a holdout window, fit on the calibration
 * part, predict the holdout, compare with what happened. Model-agnostic: it takes predictions. The
 * conditional-expectation table by calibration frequency (0..6, 7+) is the holdout validation of Fader,
 * Hardie & Lee 2005 ("Counting your customers the easy way", Marketing Science, §4).
 */
import { InvalidSettingsError, ModelError } from './errors.js';

/** Thrown when backtest rows or the history length cannot be measured (negative, not finite). */
export class BacktestInputError extends ModelError {
  override readonly name = 'BacktestInputError';
}

/** One customer (or `weight` customers sharing a history) of the holdout comparison. */
export interface BacktestRow {
  /** Repeat purchases x in the calibration period. */
  readonly calibrationFrequency: number;
  /** Predicted purchases in the holdout. */
  readonly predicted: number;
  /** Actual purchases in the holdout. */
  readonly actual: number;
  /** Customers sharing the row; 1 when absent. */
  readonly weight?: number;
}

/** Mean predicted and actual holdout purchases of the customers with one calibration frequency. */
export interface FrequencyBucket {
  /** '0'..'6', or '7+'. */
  readonly frequency: string;
  readonly customers: number;
  readonly meanPredicted: number;
  readonly meanActual: number;
}

export interface BacktestReport {
  readonly customers: number;
  readonly predictedPurchases: number;
  readonly actualPurchases: number;
  readonly meanAbsoluteError: number;
  /** Weighted Pearson correlation of actual and predicted; null if either side has zero variance. */
  readonly correlation: number | null;
  /** Buckets in order '0'..'6', '7+'; buckets without customers are left out. */
  readonly byFrequency: readonly FrequencyBucket[];
}

/** Calibration frequencies 0..6 get their own bucket; 7 and more share the last. */
const OPEN_BUCKET = 7;

function assertRow(row: BacktestRow, index: number): void {
  const w = row.weight ?? 1;
  if (!(row.calibrationFrequency >= 0 && Number.isFinite(row.calibrationFrequency))) {
    throw new BacktestInputError(`row ${index}: calibrationFrequency must be a finite number ≥ 0`);
  }
  if (!(Number.isFinite(row.predicted) && Number.isFinite(row.actual))) {
    throw new BacktestInputError(`row ${index}: predicted and actual must be finite numbers`);
  }
  if (!(w >= 0 && Number.isFinite(w))) throw new BacktestInputError(`row ${index}: weight must be ≥ 0`);
}

/**
 * Weighted Pearson correlation, two-pass. Null when there is no weight or either side is constant:
 * constancy is tested on the values themselves, because a weighted mean of equal values can miss them
 * by an ulp and leave a spurious non-zero variance.
 */
function weightedCorrelation(rows: readonly BacktestRow[], totalWeight: number): number | null {
  const counted = rows.filter((row) => (row.weight ?? 1) > 0);
  const constant = (values: number[]): boolean => values.every((v) => v === values[0]);
  if (
    totalWeight <= 0 ||
    constant(counted.map((r) => r.predicted)) ||
    constant(counted.map((r) => r.actual))
  ) {
    return null;
  }
  let meanP = 0;
  let meanA = 0;
  for (const row of counted) {
    const w = row.weight ?? 1;
    meanP += w * row.predicted;
    meanA += w * row.actual;
  }
  meanP /= totalWeight;
  meanA /= totalWeight;
  let spp = 0;
  let saa = 0;
  let spa = 0;
  for (const row of counted) {
    const w = row.weight ?? 1;
    const dp = row.predicted - meanP;
    const da = row.actual - meanA;
    spp += w * dp * dp;
    saa += w * da * da;
    spa += w * dp * da;
  }
  return spa / Math.sqrt(spp * saa);
}

/**
 * Totals, mean absolute error per customer, the correlation of actual and predicted, and the
 * conditional-expectation table (mean actual vs predicted holdout purchases by calibration frequency
 * 0..6, 7+; frequencies are floored). Empty input gives zeros, a null correlation and no buckets.
 * Throws `BacktestInputError` for a negative or non-finite value.
 */
export function backtestReport(rows: readonly BacktestRow[]): BacktestReport {
  rows.forEach(assertRow);
  let customers = 0;
  let predictedPurchases = 0;
  let actualPurchases = 0;
  let absoluteError = 0;
  const buckets = Array.from({ length: OPEN_BUCKET + 1 }, () => ({ customers: 0, predicted: 0, actual: 0 }));
  for (const row of rows) {
    const w = row.weight ?? 1;
    customers += w;
    predictedPurchases += w * row.predicted;
    actualPurchases += w * row.actual;
    absoluteError += w * Math.abs(row.predicted - row.actual);
    const bucket = buckets[Math.min(OPEN_BUCKET, Math.floor(row.calibrationFrequency))];
    if (bucket) {
      bucket.customers += w;
      bucket.predicted += w * row.predicted;
      bucket.actual += w * row.actual;
    }
  }
  const byFrequency: FrequencyBucket[] = [];
  buckets.forEach((bucket, k) => {
    if (bucket.customers <= 0) return;
    byFrequency.push({
      frequency: k === OPEN_BUCKET ? `${OPEN_BUCKET}+` : String(k),
      customers: bucket.customers,
      meanPredicted: bucket.predicted / bucket.customers,
      meanActual: bucket.actual / bucket.customers,
    });
  });
  return {
    customers,
    predictedPurchases,
    actualPurchases,
    meanAbsoluteError: customers > 0 ? absoluteError / customers : 0,
    correlation: weightedCorrelation(rows, customers),
    byFrequency,
  };
}

/**
 * Holdout length in days: max(minDays, round(historyDays × share)), and never more than historyDays − 1
 * so the calibration period is not empty (0 when the history is under two days: no backtest is
 * possible). historyDays = as-of − first order date. @default share 0.25, minDays 56 (eight weeks)
 */
export function holdoutDays(
  historyDays: number,
  options: { readonly share?: number; readonly minDays?: number } = {},
): number {
  const share = options.share ?? 0.25;
  const minDays = options.minDays ?? 56;
  if (!(share > 0 && share < 1))
    throw new InvalidSettingsError(`holdout share must be in (0, 1), got ${share}`);
  if (!(Number.isInteger(minDays) && minDays >= 0)) {
    throw new InvalidSettingsError(`holdout minDays must be a whole number ≥ 0, got ${minDays}`);
  }
  if (!(historyDays >= 0 && Number.isFinite(historyDays))) {
    throw new BacktestInputError(`historyDays must be a finite number ≥ 0, got ${historyDays}`);
  }
  const days = Math.floor(historyDays);
  return Math.max(0, Math.min(days - 1, Math.max(minDays, Math.round(days * share))));
}
