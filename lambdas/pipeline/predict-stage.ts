/**
 * The predictive stage of the nightly job: customer histories from the summaries, the backtest's
 * calibration cut from DuckDB, then the pure models (model/predictive.ts). It never fails the run: a fit
 * that cannot be made leaves the predicted fields null and the run is published as degraded.
 */
import type { ExportIngest } from '../ingest/duckdb-ingest.js';
import { holdoutDays } from '../model/backtest.js';
import { addDays, daysBetween } from '../model/dates.js';
import { customerHistories } from '../model/histories.js';
import { type CalibrationInput, predictCustomers } from '../model/predictive.js';
import type { CustomerPrediction, CustomerSummary } from '../model/types.js';
import type { PredictiveJobSettings } from '../platform/config.js';
import type { PredictiveReport, RunHoldout } from '../publish/types.js';

export interface PredictStageResult {
  /** Parallel to the summaries; null when the stage is disabled or failed. */
  readonly predictions: readonly CustomerPrediction[] | null;
  readonly report: PredictiveReport;
}

interface Calibration {
  readonly input: CalibrationInput | null;
  readonly holdout: RunHoldout | null;
}

/** The backtest's split: a configured or default holdout, capped so the calibration period is not empty. */
async function calibration(
  ingest: Pick<ExportIngest, 'calibrationHistories'>,
  firstOrderDate: string,
  asOf: string,
  configuredDays: number | undefined,
): Promise<Calibration> {
  const historyDays = daysBetween(firstOrderDate, asOf);
  const days =
    configuredDays === undefined ? holdoutDays(historyDays) : Math.min(configuredDays, historyDays - 1);
  if (days < 1) return { input: null, holdout: null };
  const calibrationEnd = addDays(asOf, -days);
  const cut = await ingest.calibrationHistories(calibrationEnd, asOf);
  const holdout = { days, calibrationEnd, customers: cut.x.length };
  return { input: cut.x.length > 0 ? { ...cut, holdoutDays: days } : null, holdout };
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
  let holdout: RunHoldout | null = null;
  try {
    const cut = await calibration(ingest, range.first, range.asOf, settings.holdoutDays);
    holdout = cut.holdout;
    const histories = customerHistories(summaries, range.asOf);
    const { customers, holdoutDays: _, ...result } = predictCustomers(histories, cut.input, settings, now);
    const report: PredictiveReport = {
      status: 'fitted',
      holdout,
      durationMs: Math.round(now() - t0),
      horizonMonths: settings.horizonMonths,
      annualDiscountRate: settings.annualDiscountRate,
      atRiskBelow: settings.atRiskBelow,
      ...result,
    };
    return { predictions: customers, report };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      predictions: null,
      report: { status: 'failed', reason, holdout, durationMs: Math.round(now() - t0) },
    };
  }
}
