/**
 * Discounted expected customer value over a finite horizon, as lifetimes 0.11.3 computes it
 * (`_customer_lifetime_value`): monthly expected purchases from a transaction model, times the
 * Gamma-Gamma expected spend, discounted monthly. Fader, Hardie & Lee 2005 ("RFM and CLV", JMR) value
 * a customer as expected spend × discounted expected transactions (DET) under independence of spend and
 * purchases; the finite monthly sum below is lifetimes' discrete version of DET.
 */
import { InvalidSettingsError } from './errors.js';

/** The CLV horizon in calendar months, and the model's time unit per month. */
export interface ClvHorizon {
  /** Months summed over (a whole number ≥ 0). */
  readonly months: number;
  /** Model time units in a month: 4.345 for weeks, 30 for days (lifetimes' factors). */
  readonly unitsPerMonth: number;
  /** Discount rate per month, > −1. */
  readonly monthlyDiscountRate: number;
}

/** Monthly rate from an annual one: (1 + annual)^(1/12) − 1, via log1p/expm1 so small rates keep their digits. */
export function monthlyDiscountRate(annualRate: number): number {
  if (!(annualRate > -1 && Number.isFinite(annualRate))) {
    throw new InvalidSettingsError(`annual discount rate must be a finite number > −1, got ${annualRate}`);
  }
  return Math.expm1(Math.log1p(annualRate) / 12);
}

function assertHorizon(horizon: ClvHorizon): void {
  const problems: string[] = [];
  if (!(Number.isInteger(horizon.months) && horizon.months >= 0)) {
    problems.push(`months must be a whole number ≥ 0, got ${horizon.months}`);
  }
  if (!(horizon.unitsPerMonth > 0 && Number.isFinite(horizon.unitsPerMonth))) {
    problems.push(`unitsPerMonth must be a finite number > 0, got ${horizon.unitsPerMonth}`);
  }
  if (!(horizon.monthlyDiscountRate > -1 && Number.isFinite(horizon.monthlyDiscountRate))) {
    problems.push(`monthlyDiscountRate must be a finite number > −1, got ${horizon.monthlyDiscountRate}`);
  }
  if (problems.length > 0) throw new InvalidSettingsError(problems.join('; '));
}

/**
 * Discounted expected value m × Σ_{k=1..months} [E(k·f) − E((k−1)·f)] / (1 + d)^k, where E(t) =
 * `expectedPurchases(t)` is the customer's conditional expected purchases by t (e.g. BG/NBD eq. 10),
 * f = unitsPerMonth and d = monthlyDiscountRate: each month's purchases are discounted as if they fell
 * at its end. Throws `InvalidSettingsError` for an impossible horizon.
 */
export function discountedClv(
  expectedPurchases: (t: number) => number,
  averageSpend: number,
  horizon: ClvHorizon,
): number {
  assertHorizon(horizon);
  const f = horizon.unitsPerMonth;
  const onePlusD = 1 + horizon.monthlyDiscountRate;
  let previous = expectedPurchases(0);
  let sum = 0;
  for (let k = 1; k <= horizon.months; k++) {
    const current = expectedPurchases(k * f);
    sum += (current - previous) / onePlusD ** k;
    previous = current;
  }
  return averageSpend * sum;
}

/**
 * `discountedClv` with spend 1 for many customers at once: `monthEnds[k][i]` is customer i's E(k·f) for
 * k = 0..months. The same sum in the same order, so each result equals discountedClv's bit for bit.
 */
export function discountedPurchasesByCustomer(
  monthEnds: readonly Float64Array[],
  horizon: ClvHorizon,
): Float64Array {
  assertHorizon(horizon);
  if (monthEnds.length !== horizon.months + 1) {
    throw new InvalidSettingsError(
      `expected ${horizon.months + 1} month-end columns, got ${monthEnds.length}`,
    );
  }
  const n = monthEnds[0]?.length ?? 0;
  const out = new Float64Array(n);
  const onePlusD = 1 + horizon.monthlyDiscountRate;
  for (let k = 1; k <= horizon.months; k++) {
    const discount = onePlusD ** k;
    const previous = monthEnds[k - 1] as Float64Array;
    const current = monthEnds[k] as Float64Array;
    for (let i = 0; i < n; i++) {
      out[i] = (out[i] as number) + ((current[i] as number) - (previous[i] as number)) / discount;
    }
  }
  return out;
}
