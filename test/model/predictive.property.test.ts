/**
 * Properties every prediction the run publishes must have, over random but valid parameters and
 * histories, for both purchase models (BG/NBD, Pareto/NBD) and the Gamma-Gamma spend model. Unseeded
 * on purpose: each run explores new cases, and fast-check prints the seed and path of any failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as bg from '../../lambdas/model/bg-nbd.js';
import type { BgNbdParams, GammaGammaParams, ParetoNbdParams } from '../../lambdas/model/btyd-types.js';
import { discountedClv, monthlyDiscountRate } from '../../lambdas/model/discounted-clv.js';
import { conditionalExpectedAverageSpend } from '../../lambdas/model/gamma-gamma.js';
import * as pareto from '../../lambdas/model/pareto-nbd.js';

const RUNS = { numRuns: 150 } as const;

/** Log-uniform on [low, high], with the ends and 1 drawn now and then. */
const logUniform = (low: number, high: number): fc.Arbitrary<number> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.double({ min: Math.log(low), max: Math.log(high), noNaN: true }).map(Math.exp),
    },
    { weight: 1, arbitrary: fc.constantFrom(low, 1, high) },
  );

const bgParams: fc.Arbitrary<BgNbdParams> = fc.record({
  r: logUniform(0.01, 100),
  alpha: logUniform(0.1, 1e4),
  a: logUniform(0.01, 100),
  b: logUniform(0.01, 100),
});

const paretoParams: fc.Arbitrary<ParetoNbdParams> = fc.record({
  r: logUniform(0.01, 100),
  alpha: logUniform(0.1, 1e4),
  s: logUniform(0.01, 100),
  beta: logUniform(0.1, 1e4),
});

interface History {
  readonly x: number;
  readonly tx: number;
  readonly T: number;
}

/** 0 ≤ t_x ≤ T ≤ 1e4, x ∈ 0..500, t_x = 0 when x = 0 (a one-time buyer). */
const history: fc.Arbitrary<History> = fc
  .record({
    x: fc.oneof(fc.integer({ min: 0, max: 500 }), fc.constantFrom(0, 1, 500)),
    T: fc.oneof(fc.double({ min: 0, max: 1e4, noNaN: true }), logUniform(1e-3, 1e4), fc.constantFrom(0, 1e4)),
    share: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1e-9, 1)),
  })
  .map(({ x, T, share }) => ({ x, T, tx: x === 0 ? 0 : share * T }));

/** Many repeat purchases, observed for a moment or for decades. */
const extremeHistory: fc.Arbitrary<History> = fc
  .record({
    x: fc.integer({ min: 100, max: 500 }),
    T: fc.oneof(logUniform(1e-3, 1), logUniform(1e3, 1e4)),
    share: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1)),
  })
  .map(({ x, T, share }) => ({ x, T, tx: share * T }));

const GRID = [0, 1, 10, 100, 1000];

/**
 * Absolute slack for comparisons of products near underflow, where subnormals carry few digits: at
 * Pareto/NBD (1, 1, 1, 1), x = 79, t_x = 0, T = 1e4, P(alive) = 8e-323, so the bound
 * P(alive)·(r+x)/(α+T)·t rounds to 0 while E[Y(10)] = 5e-324.
 */
const TINY = 1e-300;

/**
 * Each value at least the one before, less 1e-10 relative (and TINY). Near its asymptote E[Y(t)] of
 * BG/NBD is flat and summed as a series of up to ~10⁶ positive terms, accurate to a few 1e-11 relative:
 * (r, α, a, b) = (100, 1, 4.478289705572726, 1), x = 0, T = 1 gives E[Y(100)] = 1.287497616541125 and
 * E[Y(1000)] = 1.287497616539837, 1.0e-12 lower (the limit is (a+b−1)/(a−1) = 1.2874976…); the worst
 * of 20,000 random cases was 2.7e-11. A 1e-12 tolerance would flag that rounding, not the model.
 */
function expectNonDecreasing(values: readonly number[]): void {
  values.slice(1).forEach((v, k) => {
    expect(v).toBeGreaterThanOrEqual((values[k] as number) * (1 - 1e-10) - TINY);
  });
}

interface PurchaseModel<P> {
  readonly params: fc.Arbitrary<P>;
  readonly alive: (p: P, x: number, tx: number, T: number) => number;
  readonly expected: (p: P, t: number, x: number, tx: number, T: number) => number;
  readonly expectedNew: (p: P, t: number) => number;
}

const bgModel: PurchaseModel<BgNbdParams> = {
  params: bgParams,
  alive: bg.probabilityAlive,
  expected: bg.conditionalExpectedPurchases,
  expectedNew: bg.expectedPurchasesNew,
};
const paretoModel: PurchaseModel<ParetoNbdParams> = {
  params: paretoParams,
  alive: pareto.probabilityAlive,
  expected: pareto.conditionalExpectedPurchases,
  expectedNew: pareto.expectedPurchasesNew,
};

function purchaseModelProperties<P extends { readonly r: number; readonly alpha: number }>(
  model: PurchaseModel<P>,
): void {
  it('P(alive) is a finite probability, lower for a longer silence and higher for a later last purchase', () => {
    fc.assert(
      fc.property(model.params, history, fc.double({ min: 0, max: 1, noNaN: true }), (p, h, g) => {
        // Act
        const alive = model.alive(p, h.x, h.tx, h.T);
        const observedLonger = model.alive(p, h.x, h.tx, h.T + 1000 * g);
        const boughtLater = h.x > 0 ? model.alive(p, h.x, h.tx + g * (h.T - h.tx), h.T) : alive;
        // Assess
        expect(Number.isFinite(alive)).toBe(true);
        expect(alive).toBeGreaterThanOrEqual(0);
        expect(alive).toBeLessThanOrEqual(1);
        expect(observedLonger).toBeLessThanOrEqual(alive * (1 + 1e-10) + TINY);
        expect(boughtLater).toBeGreaterThanOrEqual(alive * (1 - 1e-10) - TINY);
      }),
      RUNS,
    );
  });

  it('E[Y(t) | x, t_x, T] is finite, ≥ 0, 0 at t = 0, non-decreasing in t, at most P(alive)·E[λ | x, T]·t', () => {
    fc.assert(
      fc.property(model.params, history, (p, h) => {
        // Act
        const values = GRID.map((t) => model.expected(p, t, h.x, h.tx, h.T));
        // Assess: purchases while alive cannot outrun the posterior mean rate (r + x)/(α + T).
        const rateBound = (model.alive(p, h.x, h.tx, h.T) * (p.r + h.x)) / (p.alpha + h.T);
        values.forEach((v, k) => {
          expect(Number.isFinite(v)).toBe(true);
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(rateBound * (GRID[k] as number) * (1 + 1e-10) + TINY);
        });
        expect(values[0]).toBe(0);
        expectNonDecreasing(values);
      }),
      RUNS,
    );
  });

  it('E[X(t)] for a new customer is finite, ≥ 0 and non-decreasing, and is E[Y(t)] at x = t_x = T = 0', () => {
    fc.assert(
      fc.property(model.params, (p) => {
        // Act
        const values = GRID.map((t) => model.expectedNew(p, t));
        const unobserved = GRID.map((t) => model.expected(p, t, 0, 0, 0));
        // Assess
        values.forEach((v, k) => {
          expect(Number.isFinite(v)).toBe(true);
          expect(v).toBeGreaterThanOrEqual(0);
          expect(Math.abs((unobserved[k] as number) - v)).toBeLessThanOrEqual(1e-12 * v);
        });
        expectNonDecreasing(values);
      }),
      RUNS,
    );
  });

  it('discounted CLV per unit of spend is finite, ≥ 0 and at most the undiscounted purchases', () => {
    fc.assert(
      fc.property(
        model.params,
        fc.oneof(extremeHistory, history),
        fc.constantFrom(30, 4.345),
        fc.integer({ min: 1, max: 24 }),
        (p, h, unitsPerMonth, months) => {
          // Prepare: the settings' default 10% a year; lifetimes' months of 30 days or 4.345 weeks.
          const expected = (t: number): number => model.expected(p, t, h.x, h.tx, h.T);
          const horizon = { months, unitsPerMonth, monthlyDiscountRate: monthlyDiscountRate(0.1) };
          // Act
          const clv = discountedClv(expected, 1, horizon);
          // Assess
          expect(Number.isFinite(clv)).toBe(true);
          expect(clv).toBeGreaterThanOrEqual(0);
          expect(clv).toBeLessThanOrEqual(expected(months * unitsPerMonth) * (1 + 1e-10));
        },
      ),
      RUNS,
    );
  });
}

describe('BG/NBD properties', () => {
  purchaseModelProperties(bgModel);

  it('P(alive) = 1 without repeat purchases: dropout can only follow a purchase (FHL 2005 §2)', () => {
    fc.assert(
      fc.property(bgParams, fc.double({ min: 0, max: 1e4, noNaN: true }), (p, T) => {
        // Act / Assess
        expect(bg.probabilityAlive(p, 0, 0, T)).toBe(1);
      }),
      RUNS,
    );
  });

  it('P(X(t) = n) is a probability (eq. 8)', () => {
    fc.assert(
      fc.property(
        bgParams,
        fc.oneof(fc.double({ min: 0, max: 1e4, noNaN: true }), fc.constantFrom(0, 1e4)),
        fc.integer({ min: 0, max: 1000 }),
        (p, t, n) => {
          // Act
          const probability = bg.probabilityOfPurchases(p, t, n);
          // Assess
          expect(Number.isFinite(probability)).toBe(true);
          expect(probability).toBeGreaterThanOrEqual(0);
          expect(probability).toBeLessThanOrEqual(1);
        },
      ),
      RUNS,
    );
  });
});

describe('Pareto/NBD properties', () => {
  purchaseModelProperties(paretoModel);

  it('P(alive) = 1 when the last purchase is at T, including a customer observed for no time', () => {
    fc.assert(
      fc.property(paretoParams, history, (p, h) => {
        // Act / Assess: A₀ = 0 when t_x = T (note 009, eqs. 36–37).
        expect(pareto.probabilityAlive(p, Math.max(1, h.x), h.T, h.T)).toBe(1);
        expect(pareto.probabilityAlive(p, 0, 0, 0)).toBe(1);
      }),
      RUNS,
    );
  });
});

describe('Gamma-Gamma properties', () => {
  // q > 1: the fit refuses q ≤ 1, where the population mean pγ/(q − 1) does not exist.
  const ggParams: fc.Arbitrary<GammaGammaParams> = fc.record({
    p: logUniform(0.01, 100),
    q: logUniform(1e-3, 100).map((v) => 1 + v),
    gamma: logUniform(0.1, 1e4),
  });

  it("E[M | x, z̄] lies between the customer's own mean z̄ and the population mean", () => {
    fc.assert(
      fc.property(ggParams, fc.integer({ min: 1, max: 500 }), logUniform(0.01, 1e5), (g, x, mean) => {
        // Act
        const spend = conditionalExpectedAverageSpend(g, x, mean);
        // Assess: note 025 eq. 5, p(γ + x·z̄)/(px + q − 1) = w·pγ/(q − 1) + (1 − w)·z̄ with
        // w = (q − 1)/(px + q − 1) ∈ (0, 1) for q > 1, x ≥ 1: a weighted average.
        const population = (g.p * g.gamma) / (g.q - 1);
        expect(Number.isFinite(spend)).toBe(true);
        expect(spend).toBeGreaterThanOrEqual(Math.min(population, mean) * (1 - 1e-12));
        expect(spend).toBeLessThanOrEqual(Math.max(population, mean) * (1 + 1e-12));
      }),
      RUNS,
    );
  });

  it('E[M | x = 0] is the population mean pγ/(q − 1), whatever z̄ is passed', () => {
    fc.assert(
      fc.property(ggParams, fc.double({ min: -1e5, max: 1e5, noNaN: true }), (g, mean) => {
        // Act / Assess
        const population = (g.p * g.gamma) / (g.q - 1);
        expect(Math.abs(conditionalExpectedAverageSpend(g, 0, mean) / population - 1)).toBeLessThan(1e-12);
      }),
      RUNS,
    );
  });
});
