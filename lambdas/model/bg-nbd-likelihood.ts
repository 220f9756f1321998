/**
 * BG/NBD log-likelihood, its gradient and the maximum-likelihood fit (Fader, Hardie & Lee 2005, "Counting
 * your customers the easy way", Marketing Science 24(2); "FHL" below). Pure: no clock, no randomness.
 */

import { collapseHistories } from './btyd-summary.js';
import type { BgNbdParams, FitReport, RfmData } from './btyd-types.js';
import { ModelFitError } from './btyd-types.js';
import { minimize } from './optimize.js';
import { digamma, lgamma, logAddExp } from './special-functions.js';

// Per-x sums Σ_{j<x} f(j) (exact differences of log Γ and ψ at integer shifts) for x = 0..size−1,
// and the per-x and per-time logs every row would otherwise recompute (the same expressions, so the
// same doubles).
interface Tables {
  readonly logRise: Float64Array; // log Γ(r+x) − log Γ(r)
  readonly logBetaRatio: Float64Array; // log B(a, b+x) − log B(a, b)
  readonly psiR: Float64Array; // ψ(r+x) − ψ(r)
  readonly psiAb: Float64Array; // ψ(a+b+x) − ψ(a+b)
  readonly psiB: Float64Array; // ψ(b+x) − ψ(b)
  readonly logBx: Float64Array; // log(b + x − 1), x ≥ 1
  readonly logAlphaPlus: Float64Array; // log(α + t) for whole t = 0..times−1 (T and t_x in whole days)
}

const MAX_TABLE = 100_000;

function tables(p: BgNbdParams, size: number, times: number): Tables {
  const t = {
    logRise: new Float64Array(size),
    logBetaRatio: new Float64Array(size),
    psiR: new Float64Array(size),
    psiAb: new Float64Array(size),
    psiB: new Float64Array(size),
    logBx: new Float64Array(size),
    logAlphaPlus: new Float64Array(times),
  };
  for (let j = 0; j + 1 < size; j++) {
    t.logRise[j + 1] = (t.logRise[j] as number) + Math.log(p.r + j);
    t.logBetaRatio[j + 1] = (t.logBetaRatio[j] as number) + Math.log((p.b + j) / (p.a + p.b + j));
    t.psiR[j + 1] = (t.psiR[j] as number) + 1 / (p.r + j);
    t.psiAb[j + 1] = (t.psiAb[j] as number) + 1 / (p.a + p.b + j);
    t.psiB[j + 1] = (t.psiB[j] as number) + 1 / (p.b + j);
  }
  for (let x = 1; x < size; x++) t.logBx[x] = Math.log(p.b + x - 1);
  for (let k = 0; k < times; k++) t.logAlphaPlus[k] = Math.log(p.alpha + k);
  return t;
}

/** One past the largest whole x and the largest whole T or t_x below MAX_TABLE (the tables' sizes). */
function tableSizes(data: RfmData): { readonly size: number; readonly times: number } {
  let maxX = 0;
  let maxTime = -1;
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i] as number;
    if (Number.isInteger(x) && x > maxX && x < MAX_TABLE) maxX = x;
    const T = data.T[i] as number;
    if (Number.isInteger(T) && T > maxTime && T < MAX_TABLE) maxTime = T;
    const tx = data.tx[i] as number;
    if (Number.isInteger(tx) && tx > maxTime && tx < MAX_TABLE) maxTime = tx;
  }
  return { size: maxX + 1, times: maxTime + 1 };
}

/**
 * Weighted log-likelihood and, when asked, its gradient in (r, α, a, b). Per customer, eq. (6) of FHL
 * in the form of Hardie's note 027: ℓ = A1 + A2 + log(e^A3 + δ_{x>0} e^A4).
 */
function evaluate(
  p: BgNbdParams,
  data: RfmData,
  perRow: Float64Array | null,
  gradient: number[] | null,
): number {
  const { r, alpha, a, b } = p;
  const { size, times } = tableSizes(data);
  const t = tables(p, size, times);
  const lgR = lgamma(r);
  const lgB = lgamma(b);
  const lgAb = lgamma(a + b);
  const [psiR, psiB, psiAb] = gradient ? [digamma(r), digamma(b), digamma(a + b)] : [0, 0, 0];
  const logAlpha = Math.log(alpha);
  const logA = Math.log(a);
  const rOverAlpha = r / alpha;
  const weight = data.weight;
  let total = 0;
  let gR = 0;
  let gAlpha = 0;
  let gA = 0;
  let gB = 0;
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i] as number;
    const tx = data.tx[i] as number;
    const T = data.T[i] as number;
    const w = weight ? (weight[i] as number) : 1;
    const inTable = Number.isInteger(x) && x >= 0 && x < size;
    const logRise = inTable ? (t.logRise[x] as number) : lgamma(r + x) - lgR;
    const a1 = logRise + r * logAlpha;
    const a2 = inTable ? (t.logBetaRatio[x] as number) : lgAb + lgamma(b + x) - lgB - lgamma(a + b + x);
    const logAlphaT =
      Number.isInteger(T) && T >= 0 && T < times ? (t.logAlphaPlus[T] as number) : Math.log(alpha + T);
    const logAlphaTx =
      Number.isInteger(tx) && tx >= 0 && tx < times ? (t.logAlphaPlus[tx] as number) : Math.log(alpha + tx);
    const a3 = -(r + x) * logAlphaT;
    const logBx = inTable ? (t.logBx[x] as number) : Math.log(b + x - 1);
    const a4 = x > 0 ? logA - logBx - (r + x) * logAlphaTx : Number.NEGATIVE_INFINITY;
    const a34 = logAddExp(a3, a4);
    const ll = a1 + a2 + a34;
    if (perRow) perRow[i] = ll;
    total += w * ll;
    if (gradient) {
      // Shares of the two terms of eq. (6): w3 = alive at T, w4 = dropped out after the last purchase.
      const w3 = Math.exp(a3 - a34);
      const w4 = x > 0 ? Math.exp(a4 - a34) : 0;
      const dPsiR = inTable ? (t.psiR[x] as number) : digamma(r + x) - psiR;
      const dPsiAb = inTable ? (t.psiAb[x] as number) : digamma(a + b + x) - psiAb;
      const dPsiB = inTable ? (t.psiB[x] as number) : digamma(b + x) - psiB;
      gR += w * (dPsiR + logAlpha - w3 * logAlphaT - w4 * logAlphaTx);
      gAlpha += w * (rOverAlpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + tx)));
      gA += w * (w4 / a - dPsiAb);
      gB += w * (dPsiB - dPsiAb - (x > 0 ? w4 / (b + x - 1) : 0));
    }
  }
  if (gradient) gradient.splice(0, gradient.length, gR, gAlpha, gA, gB);
  return total;
}

/** Per-customer log-likelihood, unweighted: eq. (6) of FHL as A1 + A2 + logaddexp(A3, A4) (Hardie, note 027). */
export function bgNbdLogLikelihoods(params: BgNbdParams, data: RfmData): Float64Array {
  const perRow = new Float64Array(data.x.length);
  evaluate(params, data, perRow, null);
  return perRow;
}

/** Weighted sum of the per-customer log-likelihoods (the sample log-likelihood, eq. (7) of FHL). */
export function bgNbdLogLikelihood(params: BgNbdParams, data: RfmData): number {
  return evaluate(params, data, null, null);
}

/** Gradient of `bgNbdLogLikelihood` in (r, α, a, b), analytic (derivatives of A1…A4 of note 027). */
export function bgNbdLogLikelihoodGradient(
  params: BgNbdParams,
  data: RfmData,
): [r: number, alpha: number, a: number, b: number] {
  const g: number[] = [];
  evaluate(params, data, null, g);
  return [g[0] as number, g[1] as number, g[2] as number, g[3] as number];
}

function startingPoint(data: RfmData): BgNbdParams {
  // λ ≈ purchases per unit time ignoring dropout, so α = r / λ with r = 1; a = b = 1 (uniform dropout).
  let purchases = 0;
  let exposure = 0;
  let weight = 0;
  for (let i = 0; i < data.x.length; i++) {
    const w = data.weight ? (data.weight[i] as number) : 1;
    purchases += w * (data.x[i] as number);
    exposure += w * (data.T[i] as number);
    weight += w;
  }
  const alpha = purchases > 0 ? exposure / purchases : exposure / Math.max(weight, 1);
  return { r: 1, alpha: alpha > 0 && Number.isFinite(alpha) ? alpha : 1, a: 1, b: 1 };
}

const fromLog = (theta: readonly number[]): BgNbdParams => ({
  r: Math.exp(theta[0] as number),
  alpha: Math.exp(theta[1] as number),
  a: Math.exp(theta[2] as number),
  b: Math.exp(theta[3] as number),
});

/**
 * Maximum-likelihood fit of FHL eq. (7) on log-parameters with the analytic gradient; the objective is
 * the mean negative log-likelihood per customer (for conditioning). Identical histories are collapsed
 * first. Deterministic. Throws ModelFitError when no finite optimum is found.
 */
export function fitBgNbd(
  data: RfmData,
  options?: { readonly initial?: BgNbdParams; readonly maxIterations?: number },
): FitReport<BgNbdParams> {
  const { unique } = collapseHistories(data);
  let totalWeight = 0;
  for (let i = 0; i < unique.x.length; i++) totalWeight += unique.weight?.[i] ?? 1;
  if (unique.x.length === 0 || !(totalWeight > 0) || !Number.isFinite(totalWeight)) {
    throw new ModelFitError('BG/NBD fit needs at least one customer with positive weight');
  }
  const start = options?.initial ?? startingPoint(unique);
  // minimize() asks for the gradient at the point it has just evaluated: compute both once, keep the last.
  let lastTheta: readonly number[] = [];
  let lastValue = Number.NaN;
  let lastGradient: number[] = [];
  const valueAndGradient = (theta: readonly number[]): void => {
    if (theta.length === lastTheta.length && theta.every((v, i) => v === lastTheta[i])) return;
    const p = fromLog(theta);
    const g: number[] = [];
    lastValue = -evaluate(p, unique, null, g) / totalWeight;
    const scale = [p.r, p.alpha, p.a, p.b];
    lastGradient = g.map((gi, i) => (-gi * (scale[i] as number)) / totalWeight);
    lastTheta = [...theta];
  };
  const result = minimize(
    (theta) => {
      valueAndGradient(theta);
      return lastValue;
    },
    [Math.log(start.r), Math.log(start.alpha), Math.log(start.a), Math.log(start.b)],
    {
      gradient: (theta) => {
        valueAndGradient(theta);
        return lastGradient;
      },
      maxIterations: options?.maxIterations ?? 500,
    },
  );
  const params = fromLog(result.x);
  const logLikelihood = bgNbdLogLikelihood(params, unique);
  if (!Number.isFinite(logLikelihood) || !Object.values(params).every(Number.isFinite)) {
    throw new ModelFitError(`BG/NBD fit found no finite optimum: ${result.message}`);
  }
  return {
    params,
    logLikelihood,
    iterations: result.iterations,
    converged: result.converged,
    message: result.message,
  };
}
