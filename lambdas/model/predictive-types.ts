/** The predictive stage's inputs and its report (model/predictive.ts computes them). */
import type { BacktestReport } from './backtest.js';
import type { BgNbdParams, FitReport, GammaGammaParams, ParetoNbdParams, RfmData } from './btyd-types.js';
import type { CustomerPrediction } from './types.js';

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

/** A purchase model that could not be fitted on this run's data. */
export interface FailedModel {
  readonly status: 'failed';
  readonly reason: string;
  readonly fitMs: number;
}

export type ModelOutcome<P> = (ModelReport<P> & { readonly status: 'fitted' }) | FailedModel;

export interface ModelReport<P> extends FitReport<P> {
  /** Wall time of the fit on the whole base, in ms (from the injected clock). */
  readonly fitMs: number;
  readonly backtest: BacktestReport | null;
}

export interface PredictiveResult {
  readonly model: PurchaseModel;
  readonly timeUnit: 'day' | 'week';
  readonly models: {
    readonly bgNbd: ModelOutcome<BgNbdParams>;
    readonly paretoNbd: ModelOutcome<ParetoNbdParams>;
  };
  readonly gammaGamma: FitReport<GammaGammaParams> & {
    readonly fitMs: number;
    readonly customers: number;
    /** Pearson correlation of repeat frequency and mean repeat spend (the model assumes none); null when undefined. */
    readonly spendFrequencyCorrelation: number | null;
  };
  readonly holdoutDays: number | null;
  readonly uniqueHistories: number;
  /** Things a user should know before trusting the predictions (e.g. spend depends on frequency). */
  readonly warnings: readonly string[];
  readonly customers: readonly CustomerPrediction[];
}

/**
 * A fit of the whole run (predictive.ts fitPredictive): the report predictCustomers gives, without the
 * customers, plus the parameters predicting needs. Plain JSON, so a sharded run fits once and hands it
 * to every shard (predictWithFit).
 */
export interface PredictiveFit extends Omit<PredictiveResult, 'customers'> {
  /** Parameters of the chosen purchase model (`model`). */
  readonly purchaseParams: BgNbdParams | ParetoNbdParams;
  readonly spendParams: GammaGammaParams;
}
