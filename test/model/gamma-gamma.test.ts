import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type GammaGammaParams, ModelFitError, type SpendData } from '../../lambdas/model/btyd-types.js';
import {
  conditionalExpectedAverageSpend,
  fitGammaGamma,
  gammaGammaLogLikelihood,
  gammaGammaLogLikelihoods,
  spendFrequencyCorrelation,
} from '../../lambdas/model/gamma-gamma.js';
import { lgamma } from '../../lambdas/model/special-functions.js';
import { simulateSpend } from './spend-simulation.js';

/** CDNOW estimates (Hardie's spreadsheet; lifetimes 0.11.3 gets the same to 6 digits). */
const CDNOW: GammaGammaParams = { p: 6.248802, q: 3.744588, gamma: 15.447748 };

/** log of a Gamma(shape, rate) density at y. */
const logGammaDensity = (y: number, shape: number, rate: number): number =>
  shape * Math.log(rate) - lgamma(shape) + (shape - 1) * Math.log(y) - rate * y;

/**
 * log ∫ Gamma(z̄; px, rate νx) · Gamma(ν; q, rate γ) dν by composite Simpson over u = log ν, centred on
 * the posterior peak and ±14 posterior standard deviations wide: independent of the closed form.
 */
function integratedLogDensity(params: GammaGammaParams, x: number, mean: number): number {
  const { p, q, gamma } = params;
  const peak = Math.log((p * x + q) / (gamma + x * mean));
  const halfWidth = 14 / Math.sqrt(p * x + q);
  const intervals = 4000;
  const h = (2 * halfWidth) / intervals;
  const logIntegrand = (u: number): number =>
    logGammaDensity(mean, p * x, Math.exp(u) * x) + logGammaDensity(Math.exp(u), q, gamma) + u;
  const top = logIntegrand(peak);
  let sum = 0;
  for (let i = 0; i <= intervals; i++) {
    const coefficient = i === 0 || i === intervals ? 1 : i % 2 === 1 ? 4 : 2;
    sum += coefficient * Math.exp(logIntegrand(peak - halfWidth + i * h) - top);
  }
  return top + Math.log((sum * h) / 3);
}

describe('conditionalExpectedAverageSpend', () => {
  it('reproduces the published CDNOW values', () => {
    // Act
    const fromCsv = conditionalExpectedAverageSpend(CDNOW, 2, 22.35);
    const exact = conditionalExpectedAverageSpend(CDNOW, 2, 22.345);
    const population = conditionalExpectedAverageSpend(CDNOW, 0, 0);
    // Assess. The peer values come from unrounded fitted parameters; rounding p, q, γ to 6 decimals
    // moves E by at most Σ|∂E/∂θ| · 5e-7: (0.71 + 1.62 + 0.41) · 5e-7 = 1.4e-6 for the customer and
    // (5.63 + 12.81 + 2.28) · 5e-7 = 1.0e-5 for the population mean pγ/(q − 1).
    // The peer's 24.658616 is customer 1 of lifetimes' CDNOW csv (x = 2, t_x = 30.43), whose z̄ is
    // printed to cents: 22.35, not the table's 22.345.
    expect(Math.abs(fromCsv - 24.658616)).toBeLessThan(1.4e-6);
    expect(Math.abs(population - 35.171002)).toBeLessThan(1e-5);
    // With the reference table's z̄ = 22.345: 6.248802 · (15.447748 + 44.69) /
    // 15.242192 = 24.654517, which is Hardie's spreadsheet value 24.65 (24.658616 would round to 24.66).
    expect(exact).toBeCloseTo(24.654517, 6);
    expect(Math.round(exact * 100) / 100).toBe(24.65);
  });

  it('is the weighted average of the population mean and z̄, so it lies between them', () => {
    // Prepare: q > 1 so the population mean exists.
    const arbitraryParams = fc.record({
      p: fc.double({ min: 0.05, max: 50, noNaN: true }),
      q: fc.double({ min: 1.01, max: 50, noNaN: true }),
      gamma: fc.double({ min: 0.01, max: 1000, noNaN: true }),
    });
    fc.assert(
      fc.property(
        arbitraryParams,
        fc.integer({ min: 1, max: 500 }),
        fc.double({ min: 0.01, max: 1e5, noNaN: true }),
        (params, x, mean) => {
          // Act
          const expected = conditionalExpectedAverageSpend(params, x, mean);
          // Assess: w = (q − 1)/(px + q − 1) on the population mean pγ/(q − 1), 1 − w = px/(px + q − 1) on z̄.
          const population = (params.p * params.gamma) / (params.q - 1);
          const w = (params.q - 1) / (params.p * x + params.q - 1);
          const scale = Math.max(population, mean);
          expect(Math.abs(expected - (w * population + (1 - w) * mean))).toBeLessThan(1e-12 * scale);
          expect(expected).toBeGreaterThanOrEqual(Math.min(population, mean) * (1 - 1e-12));
          expect(expected).toBeLessThanOrEqual(Math.max(population, mean) * (1 + 1e-12));
        },
      ),
    );
  });

  it('moves from the population mean towards z̄ as x grows', () => {
    // Act
    const spends = [0, 1, 2, 7, 100].map((x) => conditionalExpectedAverageSpend(CDNOW, x, 100));
    // Assess: strictly increasing towards 100; at x = 100 the prior weight is 2.744588/627.624788.
    for (let i = 1; i < spends.length; i++) expect(spends[i]).toBeGreaterThan(spends[i - 1] ?? 0);
    expect(spends[4]).toBeCloseTo(99.716504, 5); // 0.004372976 · 35.171005 + 0.995627024 · 100
  });

  it('is infinite when the mean does not exist and NaN for an impossible x', () => {
    // Act / Assess: q = 0.5, x = 0 → px + q − 1 = −0.5; x = 1, p = 2 → 1.5 > 0, finite.
    expect(conditionalExpectedAverageSpend({ p: 2, q: 0.5, gamma: 10 }, 0, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(conditionalExpectedAverageSpend({ p: 2, q: 0.5, gamma: 10 }, 1, 4)).toBeCloseTo(
      (2 * 14) / 1.5,
      12,
    );
    expect(conditionalExpectedAverageSpend(CDNOW, -1, 10)).toBeNaN();
  });
});

describe('gammaGammaLogLikelihoods', () => {
  it('matches a numerical integration over ν, Jacobian included', () => {
    // Prepare
    const data: SpendData = { x: [1, 2, 7, 30, 250], monetary: [5, 22.345, 80, 12.5, 40] };
    // Act
    const closedForm = gammaGammaLogLikelihoods(CDNOW, data);
    // Assess
    for (let i = 0; i < data.x.length; i++) {
      const numeric = integratedLogDensity(CDNOW, data.x[i] ?? 0, data.monetary[i] ?? 0);
      expect(Math.abs((closedForm[i] ?? 0) - numeric)).toBeLessThan(1e-9);
    }
  });

  it('equals form 1a, lgamma(px + q) − lgamma(px) − lgamma(q) + q log γ + (px − 1) log z̄ + px log x − (px + q) log(γ + xz̄)', () => {
    // Prepare: x = 2, z̄ = 22.345 at the CDNOW parameters.
    const { p, q, gamma } = CDNOW;
    const px = 2 * p;
    const direct =
      lgamma(px + q) -
      lgamma(px) -
      lgamma(q) +
      q * Math.log(gamma) +
      (px - 1) * Math.log(22.345) +
      px * Math.log(2) -
      (px + q) * Math.log(gamma + 2 * 22.345);
    // Act
    const [closedForm] = gammaGammaLogLikelihoods(CDNOW, { x: [2], monetary: [22.345] });
    // Assess
    expect(closedForm).toBeCloseTo(direct, 10);
  });

  it('is NaN outside the model and the weighted sum counts each row weight times', () => {
    // Prepare
    const rows = gammaGammaLogLikelihoods(CDNOW, { x: [0, 3, 2], monetary: [10, 0, 20] });
    const single = gammaGammaLogLikelihood(CDNOW, { x: [3, 1], monetary: [30, 12] });
    // Act
    const weighted = gammaGammaLogLikelihood(CDNOW, { x: [3, 1], monetary: [30, 12], weight: [3, 1] });
    const repeated = gammaGammaLogLikelihood(CDNOW, { x: [3, 3, 3, 1], monetary: [30, 30, 30, 12] });
    // Assess
    expect(rows[0]).toBeNaN();
    expect(rows[1]).toBeNaN();
    expect(Number.isFinite(rows[2])).toBe(true);
    expect(weighted).toBeCloseTo(repeated, 10);
    expect(weighted).toBeLessThan(single);
  });
});

describe('fitGammaGamma', () => {
  // Only z̄ is observed, not the single purchases, so p and γ are weakly identified: at the CDNOW values
  // with 20,000 customers their standard errors (observed information) are 7.2% and 8.1%, and over
  // eleven seeds the worst errors were 17% and 18%; q (1.2%) and the mean spend pγ/(q − 1) (0.5%) are
  // sharp. So 20,000 customers pin q, the mean and the likelihood ratio; 200,000 (standard errors 2.5%
  // and 2.7%, so 10% is four of them) pin all three parameters.
  const truth: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };
  const populationMean = (params: GammaGammaParams): number => (params.p * params.gamma) / (params.q - 1);

  it('recovers q and the mean spend from 20,000 customers, at a likelihood ratio chance explains', () => {
    // Prepare
    const data = simulateSpend(truth, 20_000, 20_250_101);
    // Act
    const fit = fitGammaGamma(data);
    // Assess
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.params.q / truth.q - 1)).toBeLessThan(0.1);
    expect(Math.abs(populationMean(fit.params) / populationMean(truth) - 1)).toBeLessThan(0.02);
    // 2·(ℓ(θ̂) − ℓ(θ)) ~ χ²(3) at the truth: 0 ≤ gap, and gap < 8 fails once in 1,000 (P(χ²₃ > 16)).
    // A wrong likelihood (say, without the Jacobian) would be biased and put the gap in the thousands.
    const gap = fit.logLikelihood - gammaGammaLogLikelihood(truth, data);
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(8);
    expect(fit.logLikelihood).toBeCloseTo(gammaGammaLogLikelihood(fit.params, data), 6);
  });

  it('recovers p, q and γ within 10% from 200,000 customers', () => {
    // Prepare
    const data = simulateSpend(truth, 200_000, 2025);
    // Act
    const fit = fitGammaGamma(data);
    // Assess
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.params.p / truth.p - 1)).toBeLessThan(0.1);
    expect(Math.abs(fit.params.q / truth.q - 1)).toBeLessThan(0.1);
    expect(Math.abs(fit.params.gamma / truth.gamma - 1)).toBeLessThan(0.1);
  });

  it('fits only rows with x > 0 and monetary > 0, and says so', () => {
    // Prepare
    const clean = simulateSpend({ p: 3, q: 5, gamma: 40 }, 400, 7);
    const withJunk: SpendData = {
      x: [...Array.from(clean.x), 0, 4, 2],
      monetary: [...Array.from(clean.monetary), 25, 0, -3],
    };
    // Act
    const fromClean = fitGammaGamma(clean);
    const fromJunk = fitGammaGamma(withJunk);
    // Assess
    expect(fromJunk.params.p).toBeCloseTo(fromClean.params.p, 10);
    expect(fromJunk.params.q).toBeCloseTo(fromClean.params.q, 10);
    expect(fromJunk.params.gamma).toBeCloseTo(fromClean.params.gamma, 10);
    expect(fromJunk.message).toContain('fitted on 400 of 403 rows');
  });

  it('treats a weight as that many identical customers', () => {
    // Prepare
    const unique = simulateSpend({ p: 4, q: 3, gamma: 20 }, 60, 11);
    const weight = Array.from({ length: 60 }, (_, i) => 1 + (i % 3));
    const repeat = (values: ArrayLike<number>): number[] =>
      Array.from(values).flatMap((v, i) => Array<number>(weight[i] ?? 0).fill(v));
    // Act
    const weighted = fitGammaGamma({ ...unique, weight });
    const expanded = fitGammaGamma({ x: repeat(unique.x), monetary: repeat(unique.monetary) });
    // Assess
    expect(weighted.logLikelihood).toBeCloseTo(expanded.logLikelihood, 6);
    expect(weighted.params.p / expanded.params.p).toBeCloseTo(1, 5);
    expect(weighted.params.q / expanded.params.q).toBeCloseTo(1, 5);
    expect(weighted.params.gamma / expanded.params.gamma).toBeCloseTo(1, 5);
  });

  it('refuses spend too heavy-tailed for a mean (q ≤ 1) and data with nothing to fit', () => {
    // Prepare: ν ~ Gamma(0.6, ·) makes E[1/ν], hence the population mean spend, infinite.
    const heavy = simulateSpend({ p: 5, q: 0.6, gamma: 2 }, 3000, 3);
    // Act / Assess
    expect(() => fitGammaGamma(heavy)).toThrow(ModelFitError);
    expect(() => fitGammaGamma(heavy)).toThrow(/q = .* ≤ 1/);
    expect(() => fitGammaGamma({ x: [0, 0], monetary: [0, 10] })).toThrow(ModelFitError);
  });
});

describe('spendFrequencyCorrelation', () => {
  it('is the weighted Pearson correlation over the modelled rows', () => {
    // Prepare: x = 1, 2, 2, 3 and z̄ = 10, 20, 20, 60 (the weight-2 row counts twice; the x = 0 row is out).
    // Means 2 and 27.5; Σdx·dm = (−1)(−17.5) + 2·0·(−7.5) + 1·32.5 = 50; Σdx² = 2;
    // Σdm² = 306.25 + 2·56.25 + 1056.25 = 1475; r = 50 / √(2 · 1475) = 0.920575.
    const data: SpendData = { x: [1, 2, 3, 0], monetary: [10, 20, 60, 99], weight: [1, 2, 1, 1] };
    // Act
    const r = spendFrequencyCorrelation(data);
    // Assess
    expect(r).toBeCloseTo(50 / Math.sqrt(2950), 12);
    expect(r).toBeCloseTo(0.920575, 6);
  });

  it('is NaN with fewer than two rows or a constant side', () => {
    // Act / Assess
    expect(spendFrequencyCorrelation({ x: [2], monetary: [10] })).toBeNaN();
    expect(spendFrequencyCorrelation({ x: [2, 2, 2], monetary: [10, 30, 0.1] })).toBeNaN();
    expect(
      spendFrequencyCorrelation({ x: [1, 2, 3], monetary: [0.1, 0.1, 0.1], weight: [3, 7, 1] }),
    ).toBeNaN();
  });
});
