/**
 * Predictive CLV for one run: fits BG/NBD and Pareto/NBD to every customer's history, keeps the one
 * with the better backtest (or the configured one), fits Gamma-Gamma to repeat spend, and predicts per
 * customer P(alive), expected purchases and discounted CLV the way lifetimes does. Pure: the caller
 * passes histories in days, the calibration cut for the backtest, and the settings.
 */
import { type BacktestReport, backtestReport } from './backtest.js';
import * as bg from './bg-nbd.js';
import { collapseHistories } from './btyd-summary.js';
import type { BgNbdParams, FitReport, GammaGammaParams, ParetoNbdParams, RfmData } from './btyd-types.js';
import { discountedClv, monthlyDiscountRate } from './discounted-clv.js';
import { conditionalExpectedAverageSpend, fitGammaGamma, spendFrequencyCorrelation } from './gamma-gamma.js';
import * as pareto from './pareto-nbd.js';

export type PurchaseModel = 'bg-nbd' | 'pareto-nbd';

export interface PredictiveSettings {
  /** `auto` keeps the model with the lower backtest mean absolute error. */
  readonly model: 'auto' | PurchaseModel;
  readonly timeUnit: 'day' | 'week';
  readonly horizonMonths: number;
  readonly annualDiscountRate: number;
  /** A customer is at risk when P(alive) is below this. */
  readonly atRiskBelow: number;
}

/** Histories in days, one row per customer (the summaries' order). */
export interface CustomerHistories extends RfmData {
  /** Mean net value of the repeat purchases; ignored where x = 0. */
  readonly monetary: ArrayLike<number>;
}

/** The backtest's inputs: histories cut `holdoutDays` before asOf and the purchases made after. */
export interface CalibrationInput extends RfmData {
  readonly holdoutPurchases: ArrayLike<number>;
  readonly holdoutDays: number;
}

export interface CustomerPrediction {
  readonly probabilityAlive: number;
  readonly expectedPurchases30: number;
  readonly expectedPurchases90: number;
  readonly expectedPurchases365: number;
  readonly expectedAverageOrderValue: number;
  /** Discounted expected revenue over the horizon. */
  readonly predictedClvRevenue: number;
}

export interface ModelReport<P> extends FitReport<P> {
  readonly backtest: BacktestReport | null;
}

export interface PredictiveResult {
  readonly model: PurchaseModel;
  readonly timeUnit: 'day' | 'week';
  readonly models: {
    readonly bgNbd: ModelReport<BgNbdParams>;
    readonly paretoNbd: ModelReport<ParetoNbdParams>;
  };
  readonly gammaGamma: FitReport<GammaGammaParams> & {
    readonly customers: number;
    /** Pearson correlation of repeat frequency and mean repeat spend (the model assumes none); null when undefined. */
    readonly spendFrequencyCorrelation: number | null;
  };
  readonly holdoutDays: number | null;
  readonly uniqueHistories: number;
  readonly customers: readonly CustomerPrediction[];
}

const DAYS_PER_UNIT = { day: 1, week: 7 } as const;
/** Time units per month as lifetimes counts them (30 days, 4.345 weeks), so its users get its numbers. */
const UNITS_PER_MONTH = { day: 30, week: 4.345 } as const;

interface Model<P> {
  readonly fit: (data: RfmData) => FitReport<P>;
  readonly expected: (params: P, t: number, x: number, tx: number, T: number) => number;
  readonly alive: (params: P, x: number, tx: number, T: number) => number;
}

const MODELS = {
  'bg-nbd': {
    fit: (data) => bg.fitBgNbd(data),
    expected: bg.conditionalExpectedPurchases,
    alive: bg.probabilityAlive,
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
  const scale = (v: ArrayLike<number>) => Float64Array.from(v, (d) => d / k);
  return { x: data.x, tx: scale(data.tx), T: scale(data.T), ...(data.weight ? { weight: data.weight } : {}) };
}

/** Fits on the calibration histories and scores the holdout predictions. */
function backtest<P>(model: Model<P>, calibration: CalibrationInput, unit: 'day' | 'week'): BacktestReport {
  const data = inUnits(calibration, unit);
  const { unique, indexOf } = collapseHistories(data);
  const fit = model.fit(unique);
  const horizon = calibration.holdoutDays / DAYS_PER_UNIT[unit];
  const perUnique = Array.from({ length: unique.x.length }, (_, u) =>
    model.expected(fit.params, horizon, unique.x[u] as number, unique.tx[u] as number, unique.T[u] as number),
  );
  return backtestReport(
    Array.from({ length: data.x.length }, (_, i) => ({
      calibrationFrequency: data.x[i] as number,
      predicted: perUnique[indexOf[i] as number] as number,
      actual: calibration.holdoutPurchases[i] as number,
    })),
  );
}

/** Fits the models and predicts every customer; throws ModelFitError when a fit fails (the run degrades). */
export function predictCustomers(
  histories: CustomerHistories,
  calibration: CalibrationInput | null,
  settings: PredictiveSettings,
): PredictiveResult {
  const unit = settings.timeUnit;
  const data = inUnits(histories, unit);
  const { unique, indexOf } = collapseHistories(data);

  const fits = {
    'bg-nbd': {
      ...MODELS['bg-nbd'].fit(unique),
      backtest: calibration ? backtest(MODELS['bg-nbd'], calibration, unit) : null,
    },
    'pareto-nbd': {
      ...MODELS['pareto-nbd'].fit(unique),
      backtest: calibration ? backtest(MODELS['pareto-nbd'], calibration, unit) : null,
    },
  };
  const score = (m: PurchaseModel) => fits[m].backtest?.meanAbsoluteError ?? -fits[m].logLikelihood; // no backtest: the better likelihood
  const chosen: PurchaseModel =
    settings.model !== 'auto'
      ? settings.model
      : score('pareto-nbd') < score('bg-nbd')
        ? 'pareto-nbd'
        : 'bg-nbd';

  const n = data.x.length;
  const spendRows = { x: new Float64Array(n), monetary: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    spendRows.x[i] = data.x[i] as number;
    spendRows.monetary[i] = (data.x[i] as number) > 0 ? (histories.monetary[i] as number) : 0;
  }
  const gammaGamma = fitGammaGamma(spendRows);
  const spendCustomers = spendRows.x.reduce(
    (c, x, i) => c + (x > 0 && (spendRows.monetary[i] as number) > 0 ? 1 : 0),
    0,
  );

  const horizon = {
    months: settings.horizonMonths,
    unitsPerMonth: UNITS_PER_MONTH[unit],
    monthlyDiscountRate: monthlyDiscountRate(settings.annualDiscountRate),
  };
  const perDay = 1 / DAYS_PER_UNIT[unit];
  // Everything but the spend depends on (x, t_x, T) only: computed once per distinct history.
  const perUnique = Array.from({ length: unique.x.length }, (_, u) => {
    const [x, tx, T] = [unique.x[u] as number, unique.tx[u] as number, unique.T[u] as number];
    const model = MODELS[chosen] as Model<unknown>;
    const params = fits[chosen].params;
    const expected = (t: number) => model.expected(params, t, x, tx, T);
    return {
      probabilityAlive: model.alive(params, x, tx, T),
      expectedPurchases30: expected(30 * perDay),
      expectedPurchases90: expected(90 * perDay),
      expectedPurchases365: expected(365 * perDay),
      discountedPurchases: discountedClv(expected, 1, horizon),
    };
  });
  const customers = Array.from({ length: n }, (_, i): CustomerPrediction => {
    const shared = perUnique[indexOf[i] as number] as (typeof perUnique)[number];
    const x = data.x[i] as number;
    const monetary = spendRows.monetary[i] as number;
    // No positive repeat spend observed: the population mean (the Gamma-Gamma prior mean).
    const aov = conditionalExpectedAverageSpend(gammaGamma.params, monetary > 0 ? x : 0, monetary);
    const { discountedPurchases, ...rest } = shared;
    return { ...rest, expectedAverageOrderValue: aov, predictedClvRevenue: discountedPurchases * aov };
  });

  return {
    model: chosen,
    timeUnit: unit,
    models: { bgNbd: fits['bg-nbd'], paretoNbd: fits['pareto-nbd'] },
    gammaGamma: {
      ...gammaGamma,
      customers: spendCustomers,
      spendFrequencyCorrelation: finiteOrNull(spendFrequencyCorrelation(spendRows)),
    },
    holdoutDays: calibration?.holdoutDays ?? null,
    uniqueHistories: unique.x.length,
    customers,
  };
}
