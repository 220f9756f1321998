import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conditionalExpectedPurchases } from '../../lambdas/model/bg-nbd.js';
import type { BgNbdParams, GammaGammaParams } from '../../lambdas/model/btyd-types.js';
import {
  type ClvHorizon,
  discountedClv,
  discountedPurchasesByCustomer,
  monthlyDiscountRate,
} from '../../lambdas/model/discounted-clv.js';
import { InvalidSettingsError } from '../../lambdas/model/errors.js';
import { conditionalExpectedAverageSpend } from '../../lambdas/model/gamma-gamma.js';

const YEAR_WEEKLY: ClvHorizon = { months: 12, unitsPerMonth: 4.345, monthlyDiscountRate: 0.01 };

/** Non-decreasing expected purchases a·t + b·(1 − e^(−t/τ)), zero at t = 0. */
const arbitraryPurchases = fc
  .record({
    a: fc.double({ min: 0, max: 5, noNaN: true }),
    b: fc.double({ min: 0, max: 50, noNaN: true }),
    tau: fc.double({ min: 0.1, max: 500, noNaN: true }),
  })
  .map(
    ({ a, b, tau }) =>
      (t: number): number =>
        a * t - b * Math.expm1(-t / tau),
  );

describe('monthlyDiscountRate', () => {
  it('compounds back to the annual rate', () => {
    // Act / Assess: 1.01^12 − 1 = 0.12682503013197; 1.1^(1/12) − 1 = 0.00797414042890376.
    expect(monthlyDiscountRate(0.12682503013196977)).toBeCloseTo(0.01, 15);
    expect(monthlyDiscountRate(0.1)).toBeCloseTo(0.00797414042890376, 15);
    expect(monthlyDiscountRate(0)).toBe(0);
    expect(monthlyDiscountRate(1e-12)).toBeCloseTo(1e-12 / 12, 24); // log1p/expm1 keep tiny rates
  });

  it('rejects a rate of −100% or less', () => {
    // Act / Assess
    expect(() => monthlyDiscountRate(-1)).toThrow(InvalidSettingsError);
    expect(() => monthlyDiscountRate(Number.NaN)).toThrow(InvalidSettingsError);
  });
});

describe('discountedClv', () => {
  const bgNbd: BgNbdParams = { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425752 };
  const gammaGamma: GammaGammaParams = { p: 6.248802, q: 3.744588, gamma: 15.447748 };
  const clvOf = (tx: number, T: number, meanSpend: number, horizon: ClvHorizon): number =>
    discountedClv(
      (t) => conditionalExpectedPurchases(bgNbd, t, 2, tx, T),
      conditionalExpectedAverageSpend(gammaGamma, 2, meanSpend),
      horizon,
    );

  it('reproduces lifetimes’ CLV of CDNOW customer 1 (BG/NBD + Gamma-Gamma, 12 months, 1% a month)', () => {
    // Prepare: the peer values were computed from lifetimes' CDNOW csv, which prints customer 1 as
    // x = 2, t_x = 30.43, T = 38.86, z̄ = 22.35 (with the reference table's 30.428571, 38.857143, 22.345
    // they are not reproducible: see below). Rounding the seven parameters to 6 decimals moves the
    // value by at most Σ|∂CLV/∂θ| · 5e-7 = 2.1e-5 (f = 4.345) and 1.2e-4 (f = 30).
    // Act
    const weekly = clvOf(30.43, 38.86, 22.35, YEAR_WEEKLY);
    const dailyFactor = clvOf(30.43, 38.86, 22.35, { ...YEAR_WEEKLY, unitsPerMonth: 30 });
    // Assess
    expect(Math.abs(weekly - 36.278496)).toBeLessThan(2.1e-5);
    expect(Math.abs(dailyFactor - 140.096218)).toBeLessThan(1.2e-4);
  });

  it('matches an independent evaluation at the reference table’s exact history', () => {
    // Act
    const clv = clvOf(30.428571, 38.857143, 22.345, YEAR_WEEKLY);
    // Assess: eq. (10) with scipy 1.17's hyp2f1 and m = 24.654517, same parameters: 36.27498672.
    expect(clv).toBeCloseTo(36.27498672, 7);
  });

  it('is a geometric sum when purchases accrue linearly', () => {
    // Prepare: E(t) = 0.5 t, f = 4 → 2 purchases a month, m = 10 → 20 a month.
    const linear = (t: number): number => 0.5 * t;
    // Act
    const clv = discountedClv(linear, 10, { months: 12, unitsPerMonth: 4, monthlyDiscountRate: 0.01 });
    // Assess: 20 · Σ_{k=1..12} 1.01^(−k) = 20 · (1 − 1.01^(−12)) / 0.01 = 20 · 11.255077473 = 225.10154947.
    expect(clv).toBeCloseTo(225.10154947, 8);
  });

  it('discounts the k-th month’s purchases by (1 + d)^k', () => {
    // Prepare: E(t) = t², f = 1, so month k holds k² − (k − 1)² = 2k − 1 purchases; m = 1, d = 0.1.
    // Act
    const clv = discountedClv((t) => t * t, 1, { months: 3, unitsPerMonth: 1, monthlyDiscountRate: 0.1 });
    // Assess: 1/1.1 + 3/1.21 + 5/1.331 = 0.909091 + 2.479339 + 3.756574 = 7.145004.
    expect(clv).toBeCloseTo(7.1450037566, 9);
  });

  it('telescopes to m × E(months · f) without discounting', () => {
    fc.assert(
      fc.property(
        arbitraryPurchases,
        fc.double({ min: 0.01, max: 1000, noNaN: true }),
        fc.integer({ min: 0, max: 120 }),
        fc.double({ min: 0.5, max: 31, noNaN: true }),
        (expected, spend, months, unitsPerMonth) => {
          // Act
          const clv = discountedClv(expected, spend, { months, unitsPerMonth, monthlyDiscountRate: 0 });
          // Assess
          const undiscounted = spend * expected(months * unitsPerMonth);
          expect(Math.abs(clv - undiscounted)).toBeLessThanOrEqual(1e-9 * Math.max(1, undiscounted));
        },
      ),
    );
  });

  it('grows with the horizon and shrinks with the discount rate', () => {
    fc.assert(
      fc.property(
        arbitraryPurchases,
        fc.integer({ min: 0, max: 119 }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        (expected, months, rate) => {
          // Act
          const horizon = { months, unitsPerMonth: 4.345, monthlyDiscountRate: rate };
          const shorter = discountedClv(expected, 25, horizon);
          const longer = discountedClv(expected, 25, { ...horizon, months: months + 1 });
          const dearer = discountedClv(expected, 25, { ...horizon, monthlyDiscountRate: rate + 0.01 });
          // Assess
          expect(longer).toBeGreaterThanOrEqual(shorter);
          expect(dearer).toBeLessThanOrEqual(shorter);
        },
      ),
    );
  });

  it('is zero over no months and refuses impossible horizons', () => {
    // Act / Assess
    expect(discountedClv((t) => t, 10, { ...YEAR_WEEKLY, months: 0 })).toBe(0);
    expect(() => discountedClv((t) => t, 10, { ...YEAR_WEEKLY, months: 1.5 })).toThrow(InvalidSettingsError);
    expect(() => discountedClv((t) => t, 10, { ...YEAR_WEEKLY, unitsPerMonth: 0 })).toThrow(
      InvalidSettingsError,
    );
    expect(() => discountedClv((t) => t, 10, { ...YEAR_WEEKLY, monthlyDiscountRate: -1 })).toThrow(
      InvalidSettingsError,
    );
  });
});

describe('discountedPurchasesByCustomer', () => {
  it('equals discountedClv with spend 1, bit for bit, for every customer', () => {
    // Prepare: three customers' cumulative expected purchases at month ends 0..12
    const horizon: ClvHorizon = {
      months: 12,
      unitsPerMonth: 30,
      monthlyDiscountRate: monthlyDiscountRate(0.1),
    };
    const curves = [(t: number) => 0.01 * t, (t: number) => 2 * (1 - Math.exp(-t / 90)), () => 0];
    const monthEnds = Array.from({ length: 13 }, (_, k) => Float64Array.from(curves, (e) => e(k * 30)));

    // Act
    const batch = discountedPurchasesByCustomer(monthEnds, horizon);

    // Assess
    curves.forEach((e, i) => {
      expect(Object.is(batch[i], discountedClv(e, 1, horizon))).toBe(true);
    });
    expect(() => discountedPurchasesByCustomer(monthEnds.slice(1), horizon)).toThrow(/13 month-end columns/);
  });
});
