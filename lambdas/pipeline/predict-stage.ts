/**
 * The predictive stage of the nightly job: customer histories from the summaries, the backtest's
 * calibration cut from DuckDB, then the pure models (model/predictive.ts). It never fails the run: a fit
 * that cannot be made leaves the predicted fields null and the run is published as degraded.
 */

import type { CalibrationHistories } from '../ingest/customer-summary-sql.js';
import type { ExportIngest } from '../ingest/duckdb-ingest.js';
import { holdoutDays } from '../model/backtest.js';
import { addDays, daysBetween } from '../model/dates.js';
import { customerHistories } from '../model/histories.js';
import {
  type CalibrationInput,
  fitPredictive,
  type PredictiveFit,
  predictWithFit,
} from '../model/predictive.js';
import type { CustomerPrediction, CustomerSummary } from '../model/types.js';
import type { PredictiveJobSettings } from '../platform/config.js';
import type { PredictiveReport, RunHoldout } from '../publish/types.js';

export interface PredictStageResult {
  /** Parallel to the summaries; null when the stage is disabled or failed. */
  readonly predictions: readonly CustomerPrediction[] | null;
  readonly report: PredictiveReport;
}

export interface Calibration {
  readonly input: CalibrationInput | null;
  readonly holdout: RunHoldout | null;
}

/**
 * The backtest's split: a configured or default holdout, capped so the calibration period is not empty;
 * null when the history is too short for one.
 */
export function calibrationSplit(
  firstOrderDate: string,
  asOf: string,
  configuredDays: number | undefined,
): { readonly days: number; readonly calibrationEnd: string } | null {
  const historyDays = daysBetween(firstOrderDate, asOf);
  const days =
    configuredDays === undefined ? holdoutDays(historyDays) : Math.min(configuredDays, historyDays - 1);
  return days < 1 ? null : { days, calibrationEnd: addDays(asOf, -days) };
}

async function calibration(
  ingest: Pick<ExportIngest, 'calibrationHistories'>,
  firstOrderDate: string,
  asOf: string,
  configuredDays: number | undefined,
): Promise<Calibration> {
  const split = calibrationSplit(firstOrderDate, asOf, configuredDays);
  if (split === null) return calibrationOf(null, null);
  return calibrationOf(split, await ingest.calibrationHistories(split.calibrationEnd, asOf));
}

/** The run's predictive fit (null when disabled or failed) and what the run record says about it. */
export interface FitOutcome {
  readonly fit: PredictiveFit | null;
  readonly report: PredictiveReport;
}

/**
 * Fits the predictive models once on every customer (`summaries`, in customer id order) and backtests
 * them on the calibration cut; never throws: a fit that cannot be made is a `failed` report.
 */
export function fitModels(
  summaries: readonly CustomerSummary[],
  cut: Calibration,
  asOf: string,
  settings: PredictiveJobSettings,
  now: () => number,
): FitOutcome {
  if (!settings.enabled) return { fit: null, report: { status: 'disabled' } };
  const t0 = now();
  try {
    const fit = fitPredictive(customerHistories(summaries, asOf), cut.input, settings, now);
    const { holdoutDays: _, purchaseParams: __, spendParams: ___, ...result } = fit;
    const report: PredictiveReport = {
      status: 'fitted',
      holdout: cut.holdout,
      durationMs: Math.round(now() - t0),
      horizonMonths: settings.horizonMonths,
      annualDiscountRate: settings.annualDiscountRate,
      atRiskBelow: settings.atRiskBelow,
      ...result,
    };
    return { fit, report };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      fit: null,
      report: { status: 'failed', reason, holdout: cut.holdout, durationMs: Math.round(now() - t0) },
    };
  }
}

/** The calibration cut of a run from its histories cut at the split (null: history too short). */
export function calibrationOf(
  split: { readonly days: number; readonly calibrationEnd: string } | null,
  cut: CalibrationHistories | null,
): Calibration {
  if (split === null || cut === null) return { input: null, holdout: null };
  const holdout = { days: split.days, calibrationEnd: split.calibrationEnd, customers: cut.x.length };
  return { input: cut.x.length > 0 ? { ...cut, holdoutDays: split.days } : null, holdout };
}

/** Runs the predictive models for the run's customers; `now` is a millisecond clock for the fit times. */
export async function predictStage(
  ingest: Pick<ExportIngest, 'calibrationHistories'>,
  summaries: readonly CustomerSummary[],
  range: { readonly first: string; readonly asOf: string },
  settings: PredictiveJobSettings,
  now: () => number,
): Promise<PredictStageResult> {
  if (!settings.enabled) return { predictions: null, report: { status: 'disabled' } };
  const t0 = now();
  let cut: Calibration = { input: null, holdout: null };
  try {
    cut = await calibration(ingest, range.first, range.asOf, settings.holdoutDays);
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      predictions: null,
      report: { status: 'failed', reason, holdout: null, durationMs: Math.round(now() - t0) },
    };
  }
  const { fit, report } = fitModels(summaries, cut, range.asOf, settings, now);
  if (fit === null) return { predictions: null, report };
  try {
    const predictions = predictWithFit(fit, customerHistories(summaries, range.asOf), settings);
    return { predictions, report: { ...report, durationMs: Math.round(now() - t0) } as PredictiveReport };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      predictions: null,
      report: { status: 'failed', reason, holdout: cut.holdout, durationMs: Math.round(now() - t0) },
    };
  }
}
