/**
 * Per-customer predictions from fitted parameters: P(alive), expected purchases at 30/90/365 days,
 * Gamma-Gamma expected order value and discounted CLV, the way lifetimes computes them. Each customer's
 * prediction depends on the parameters and its own history only, so any subset of a run's customers
 * (one shard) gets exactly the predictions it gets among all of them.
 */
import type { BgNbdParams, GammaGammaParams, ParetoNbdParams, RfmData } from './btyd-types.js';
import { ModelFitError } from './btyd-types.js';
import { type ClvHorizon, discountedPurchasesByCustomer, monthlyDiscountRate } from './discounted-clv.js';
import { conditionalExpectedAverageSpend } from './gamma-gamma.js';
import type {
  CustomerHistories,
  PredictiveFit,
  PredictiveSettings,
  PurchaseModel,
} from './predictive-types.js';
import {
  DAYS_PER_UNIT,
  type GroupedHistories,
  groupHistories,
  MODELS,
  type Model,
  perHistory,
  UNITS_PER_MONTH,
} from './purchase-models.js';
import type { CustomerPrediction } from './types.js';

type HorizonSettings = Pick<PredictiveSettings, 'timeUnit' | 'horizonMonths' | 'annualDiscountRate'>;

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
  settings: HorizonSettings,
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

/** predictWithFit on histories already grouped in the fit's unit (predictCustomers groups once for both). */
export function predictGrouped(
  fit: PredictiveFit,
  grouped: GroupedHistories,
  monetary: ArrayLike<number>,
  settings: Pick<PredictiveSettings, 'horizonMonths' | 'annualDiscountRate'>,
): CustomerPrediction[] {
  const horizon = { ...settings, timeUnit: fit.timeUnit };
  const customers = predictFromFits(
    fit.model,
    fit.purchaseParams,
    fit.spendParams,
    grouped,
    monetary,
    horizon,
  );
  assertFinitePredictions(customers);
  return customers;
}

/**
 * Predicts `histories` (any of the run's customers: all, or one shard) from a fit of the whole run
 * (fitPredictive), in input order. Throws ModelFitError when a prediction is not finite. The time unit
 * is the fit's; the horizon and discount rate are the settings'.
 */
export function predictWithFit(
  fit: PredictiveFit,
  histories: CustomerHistories,
  settings: Pick<PredictiveSettings, 'horizonMonths' | 'annualDiscountRate'>,
): CustomerPrediction[] {
  return predictGrouped(fit, groupHistories(histories, fit.timeUnit), histories.monetary, settings);
}
