/**
 * BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way: an alternative to the
 * Pareto/NBD model", Marketing Science 24(2), 275–284; "FHL" below): while alive a customer buys as a
 * Poisson process with rate λ ~ Gamma(r, α); after each purchase they drop out with probability
 * p ~ Beta(a, b). Times are in the caller's unit (α carries it). Pure: no clock, no randomness.
 */

import { expectedPurchasesMixture } from './bg-nbd-mixture.js';
import { collapseHistories } from './btyd-summary.js';
import type { BgNbdParams, RfmData } from './btyd-types.js';
import { lbeta, lgamma, logAddExp } from './special-functions.js';

// The fit lives in its own file; every name stays importable from here.
export {
  bgNbdLogLikelihood,
  bgNbdLogLikelihoodGradient,
  bgNbdLogLikelihoods,
  fitBgNbd,
} from './bg-nbd-likelihood.js';

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

/**
 * `conditionalExpectedPurchases` of every history (row of `data`, weights ignored) at every horizon in
 * `horizons`: one array per horizon, in the order given, each with one value per row, equal to what the
 * single-history function returns. The factor for a customer alive at T (eq. (10) without P(alive))
 * depends on (x, T) only, so it is computed once per distinct (x, T) and shared by every t_x.
 */
export function conditionalExpectedPurchasesByHorizon(
  params: BgNbdParams,
  data: RfmData,
  horizons: readonly number[],
): Float64Array[] {
  const { r, alpha, a, b } = params;
  const n = data.x.length;
  // collapseHistories keys on (x, t_x, T): T in the t_x slot makes the key (x, T).
  const { unique: pairs, indexOf } = collapseHistories({ x: data.x, tx: data.T, T: data.T });
  const alive = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    alive[i] = probabilityAlive(params, data.x[i] as number, data.tx[i] as number, data.T[i] as number);
  }
  return horizons.map((t) => {
    const perPair = new Float64Array(pairs.x.length);
    for (let k = 0; k < perPair.length; k++) {
      const x = pairs.x[k] as number;
      perPair[k] = expectedPurchasesMixture(r + x, a, b + x, t / (alpha + (pairs.T[k] as number)));
    }
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const p = alive[i] as number;
      out[i] = p === 0 ? 0 : p * (perPair[indexOf[i] as number] as number);
    }
    return out;
  });
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
