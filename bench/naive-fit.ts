/**
 * Bench-only: the straightforward BG/NBD fit the model bench compares against. Derivative-free
 * Nelder–Mead (scipy's derivative-free method, as lifetimes' earlier fitters used) on the log-parameters, over every
 * customer's row (no grouping of identical histories), with the same likelihood function and the same
 * starting point as `fitBgNbd`.
 */
import { bgNbdLogLikelihood } from '../lambdas/model/bg-nbd.js';
import type { BgNbdParams, RfmData } from '../lambdas/model/btyd-types.js';

export interface NelderMeadOptions {
  /** scipy's `tol` as lifetimes passes it: both xatol and fatol. @default 1e-7 */
  readonly tolerance?: number;
  /** scipy's default 200 × dimensions. @default 800 */
  readonly maxEvaluations?: number;
  /** Stop once this much wall time has passed (checked between evaluations). @default ∞ */
  readonly maxSeconds?: number;
}

export interface NelderMeadResult {
  readonly x: number[];
  readonly value: number;
  readonly iterations: number;
  readonly evaluations: number;
  /** Why it stopped: 'converged', 'evaluation cap' or 'time cap'. */
  readonly stop: 'converged' | 'evaluation cap' | 'time cap';
}

/**
 * scipy.optimize's Nelder–Mead (`_minimize_neldermead`, non-adaptive: ρ = 1, χ = 2, ψ = ½, σ = ½; the
 * start simplex moves each coordinate by 5%, or to 0.00025 when it is 0; stops when both the simplex and
 * its values span at most `tolerance`).
 */
export function nelderMead(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  options: NelderMeadOptions = {},
): NelderMeadResult {
  const n = x0.length;
  const tolerance = options.tolerance ?? 1e-7;
  const maxEvaluations = options.maxEvaluations ?? 200 * n;
  const deadline = performance.now() + 1000 * (options.maxSeconds ?? Number.POSITIVE_INFINITY);
  let evaluations = 0;
  const value = (x: readonly number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  const simplex: number[][] = [[...x0]];
  for (let k = 0; k < n; k++) {
    const y = [...x0];
    y[k] = y[k] !== 0 ? 1.05 * (y[k] as number) : 0.00025;
    simplex.push(y);
  }
  let values = simplex.map(value);
  const order = (): void => {
    const idx = values.map((_, i) => i).sort((i, j) => (values[i] as number) - (values[j] as number));
    const [s, v] = [idx.map((i) => simplex[i] as number[]), idx.map((i) => values[i] as number)];
    simplex.splice(0, simplex.length, ...s);
    values = v;
  };
  order();
  const combine = (c: number, a: readonly number[], d: number, b: readonly number[]): number[] =>
    a.map((ai, i) => c * ai + d * (b[i] as number));
  let iterations = 0;
  let stop: NelderMeadResult['stop'] = 'evaluation cap';
  while (evaluations < maxEvaluations && iterations < maxEvaluations) {
    const best = simplex[0] as number[];
    const spread = Math.max(
      ...simplex.slice(1).flatMap((s) => s.map((v, i) => Math.abs(v - (best[i] as number)))),
    );
    const fSpread = Math.max(...values.slice(1).map((v) => Math.abs((values[0] as number) - v)));
    if (spread <= tolerance && fSpread <= tolerance) {
      stop = 'converged';
      break;
    }
    if (performance.now() > deadline) {
      stop = 'time cap';
      break;
    }
    const worst = simplex[n] as number[];
    const centroid = best.map((_, i) => simplex.slice(0, n).reduce((s, v) => s + (v[i] as number), 0) / n);
    const xr = combine(2, centroid, -1, worst);
    const fr = value(xr);
    let shrink = false;
    if (fr < (values[0] as number)) {
      const xe = combine(3, centroid, -2, worst);
      const fe = value(xe);
      [simplex[n], values[n]] = fe < fr ? [xe, fe] : [xr, fr];
    } else if (fr < (values[n - 1] as number)) {
      [simplex[n], values[n]] = [xr, fr];
    } else if (fr < (values[n] as number)) {
      const xc = combine(1.5, centroid, -0.5, worst);
      const fc = value(xc);
      if (fc <= fr) [simplex[n], values[n]] = [xc, fc];
      else shrink = true;
    } else {
      const xcc = combine(0.5, centroid, 0.5, worst);
      const fcc = value(xcc);
      if (fcc < (values[n] as number)) [simplex[n], values[n]] = [xcc, fcc];
      else shrink = true;
    }
    if (shrink) {
      for (let j = 1; j <= n; j++) {
        simplex[j] = combine(0.5, best, 0.5, simplex[j] as number[]);
        values[j] = value(simplex[j] as number[]);
      }
    }
    order();
    iterations++;
  }
  return { x: simplex[0] as number[], value: values[0] as number, iterations, evaluations, stop };
}

/** fitBgNbd's starting point (r = 1, α = Σ T / Σ x, a = b = 1), repeated here so both fits start alike. */
export function bgNbdStart(data: RfmData): BgNbdParams {
  let purchases = 0;
  let exposure = 0;
  for (let i = 0; i < data.x.length; i++) {
    purchases += data.x[i] as number;
    exposure += data.T[i] as number;
  }
  const alpha = purchases > 0 ? exposure / purchases : exposure / Math.max(data.x.length, 1);
  return { r: 1, alpha: alpha > 0 && Number.isFinite(alpha) ? alpha : 1, a: 1, b: 1 };
}

/** The straightforward fit: Nelder–Mead on the mean negative log-likelihood over every row, log-parameters. */
export function naiveFitBgNbd(
  data: RfmData,
  options: NelderMeadOptions = {},
): NelderMeadResult & { readonly params: BgNbdParams; readonly logLikelihood: number } {
  const n = data.x.length;
  const fromLog = (t: readonly number[]): BgNbdParams => ({
    r: Math.exp(t[0] as number),
    alpha: Math.exp(t[1] as number),
    a: Math.exp(t[2] as number),
    b: Math.exp(t[3] as number),
  });
  const start = bgNbdStart(data);
  const result = nelderMead(
    (t) => -bgNbdLogLikelihood(fromLog(t), data) / n,
    [Math.log(start.r), Math.log(start.alpha), Math.log(start.a), Math.log(start.b)],
    options,
  );
  const params = fromLog(result.x);
  return { ...result, params, logLikelihood: -result.value * n };
}
