/**
 * Predictive CLV for one run: fits BG/NBD and Pareto/NBD to every customer's history, keeps the one
 * with the better backtest (or the configured one), fits Gamma-Gamma to repeat spend, and predicts per
 * customer P(alive), expected purchases and discounted CLV the way lifetimes does. Pure: the caller
 * passes histories in days, the calibration cut for the backtest, and the settings.
 */
import { type BacktestReport, backtestReport } from './backtest.js';
import * as bg from './bg-nbd.js';
import { collapseHistories } from './btyd-summary.js';
import {
  type BgNbdParams,
  type FitReport,
  type GammaGammaParams,
  ModelFitError,
  type ParetoNbdParams,
  type RfmData,
} from './btyd-types.js';
import { type ClvHorizon, discountedPurchasesByCustomer, monthlyDiscountRate } from './discounted-clv.js';
import { ModelError } from './errors.js';
import { conditionalExpectedAverageSpend, fitGammaGamma, spendFrequencyCorrelation } from './gamma-gamma.js';
import * as pareto from './pareto-nbd.js';
import type {
  CalibrationInput,
  CustomerHistories,
  ModelOutcome,
  ModelReport,
  PredictiveResult,
  PredictiveSettings,
  PurchaseModel,
} from './predictive-types.js';
import type { CustomerPrediction } from './types.js';

export type { CustomerPrediction } from './types.js';

/** |correlation| of repeat frequency and spend above which the Gamma-Gamma independence looks violated. */
export const INDEPENDENCE_WARNING_ABOVE = 0.3;

export type {
  CalibrationInput,
  CustomerHistories,
  FailedModel,
  ModelOutcome,
  ModelReport,
  PredictiveResult,
  PredictiveSettings,
  PurchaseModel,
} from './predictive-types.js';

const DAYS_PER_UNIT = { day: 1, week: 7 } as const;
/**
 * A month is 30 days, as lifetimes counts it for daily data (freq 'D'), so day-unit runs give its numbers.
 * Weeks use 30/7 rather than lifetimes' 4.345 (30.4 days) so that a run in weeks predicts exactly what
 * the same run in days does: results are identical up to the unit.
 */
const UNITS_PER_MONTH = { day: 30, week: 30 / 7 } as const;

interface Model<P> {
  readonly fit: (data: RfmData) => FitReport<P>;
  readonly expected: (params: P, t: number, x: number, tx: number, T: number) => number;
  readonly alive: (params: P, x: number, tx: number, T: number) => number;
  /** `expected` for every row at every horizon (one array per horizon), when the model has a faster way. */
  readonly expectedByHorizon?: (params: P, data: RfmData, horizons: readonly number[]) => Float64Array[];
}

const MODELS = {
  'bg-nbd': {
    fit: (data) => bg.fitBgNbd(data),
    expected: bg.conditionalExpectedPurchases,
    alive: bg.probabilityAlive,
    expectedByHorizon: bg.conditionalExpectedPurchasesByHorizon,
  } satisfies Model<BgNbdParams>,
  'pareto-nbd': {
    fit: (data) => pareto.fitParetoNbd(data),
    expected: pareto.conditionalExpectedPurchases,
    alive: pareto.probabilityAlive,
  } satisfies Model<ParetoNbdParams>,
} as const;

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function inUnits(data: RfmData, unit: 'day' | 'week'): RfmData {
  const k = DAYS_PER_UNIT[unit];
  if (k === 1) return data;
  const scale = (v: ArrayLike<number>) => {
    const out = new Float64Array(v.length);
    for (let i = 0; i < out.length; i++) out[i] = (v[i] as number) / k;
    return out;
  };
  return { x: data.x, tx: scale(data.tx), T: scale(data.T), ...(data.weight ? { weight: data.weight } : {}) };
}

/** f(x, t_x, T) of every history in `data`, in order. */
function perHistory(data: RfmData, f: (x: number, tx: number, T: number) => number): Float64Array {
  const out = new Float64Array(data.x.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = f(data.x[i] as number, data.tx[i] as number, data.T[i] as number);
  }
  return out;
}

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

/**
 * Fits the models and predicts every customer. A purchase model that fails is recorded as failed; the
 * call throws ModelFitError only when the chosen model or Gamma-Gamma cannot be fitted (the run
 * degrades: historic metrics still publish). `now` (ms) times the fits for the run record.
 */
export function predictCustomers(
  histories: CustomerHistories,
  calibration: CalibrationInput | null,
  settings: PredictiveSettings,
  now: () => number = () => 0,
): PredictiveResult {
  const unit = settings.timeUnit;
  const grouped = groupHistories(histories, unit);
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
    spendRows.monetary[i] = (data.x[i] as number) > 0 ? (histories.monetary[i] as number) : 0;
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

  const customers = predictFromFits(
    chosen,
    chosenFit.params,
    gammaGamma.params,
    grouped,
    histories.monetary,
    settings,
  );
  assertFinitePredictions(customers);

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
    customers,
  };
}

/** Histories in the model's unit, their distinct (x, t_x, T) with weights, and each row's distinct history. */
export interface GroupedHistories {
  readonly data: RfmData;
  readonly unique: RfmData;
  readonly indexOf: ArrayLike<number>;
}

/** Scales histories in days to `unit` and groups identical ones (every fit and prediction runs on those). */
export function groupHistories(histories: RfmData, unit: 'day' | 'week'): GroupedHistories {
  const data = inUnits(histories, unit);
  return { data, ...collapseHistories(data) };
}

/**
 * Every customer's predictions from fitted parameters: the purchase model once per distinct history,
 * then Gamma-Gamma per customer. `monetary` is the mean repeat spend in input order; a customer without
 * positive repeat spend gets the population mean pγ/(q − 1).
 */
export function predictFromFits(
  chosen: PurchaseModel,
  params: BgNbdParams | ParetoNbdParams,
  spend: GammaGammaParams,
  grouped: GroupedHistories,
  monetary: ArrayLike<number>,
  settings: Pick<PredictiveSettings, 'timeUnit' | 'horizonMonths' | 'annualDiscountRate'>,
): CustomerPrediction[] {
  const horizon = {
    months: settings.horizonMonths,
    unitsPerMonth: UNITS_PER_MONTH[settings.timeUnit],
    monthlyDiscountRate: monthlyDiscountRate(settings.annualDiscountRate),
  };
  const { data, unique, indexOf } = grouped;
  const perUnique = predictHistories(
    MODELS[chosen] as Model<unknown>,
    params,
    unique,
    settings.timeUnit,
    horizon,
  );
  const out = new Array<CustomerPrediction>(data.x.length);
  for (let i = 0; i < out.length; i++) {
    const u = indexOf[i] as number;
    const x = data.x[i] as number;
    const m = x > 0 ? (monetary[i] as number) : 0;
    // No positive repeat spend observed: the population mean (the Gamma-Gamma prior mean).
    const aov = conditionalExpectedAverageSpend(spend, m > 0 ? x : 0, m);
    out[i] = {
      probabilityAlive: perUnique.probabilityAlive[u] as number,
      expectedPurchases30: perUnique.expected30[u] as number,
      expectedPurchases90: perUnique.expected90[u] as number,
      expectedPurchases365: perUnique.expected365[u] as number,
      expectedAverageOrderValue: aov,
      predictedClvRevenue: (perUnique.discountedPurchases[u] as number) * aov,
    };
  }
  return out;
}

/** Per distinct history: P(alive), expected purchases at 30/90/365 days, discounted purchases over the horizon. */
function predictHistories<P>(
  model: Model<P>,
  params: P,
  unique: RfmData,
  unit: 'day' | 'week',
  horizon: ClvHorizon,
) {
  const perDay = 1 / DAYS_PER_UNIT[unit];
  // Horizons 30, 90, 365 days, then the month ends 0, f, 2f, …, M·f of the discounted sum.
  const months = Array.from({ length: horizon.months + 1 }, (_, k) => k * horizon.unitsPerMonth);
  const horizons = [30 * perDay, 90 * perDay, 365 * perDay, ...months];
  const byHorizon =
    model.expectedByHorizon?.(params, unique, horizons) ??
    horizons.map((t) => perHistory(unique, (x, tx, T) => model.expected(params, t, x, tx, T)));
  const probabilityAlive = perHistory(unique, (x, tx, T) => model.alive(params, x, tx, T));
  const discountedPurchases = discountedPurchasesByCustomer(byHorizon.slice(3), horizon);
  const [expected30, expected90, expected365] = byHorizon as [Float64Array, Float64Array, Float64Array];
  return { probabilityAlive, expected30, expected90, expected365, discountedPurchases };
}

/** No customer's prediction may be NaN or infinite: the run degrades instead of publishing one. */
function assertFinitePredictions(customers: readonly CustomerPrediction[]): void {
  const index = customers.findIndex(
    (c) =>
      !(
        Number.isFinite(c.probabilityAlive) &&
        Number.isFinite(c.expectedPurchases30) &&
        Number.isFinite(c.expectedPurchases90) &&
        Number.isFinite(c.expectedPurchases365) &&
        Number.isFinite(c.expectedAverageOrderValue) &&
        Number.isFinite(c.predictedClvRevenue)
      ),
  );
  if (index >= 0) {
    throw new ModelFitError(
      `customer ${index} (input order) has a non-finite prediction: ${JSON.stringify(customers[index])}`,
    );
  }
}
