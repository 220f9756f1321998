import { describe, expect, it } from 'vitest';
import { createRng } from '../../lambdas/sample/random.js';
import {
  type BgNbdParameters,
  customerTraits,
  DEFAULT_BG_NBD,
  DEFAULT_GAMMA_GAMMA,
  repeatPurchaseTimes,
} from '../../lambdas/sample/sample-model.js';

/** Gauss hypergeometric ₂F₁(a, b; c; z) by its power series; converges for |z| < 1. */
function hyp2f1(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 100_000; n += 1) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    sum += term;
    if (Math.abs(term) < 1e-15 * Math.abs(sum)) return sum;
  }
  throw new Error('₂F₁ series did not converge');
}

/** E[X(t)] for a new customer, eq. (7) of Fader, Hardie & Lee (2005). */
function expectedPurchases({ r, alpha, a, b }: BgNbdParameters, t: number): number {
  const z = t / (alpha + t);
  return ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z));
}

describe('expectedPurchases (the check itself)', () => {
  it('reproduces the published E[X(t)] values (FHL 2005 data set, weeks)', () => {
    // Prepare: peer values from docs/reference (lifetimes 0.11.3; Hardie's sheet agrees to 4 digits).
    const published: BgNbdParameters = { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425752 };
    const cases = [
      [1, 0.053185],
      [3, 0.150632],
      [32, 1.043737],
      [78, 1.857972],
    ] as const;

    // Act + Assess
    for (const [t, expected] of cases) expect(expectedPurchases(published, t)).toBeCloseTo(expected, 5);
  });
});

describe('repeatPurchaseTimes follows BG/NBD', () => {
  it.each([90, 365, 730])(
    'mean repeat purchases of 100k new customers over %d days is E[X(t)] within 3 %',
    (horizon) => {
      // Prepare
      const rng = createRng(horizon);
      const customers = 100_000;

      // Act
      let purchases = 0;
      let none = 0;
      for (let i = 0; i < customers; i += 1) {
        const traits = customerTraits(rng, DEFAULT_BG_NBD, DEFAULT_GAMMA_GAMMA);
        const times = repeatPurchaseTimes(rng, traits.lambda, traits.dropout, horizon);
        purchases += times.length;
        if (times.length === 0) none += 1;
      }

      // Assess: the mean count, and P(X(t) = 0) = (α / (α + t))^r (eq. 8 at x = 0).
      const expected = expectedPurchases(DEFAULT_BG_NBD, horizon);
      expect(Math.abs(purchases / customers - expected) / expected).toBeLessThan(0.03);
      const { r, alpha } = DEFAULT_BG_NBD;
      expect(none / customers).toBeCloseTo((alpha / (alpha + horizon)) ** r, 2);
    },
  );

  it('returns ascending times within the horizon and stops after a dropout', () => {
    const rng = createRng(5);
    const always = repeatPurchaseTimes(rng, 1, 1, 1000);
    expect(always).toHaveLength(1);
    const never = repeatPurchaseTimes(rng, 1, 0, 200);
    expect(never.every((t, i) => t > 0 && t <= 200 && (i === 0 || t > (never[i - 1] ?? 0)))).toBe(true);
    expect(never.length).toBeGreaterThan(150);
  });
});
