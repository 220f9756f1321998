import { describe, expect, it } from 'vitest';
import { bgNbdLogLikelihoodGradient, fitBgNbd } from '../../lambdas/model/bg-nbd.js';
import { collapseHistories } from '../../lambdas/model/btyd-summary.js';
import type { BgNbdParams, RfmData } from '../../lambdas/model/btyd-types.js';
import { simulateBgNbd } from './bg-nbd-simulation.js';

// Parameter recovery from the BG/NBD generative process (Fader, Hardie & Lee 2005, §2) at scale.
const KEYS = ['r', 'alpha', 'a', 'b'] as const;

describe('BG/NBD parameter recovery (slow)', () => {
  it('recovers every parameter within 5% from 100,000 frequent buyers observed one to three years', () => {
    // Prepare: the observed-information standard errors here are ≤ 1.3%, so 5% is ≥ 3.8 of them.
    const truth: BgNbdParams = { r: 1, alpha: 2, a: 0.793, b: 2.426 };
    const data = simulateBgNbd(truth, 100_000, 52, 156, 20_240_601);
    // Act
    const started = performance.now();
    const { unique } = collapseHistories(data);
    const fit = fitBgNbd(unique);
    const seconds = (performance.now() - started) / 1000;
    // Assess
    report('100k frequent buyers', truth, fit.params, unique, seconds, fit.iterations);
    expect(fit.converged).toBe(true);
    for (const key of KEYS) expect(Math.abs(fit.params[key] / truth[key] - 1)).toBeLessThanOrEqual(0.05);
  });

  it('recovers CDNOW-like parameters from 100,000 customers within 3 standard errors', () => {
    // Prepare: CDNOW estimates, T over 26–78 weeks. The dropout parameters are weakly identified at this
    // size (standard errors ≈ 2.6% for a and 3.4% for b), so a fixed 5% band would be 1.5 standard
    // errors for b and fail for about one seed in seven; r and α are held to 5% (≥ 4 standard errors).
    const truth: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    const data = simulateBgNbd(truth, 100_000, 26, 78, 20_240_602);
    // Act
    const started = performance.now();
    const { unique } = collapseHistories(data);
    const fit = fitBgNbd(unique);
    const seconds = (performance.now() - started) / 1000;
    // Assess
    const errors = report('100k CDNOW-like', truth, fit.params, unique, seconds, fit.iterations);
    expect(fit.converged).toBe(true);
    KEYS.forEach((key, i) => {
      expect(Math.abs(Math.log(fit.params[key] / truth[key]))).toBeLessThanOrEqual(3 * (errors[i] as number));
    });
    expect(Math.abs(fit.params.r / truth.r - 1)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(fit.params.alpha / truth.alpha - 1)).toBeLessThanOrEqual(0.05);
  });

  it('fits 1,000,000 CDNOW-like customers through collapsed histories, each parameter within 5%', () => {
    // Prepare
    const truth: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    const data = simulateBgNbd(truth, 1_000_000, 26, 78, 20_240_603);
    // Act
    const started = performance.now();
    const fit = fitBgNbd(data);
    const seconds = (performance.now() - started) / 1000;
    // Assess
    report('1M CDNOW-like', truth, fit.params, collapseHistories(data).unique, seconds, fit.iterations);
    expect(fit.converged).toBe(true);
    for (const key of KEYS) expect(Math.abs(fit.params[key] / truth[key] - 1)).toBeLessThanOrEqual(0.05);
  }, 60_000);
});

/** Prints truth, estimate, relative error and standard error per parameter; returns the log-scale SEs. */
function report(
  label: string,
  truth: BgNbdParams,
  fitted: BgNbdParams,
  data: RfmData,
  seconds: number,
  iterations: number,
): number[] {
  const errors = logScaleStandardErrors(fitted, data);
  const rows = KEYS.map(
    (key, i) =>
      `${key.padEnd(5)} true ${truth[key].toFixed(4)} fitted ${fitted[key].toFixed(4)} ` +
      `error ${(100 * (fitted[key] / truth[key] - 1)).toFixed(2)}% (SE ${(100 * (errors[i] as number)).toFixed(2)}%)`,
  );
  console.log(
    `${label}: ${data.x.length} unique histories, fit ${seconds.toFixed(2)} s, ${iterations} iterations\n  ${rows.join('\n  ')}`,
  );
  return errors;
}

/** √diag of the inverse observed information in log-parameters (central differences of the analytic gradient). */
function logScaleStandardErrors(params: BgNbdParams, data: RfmData): number[] {
  const gradientInLogs = (p: BgNbdParams): number[] =>
    bgNbdLogLikelihoodGradient(p, data).map((g, i) => g * p[KEYS[i] as keyof BgNbdParams]);
  const h = 1e-5;
  const information = KEYS.map((key) => {
    const up = gradientInLogs({ ...params, [key]: params[key] * Math.exp(h) });
    const down = gradientInLogs({ ...params, [key]: params[key] * Math.exp(-h) });
    return up.map((g, j) => -(g - (down[j] as number)) / (2 * h));
  });
  return invert(information).map((row, i) => Math.sqrt(row[i] as number));
}

/** Gauss–Jordan inverse with partial pivoting (4 × 4 here). */
function invert(matrix: number[][]): number[][] {
  const n = matrix.length;
  const m = matrix.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) {
      if (Math.abs(m[row]?.[col] as number) > Math.abs(m[pivot]?.[col] as number)) pivot = row;
    }
    [m[col], m[pivot]] = [m[pivot] as number[], m[col] as number[]];
    const lead = m[col] as number[];
    const scale = lead[col] as number;
    for (let j = 0; j < 2 * n; j++) lead[j] = (lead[j] as number) / scale;
    for (const [r, row] of m.entries()) {
      if (r === col) continue;
      const factor = row[col] as number;
      for (let j = 0; j < 2 * n; j++) row[j] = (row[j] as number) - factor * (lead[j] as number);
    }
  }
  return m.map((row) => row.slice(n));
}
