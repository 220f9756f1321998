/** Churn windows, window retention annualised, and the business's expected lifespan. */
import { addMonths, wholeMonthsBetween } from './dates.js';
import type { ChurnWindow } from './types.js';

/**
 * The two consecutive churn windows ending at `asOf`, each `months` long, where
 * months = max(1, min(preferredMonths, ⌊historyMonths / 2⌋)) so both windows fit in the history.
 */
export function churnWindow(firstOrderDate: string, asOf: string, preferredMonths: number): ChurnWindow {
  const historyMonths = Math.max(1, wholeMonthsBetween(firstOrderDate, asOf));
  const preferred = Number.isFinite(preferredMonths) ? Math.max(1, Math.floor(preferredMonths)) : 1;
  // A history of one month cannot hold two windows; one-month windows are then the best available.
  const months = Math.max(1, Math.min(preferred, Math.floor(historyMonths / 2)));
  return {
    months,
    previousStart: addMonths(asOf, -2 * months),
    lastStart: addMonths(asOf, -months),
    asOf,
  };
}

/** Annualised retention and churn of a group; null when nobody was active in the previous window. */
export interface RetentionChurn {
  readonly retention: number | null;
  readonly churn: number | null;
}

/**
 * Retention r_w = retained ÷ activePrevious over a window of `months`, annualised as r_w^(12/months),
 * churn = 1 − annual retention (the constant-retention model of Gupta, Lehmann & Stuart 2004,
 * "Valuing customers"; Farris et al. 2010, "Marketing Metrics", ch. 5).
 */
export function annualisedRetention(
  activePrevious: number,
  retained: number,
  months: number,
): RetentionChurn {
  if (activePrevious <= 0 || months <= 0) return { retention: null, churn: null };
  const windowRetention = Math.min(1, Math.max(0, retained / activePrevious));
  const retention = windowRetention ** (12 / months);
  return { retention, churn: 1 - retention };
}

/** The business's annual churn (floored) and the expected lifespan it implies. */
export interface BusinessChurn {
  readonly annualChurn: number;
  readonly expectedLifespanYears: number;
}

/**
 * Annual churn floored at 1 / maxLifespanYears, and lifespan = 1 / churn: the mean of a geometric
 * lifetime under constant retention (Farris et al. 2010, "Marketing Metrics", ch. 5). With nobody
 * active in the previous window the floor is used: there is no evidence of churn, and the cap is the
 * most the business lets itself assume.
 */
export function businessChurn(
  activePrevious: number,
  retained: number,
  months: number,
  maxLifespanYears: number,
): BusinessChurn {
  const floor = 1 / maxLifespanYears;
  const { churn } = annualisedRetention(activePrevious, retained, months);
  const annualChurn = churn === null ? floor : Math.max(churn, floor);
  return { annualChurn, expectedLifespanYears: 1 / annualChurn };
}
