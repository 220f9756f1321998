import { describe, expect, it } from 'vitest';
import type { ParetoNbdParams } from '../../lambdas/model/btyd-types.js';
import { fitParetoNbd } from '../../lambdas/model/pareto-nbd.js';
import { simulateParetoNbd } from './pareto-nbd-simulation.js';

const KEYS = ['r', 'alpha', 's', 'beta'] as const;
const relativeError = (got: number, expected: number): number => Math.abs(got - expected) / expected;

/**
 * Parameter recovery at scale. Times are continuous, so no two histories coincide and collapsing them
 * into weights would not shorten the fit. Standard errors of log-parameters below are from the
 * observed information of one simulated data set of each size.
 */
describe('fitParetoNbd on 100,000 simulated customers', () => {
  it('recovers every parameter within 5% where the data identify them', { timeout: 120_000 }, () => {
    // Prepare: mean purchase rate 1 a week, median lifetime ~ 5 weeks against T ∈ [26, 78]; standard
    // errors at this size are 0.7%, 0.8%, 0.8% and 1.4%, so 5% is at least 3.5 of them.
    const truth: ParetoNbdParams = { r: 2, alpha: 2, s: 0.8, beta: 4 };
    const data = simulateParetoNbd(truth, 100_000, [26, 78], 2024);
    // Act
    const fit = fitParetoNbd(data);
    // Assess
    expect(fit.converged).toBe(true);
    for (const key of KEYS) expect(relativeError(fit.params[key], truth[key])).toBeLessThan(0.05);
  });

  it('at CDNOW-like values recovers r and α within 5%, but s and β only within 15%', {
    timeout: 120_000,
  }, () => {
    // Prepare: Hardie's CDNOW estimates; with T ≤ 78 weeks the lifetime tail is barely seen, and the
    // standard errors at this size are 1.3% (r), 1.2% (α), 2.9% (s) and 5.6% (β): 5% on β is < 1 of them.
    const truth: ParetoNbdParams = { r: 0.5534, alpha: 10.5802, s: 0.6061, beta: 11.6562 };
    const data = simulateParetoNbd(truth, 100_000, [26, 78], 2025);
    // Act
    const fit = fitParetoNbd(data);
    // Assess
    expect(fit.converged).toBe(true);
    expect(relativeError(fit.params.r, truth.r)).toBeLessThan(0.05);
    expect(relativeError(fit.params.alpha, truth.alpha)).toBeLessThan(0.05);
    expect(relativeError(fit.params.s, truth.s)).toBeLessThan(0.15);
    expect(relativeError(fit.params.beta, truth.beta)).toBeLessThan(0.15);
  });
});

describe('fitParetoNbd on 1,000,000 simulated customers', () => {
  it('at CDNOW-like values recovers every parameter within 5%', { timeout: 300_000 }, () => {
    // Prepare: the values above, ten times the customers: the standard errors shrink by √10 (β's to
    // ≈ 1.8%, so 5% is ≈ 2.8 of them). Continuous times, so ≈ 1M distinct histories: about a minute.
    const truth: ParetoNbdParams = { r: 0.5534, alpha: 10.5802, s: 0.6061, beta: 11.6562 };
    const data = simulateParetoNbd(truth, 1_000_000, [26, 78], 2026);
    // Act
    const fit = fitParetoNbd(data);
    // Assess
    expect(fit.converged).toBe(true);
    for (const key of KEYS) expect(relativeError(fit.params[key], truth[key])).toBeLessThan(0.05);
  });
});
