/**
 * Predictive CLV for one run: fits BG/NBD and Pareto/NBD to every customer's history, keeps the one
 * with the better backtest (or the configured one), fits Gamma-Gamma to repeat spend, and predicts per
 * customer P(alive), expected purchases and discounted CLV the way lifetimes does. Pure: the caller
 * passes histories in days, the calibration cut for the backtest, and the settings. The fit
 * (fitPredictive) and the predictions (predictWithFit, predict-with-fit.ts) are separate steps, so a
 * sharded run fits once on every customer and predicts shard by shard.
 */
import { type BacktestReport, backtestReport } from './backtest.js';
import { collapseHistories } from './btyd-summary.js';
import { type FitReport, ModelFitError, type RfmData } from './btyd-types.js';
import { ModelError } from './errors.js';
import { fitGammaGamma, spendFrequencyCorrelation } from './gamma-gamma.js';
import { predictGrouped } from './predict-with-fit.js';
import type {
  CalibrationInput,
  CustomerHistories,
  ModelOutcome,
  ModelReport,
  PredictiveFit,
  PredictiveResult,
  PredictiveSettings,
  PurchaseModel,
} from './predictive-types.js';
import {
  DAYS_PER_UNIT,
  type GroupedHistories,
  groupHistories,
  inUnits,
  MODELS,
  type Model,
  perHistory,
} from './purchase-models.js';

export { predictFromFits, predictWithFit } from './predict-with-fit.js';
export type {
  CalibrationInput,
  CustomerHistories,
  FailedModel,
  ModelOutcome,
  ModelReport,
  PredictiveFit,
  PredictiveResult,
  PredictiveSettings,
  PurchaseModel,
} from './predictive-types.js';
export { type GroupedHistories, groupHistories } from './purchase-models.js';
export type { CustomerPrediction } from './types.js';

/** |correlation| of repeat frequency and spend above which the Gamma-Gamma independence looks violated. */
export const INDEPENDENCE_WARNING_ABOVE = 0.3;

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Fits on the calibration histories and scores the holdout predictions. */
function backtest<P>(model: Model<P>, calibration: CalibrationInput, unit: 'day' | 'week'): BacktestReport {
  const data = inUnits(calibration, unit);
  const { unique, indexOf } = collapseHistories(data);
  const fit = model.fit(unique);
  const horizon = calibration.holdoutDays / DAYS_PER_UNIT[unit];
  const perUnique = perHistory(unique, (x, tx, T) => model.expected(fit.params, horizon, x, tx, T));
  return backtestReport(
    Array.from({ length: data.x.length }, (_, i) => ({
      calibrationFrequency: data.x[i] as number,
      predicted: perUnique[indexOf[i] as number] as number,
      actual: calibration.holdoutPurchases[i] as number,
    })),
  );
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Fits one purchase model on the whole base (timed) and backtests it; a failure is reported, not thrown. */
function fitAndBacktest<P>(
  name: PurchaseModel,
  model: Model<P>,
  unique: RfmData,
  calibration: CalibrationInput | null,
  unit: 'day' | 'week',
  now: () => number,
  warnings: string[],
): ModelOutcome<P> {
  const t0 = now();
  let fit: FitReport<P>;
  try {
    fit = model.fit(unique);
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    return { status: 'failed', reason: `${name}: ${messageOf(error)}`, fitMs: now() - t0 };
  }
  const fitMs = now() - t0;
  let report: BacktestReport | null = null;
  if (calibration) {
    try {
      report = backtest(model, calibration, unit);
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      warnings.push(`${name} backtest not available: ${messageOf(error)}`);
    }
  }
  return { status: 'fitted', ...fit, fitMs, backtest: report };
}

/** `auto`: the lower backtest MAE, else the higher log-likelihood; a fixed model is kept as configured. */
function chooseModel(
  setting: PredictiveSettings['model'],
  fits: { readonly [M in PurchaseModel]: ModelOutcome<unknown> },
): PurchaseModel {
  if (setting !== 'auto') return setting;
  const [bgFit, paretoFit] = [fits['bg-nbd'], fits['pareto-nbd']];
  if (paretoFit.status === 'failed') return 'bg-nbd';
  if (bgFit.status === 'failed') return 'pareto-nbd';
  const bothBacktested = bgFit.backtest !== null && paretoFit.backtest !== null;
  const score = (fit: ModelReport<unknown>) =>
    bothBacktested ? (fit.backtest?.meanAbsoluteError ?? 0) : -fit.logLikelihood;
  return score(paretoFit) < score(bgFit) ? 'pareto-nbd' : 'bg-nbd';
}

/** fitPredictive on histories already grouped in the settings' unit. */
function fitGrouped(
  grouped: GroupedHistories,
  monetary: ArrayLike<number>,
  calibration: CalibrationInput | null,
  settings: PredictiveSettings,
  now: () => number,
): PredictiveFit {
  const unit = settings.timeUnit;
  const { data, unique } = grouped;
  const warnings: string[] = [];
  const fits = {
    'bg-nbd': fitAndBacktest('bg-nbd', MODELS['bg-nbd'], unique, calibration, unit, now, warnings),
    'pareto-nbd': fitAndBacktest(
      'pareto-nbd',
      MODELS['pareto-nbd'],
      unique,
      calibration,
      unit,
      now,
      warnings,
    ),
  };
  const chosen = chooseModel(settings.model, fits);
  const chosenFit = fits[chosen];
  if (chosenFit.status === 'failed') throw new ModelFitError(chosenFit.reason);
  const other = fits[chosen === 'bg-nbd' ? 'pareto-nbd' : 'bg-nbd'];
  if (other.status === 'failed') warnings.push(`not compared: ${other.reason}`);

  const n = data.x.length;
  const spendRows = { x: new Float64Array(n), monetary: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    spendRows.x[i] = data.x[i] as number;
    spendRows.monetary[i] = (data.x[i] as number) > 0 ? (monetary[i] as number) : 0;
  }
  const t0 = now();
  const gammaGamma = fitGammaGamma(spendRows);
  const gammaGammaMs = now() - t0;
  const spendCustomers = spendRows.x.reduce(
    (c, x, i) => c + (x > 0 && (spendRows.monetary[i] as number) > 0 ? 1 : 0),
    0,
  );
  const correlation = finiteOrNull(spendFrequencyCorrelation(spendRows));
  if (correlation !== null && Math.abs(correlation) > INDEPENDENCE_WARNING_ABOVE) {
    warnings.push(
      `Gamma-Gamma assumes spend does not depend on purchase frequency, but their correlation is ` +
        `${correlation.toFixed(3)} (|r| > ${INDEPENDENCE_WARNING_ABOVE}): expected order values may be biased`,
    );
  }

  return {
    model: chosen,
    timeUnit: unit,
    models: { bgNbd: fits['bg-nbd'], paretoNbd: fits['pareto-nbd'] },
    gammaGamma: {
      ...gammaGamma,
      fitMs: gammaGammaMs,
      customers: spendCustomers,
      spendFrequencyCorrelation: correlation,
    },
    holdoutDays: calibration?.holdoutDays ?? null,
    uniqueHistories: unique.x.length,
    warnings,
    purchaseParams: chosenFit.params,
    spendParams: gammaGamma.params,
  };
}

/**
 * Fits the models on every customer's history (and backtests them on `calibration`). A purchase model
 * that fails is recorded as failed; the call throws ModelFitError only when the chosen model or
 * Gamma-Gamma cannot be fitted (the run degrades: historic metrics still publish). `now` (ms) times the
 * fits for the run record.
 */
export function fitPredictive(
  histories: CustomerHistories,
  calibration: CalibrationInput | null,
  settings: PredictiveSettings,
  now: () => number = () => 0,
): PredictiveFit {
  return fitGrouped(
    groupHistories(histories, settings.timeUnit),
    histories.monetary,
    calibration,
    settings,
    now,
  );
}

/** Fits the models (fitPredictive) and predicts every customer (predictWithFit), grouping histories once. */
export function predictCustomers(
  histories: CustomerHistories,
  calibration: CalibrationInput | null,
  settings: PredictiveSettings,
  now: () => number = () => 0,
): PredictiveResult {
  const grouped = groupHistories(histories, settings.timeUnit);
  const fit = fitGrouped(grouped, histories.monetary, calibration, settings, now);
  const customers = predictGrouped(fit, grouped, histories.monetary, settings);
  const { purchaseParams: _, spendParams: __, ...report } = fit;
  return { ...report, customers };
}
