/**
 * BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way: an alternative to the
 * Pareto/NBD model", Marketing Science 24(2), 275–284; "FHL" below): while alive a customer buys as a
 * Poisson process with rate λ ~ Gamma(r, α); after each purchase they drop out with probability
 * p ~ Beta(a, b). Times are in the caller's unit (α carries it). Pure: no clock, no randomness.
 */

import { collapseHistories } from './btyd-summary.js';
import type { BgNbdParams, FitReport, RfmData } from './btyd-types.js';
import { ModelFitError } from './btyd-types.js';
import { minimize } from './optimize.js';
import { digamma, lbeta, lgamma, logAddExp } from './special-functions.js';

// Per-x sums Σ_{j<x} f(j) (exact differences of log Γ and ψ at integer shifts) for x = 0..size−1.
interface ShiftTables {
  readonly logRise: Float64Array; // log Γ(r+x) − log Γ(r)
  readonly logBetaRatio: Float64Array; // log B(a, b+x) − log B(a, b)
  readonly psiR: Float64Array; // ψ(r+x) − ψ(r)
  readonly psiAb: Float64Array; // ψ(a+b+x) − ψ(a+b)
  readonly psiB: Float64Array; // ψ(b+x) − ψ(b)
}

const MAX_TABLE = 100_000;

function shiftTables(p: BgNbdParams, size: number): ShiftTables {
  const t = {
    logRise: new Float64Array(size),
    logBetaRatio: new Float64Array(size),
    psiR: new Float64Array(size),
    psiAb: new Float64Array(size),
    psiB: new Float64Array(size),
  };
  for (let j = 0; j + 1 < size; j++) {
    t.logRise[j + 1] = (t.logRise[j] as number) + Math.log(p.r + j);
    t.logBetaRatio[j + 1] = (t.logBetaRatio[j] as number) + Math.log((p.b + j) / (p.a + p.b + j));
    t.psiR[j + 1] = (t.psiR[j] as number) + 1 / (p.r + j);
    t.psiAb[j + 1] = (t.psiAb[j] as number) + 1 / (p.a + p.b + j);
    t.psiB[j + 1] = (t.psiB[j] as number) + 1 / (p.b + j);
  }
  return t;
}

function maxCount(data: RfmData): number {
  let max = 0;
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i] as number;
    if (Number.isInteger(x) && x > max && x < MAX_TABLE) max = x;
  }
  return max + 1;
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
  const size = maxCount(data);
  const tables = shiftTables(p, size);
  const lgR = lgamma(r);
  const lgB = lgamma(b);
  const lgAb = lgamma(a + b);
  const [psiR, psiB, psiAb] = gradient ? [digamma(r), digamma(b), digamma(a + b)] : [0, 0, 0];
  const logAlpha = Math.log(alpha);
  const logA = Math.log(a);
  let total = 0;
  let gR = 0;
  let gAlpha = 0;
  let gA = 0;
  let gB = 0;
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i] as number;
    const tx = data.tx[i] as number;
    const T = data.T[i] as number;
    const w = data.weight ? (data.weight[i] as number) : 1;
    const inTable = Number.isInteger(x) && x >= 0 && x < size;
    const logRise = inTable ? (tables.logRise[x] as number) : lgamma(r + x) - lgR;
    const a1 = logRise + r * logAlpha;
    const a2 = inTable ? (tables.logBetaRatio[x] as number) : lgAb + lgamma(b + x) - lgB - lgamma(a + b + x);
    const logAlphaT = Math.log(alpha + T);
    const logAlphaTx = Math.log(alpha + tx);
    const a3 = -(r + x) * logAlphaT;
    const a4 = x > 0 ? logA - Math.log(b + x - 1) - (r + x) * logAlphaTx : Number.NEGATIVE_INFINITY;
    const a34 = logAddExp(a3, a4);
    const ll = a1 + a2 + a34;
    if (perRow) perRow[i] = ll;
    total += w * ll;
    if (gradient) {
      // Shares of the two terms of eq. (6): w3 = alive at T, w4 = dropped out after the last purchase.
      const w3 = Math.exp(a3 - a34);
      const w4 = x > 0 ? Math.exp(a4 - a34) : 0;
      const dPsiR = inTable ? (tables.psiR[x] as number) : digamma(r + x) - psiR;
      const dPsiAb = inTable ? (tables.psiAb[x] as number) : digamma(a + b + x) - psiAb;
      const dPsiB = inTable ? (tables.psiB[x] as number) : digamma(b + x) - psiB;
      gR += w * (dPsiR + logAlpha - w3 * logAlphaT - w4 * logAlphaTx);
      gAlpha += w * (r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + tx)));
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

// Above this many series terms (t ≫ α + T) the Beta mixture is integrated by quadrature instead.
const MAX_SERIES_TERMS = 2_000_000;
const RESCALE = 1e200;
const LOG_RESCALE = Math.log(RESCALE);

/**
 * E_p[(1 − (1 + p·u)^(−r)) / p] for p ~ Beta(a, b): the expected purchases in an interval of length
 * u (in units of the Gamma scale) of a customer alive at its start. FHL eqs. (9) and (10) write it as
 * (a+b−1)/(a−1)·[1 − (1−z)^r ₂F₁(r, b; a+b−1; z)] with z = u/(1+u). Expanding (1 + p·u)^(−r) =
 * (1−z)^r (1 − z(1−p))^(−r) in powers of z gives the same value as a negative-binomial mixture,
 * Σ_n NB(n; r, z)·D_n with D_n = Σ_{j<n} E[(1−p)^j] = Σ_{j<n} (b)_j/(a+b)_j: all terms positive, no
 * pole at a = 1 or a+b = 1, no cancellation for small t, and no overflow for r + x in the thousands.
 */
function expectedPurchasesMixture(r: number, a: number, b: number, u: number): number {
  if (!(u > 0)) return 0;
  const terms = r * u + 10 * Math.sqrt(r * u * (1 + u)) + (45 + Math.log1p(u)) * (1 + u);
  return terms <= MAX_SERIES_TERMS ? mixtureSeries(r, a, b, u) : mixtureQuadrature(r, a, b, u);
}

function mixtureSeries(r: number, a: number, b: number, u: number): number {
  const z = u / (1 + u);
  // NB weights w_n = (1−z)^r (r)_n z^n / n!, carried as w·e^logScale so neither end under/overflows.
  let logScale = -r * Math.log1p(u);
  let w = 1;
  let rho = 1; // (b)_n / (a+b)_n = E[(1−p)^n]
  let d = 0; // D_n
  let sum = 0;
  for (let n = 0; n < 4 * MAX_SERIES_TERMS; n++) {
    sum += w * d;
    d += rho;
    rho *= (b + n) / (a + b + n);
    const ratio = ((r + n) * z) / (n + 1);
    w *= ratio;
    if (w > RESCALE) {
      w /= RESCALE;
      sum /= RESCALE;
      logScale += LOG_RESCALE;
    }
    // Tail bound: D_k/k is non-increasing and k·w_k falls by at most θ per step from here on.
    const theta = ((r + n + 1) * z) / (n + 1);
    if (w === 0 || (theta < 1 && sum > 0 && (w * d) / (1 - theta) <= 1e-17 * sum)) break;
  }
  return sum * Math.exp(logScale);
}

/**
 * The same expectation by the trapezoidal rule in τ with logit(p) = log(a/b) + σ·sinh(τ): the Beta
 * density is log-concave in logit(p), so the integrand decays double-exponentially in τ and the rule
 * converges geometrically (Trefethen & Weideman 2014, SIAM Review 56(3), §5). Used only when t ≫ α + T.
 */
function mixtureQuadrature(r: number, a: number, b: number, u: number): number {
  const center = Math.log(a / b);
  const sigma = Math.sqrt((a + b) / (a * b));
  const logNorm = -lbeta(a, b);
  const logU = Math.log(u);
  const f = (tau: number): number => {
    const s = center + sigma * Math.sinh(tau);
    const logP = s > 0 ? -Math.log1p(Math.exp(-s)) : s - Math.log1p(Math.exp(s));
    // p·u via logs (p may be subnormal); below 1e-8/(r+1) the two-term expansion of h is exact in doubles.
    const pu = Math.exp(logP + logU);
    const h =
      (r + 1) * pu < 1e-8
        ? r * u * (1 - 0.5 * (r + 1) * pu)
        : -Math.expm1(-r * Math.log1p(pu)) / Math.exp(logP);
    const density = Math.exp(a * logP + b * (logP - s) + logNorm);
    return density * h * sigma * Math.cosh(tau);
  };
  // Truncate where the (unimodal) integrand has fallen below 1e-18 of the largest value seen.
  let peak = f(0);
  const edge = (direction: number): number => {
    let tau = 0;
    for (;;) {
      tau += direction * 0.25;
      const value = f(tau);
      peak = Math.max(peak, value);
      if ((value <= 1e-18 * peak && Math.abs(tau) > 1) || Math.abs(tau) >= 20) return tau;
    }
  };
  const lo = edge(-1);
  const hi = edge(1);
  let step = 0.25;
  let total = 0;
  for (let k = Math.ceil(lo / step); k * step <= hi; k++) total += f(k * step);
  let estimate = total * step;
  for (let level = 0; level < 10; level++) {
    step /= 2;
    for (let k = Math.ceil(lo / step); k * step <= hi; k++) if (k % 2 !== 0) total += f(k * step);
    const refined = total * step;
    const converged = Math.abs(refined - estimate) <= 1e-13 * refined;
    estimate = refined;
    if (converged) break;
  }
  return estimate;
}

/** E[X(t)] for a new customer, FHL eq. (9): expected repeat purchases in (0, t]. */
export function expectedPurchasesNew(params: BgNbdParams, t: number): number {
  return expectedPurchasesMixture(params.r, params.a, params.b, t / params.alpha);
}

/**
 * P(alive | x, t_x, T) = 1 / (1 + δ_{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)) (Fader, Hardie & Lee 2008,
 * "Computing P(alive) using the BG/NBD model", note 021; the denominator of FHL eq. (10)); 1 when x = 0.
 * The odds are formed in log space so x in the hundreds never overflows.
 */
export function probabilityAlive(params: BgNbdParams, x: number, tx: number, T: number): number {
  if (!(x > 0)) return 1;
  const { r, alpha, a, b } = params;
  const logOdds = Math.log(a) - Math.log(b + x - 1) + (r + x) * Math.log1p((T - tx) / (alpha + tx));
  return logOdds > 0 ? Math.exp(-logOdds) / (1 + Math.exp(-logOdds)) : 1 / (1 + Math.exp(logOdds));
}

/**
 * E[Y(t) | x, t_x, T], FHL eq. (10): P(alive) times the expected purchases in (T, T+t] of a customer
 * alive at T, whose posterior is λ ~ Gamma(r+x, α+T), p ~ Beta(a, b+x) (eq. (10)'s ₂F₁ with z =
 * t/(α+T+t), evaluated as the series of `expectedPurchasesMixture`).
 */
export function conditionalExpectedPurchases(
  params: BgNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  const { r, alpha, a, b } = params;
  const alive = probabilityAlive(params, x, tx, T);
  if (alive === 0) return 0;
  return alive * expectedPurchasesMixture(r + x, a, b + x, t / (alpha + T));
}

/** log P(N ≥ n) for N ~ NB(r, z), pmf Γ(r+j)/(Γ(r) j!)·(1−z)^r z^j (the bracket of FHL eq. (8)). */
function logNbSurvival(r: number, n: number, logZ: number, logOneMinusZ: number): number {
  let logTerm = r * logOneMinusZ;
  let logHead = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < n; j++) {
    logHead = logAddExp(logHead, logTerm);
    logTerm += Math.log((r + j) / (j + 1)) + logZ;
  }
  // 1 − head loses at most three digits below 0.999; past that, sum the tail itself.
  if (logHead < Math.log(0.999)) return Math.log1p(-Math.exp(logHead));
  let logTail = Number.NEGATIVE_INFINITY;
  const z = Math.exp(logZ);
  for (let j = n; j < n + 10_000_000; j++) {
    logTail = logAddExp(logTail, logTerm);
    logTerm += Math.log((r + j) / (j + 1)) + logZ;
    // The term ratio (r+k)z/(k+1) tends to z: from above when r ≥ 1, from below otherwise.
    const theta = r >= 1 ? ((r + j + 1) * z) / (j + 2) : z;
    if (theta < 1 && logTerm - Math.log1p(-theta) <= logTail - 39) break;
  }
  return logTail;
}

/** P(X(t) = n) for a new customer, FHL eq. (8), evaluated in log space. */
export function probabilityOfPurchases(params: BgNbdParams, t: number, n: number): number {
  if (!(n >= 0) || !Number.isInteger(n)) return 0;
  if (!(t > 0)) return n === 0 ? 1 : 0;
  const { r, alpha, a, b } = params;
  const u = t / alpha;
  const logOneMinusZ = -Math.log1p(u); // log(α/(α+t))
  const logZ = -Math.log1p(1 / u); // log(t/(α+t))
  const logBetaAb = lbeta(a, b);
  const alive =
    lbeta(a, b + n) -
    logBetaAb +
    lgamma(r + n) -
    lgamma(r) -
    lgamma(n + 1) +
    r * logOneMinusZ +
    (n > 0 ? n * logZ : 0);
  const dropped =
    n > 0
      ? lbeta(a + 1, b + n - 1) - logBetaAb + logNbSurvival(r, n, logZ, logOneMinusZ)
      : Number.NEGATIVE_INFINITY;
  return Math.min(1, Math.exp(logAddExp(alive, dropped)));
}
