/**
 * The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): while alive a customer buys as a Poisson
 * process with rate λ ~ Gamma(r, rate α); the lifetime is exponential with rate μ ~ Gamma(s, rate β),
 * λ and μ independent across customers. Formulas from Fader & Hardie (2005), "A note on deriving the
 * Pareto/NBD model and related expressions" (note 009; equation numbers as lifetimes 0.11.3 cites
 * them), evaluated in log space as in Fader, Hardie & Lee (2005), "A note on implementing the
 * Pareto/NBD model in MATLAB" (note 008), lifetimes' `_conditional_log_likelihood` and BTYD's `pnbd.LL`.
 */
import { type FitReport, ModelFitError, type ParetoNbdParams, type RfmData } from './btyd-types.js';
import { logHyp2f1 } from './hypergeometric.js';
import { minimize } from './optimize.js';
import { lgamma, logAddExp, logSubExp } from './special-functions.js';

const validParams = ({ r, alpha, s, beta }: ParetoNbdParams): boolean =>
  [r, alpha, s, beta].every((v) => v > 0 && Number.isFinite(v));

const validHistory = (x: number, tx: number, T: number): boolean =>
  x >= 0 && tx >= 0 && T >= tx && Number.isFinite(x) && Number.isFinite(T);

/**
 * log[₂F₁(r+s+x, b; r+s+x+1; |α−β|/(m+t)) / (m+t)^(r+s+x)] with m = max(α, β) and b = s + 1 when α ≥ β,
 * r + x when α < β: the two halves of A₀ (note 009, eqs. 19–20). Both branches meet at α = β, where the
 * argument is 0. 1 − z = (min(α, β) + t)/(m + t) is passed exactly so z near 1 loses no digits.
 */
function logA0Half(p: ParetoNbdParams, x: number, t: number): number {
  const { r, alpha, s, beta } = p;
  const rsx = r + s + x;
  const high = Math.max(alpha, beta) + t;
  const low = Math.min(alpha, beta) + t;
  const b = alpha >= beta ? s + 1 : r + x;
  return logHyp2f1(rsx, b, rsx + 1, Math.abs(alpha - beta) / high, low / high) - rsx * Math.log(high);
}

/**
 * log of the two parts of the likelihood (note 009, eq. 18) without the common factor
 * Γ(r+x)α^r β^s/Γ(r): `alive` = log[(α+T)^−(r+x) (β+T)^−s], customers still alive at T, and `dead` =
 * log[s/(r+s+x)·A₀], those who died between t_x and T. A₀ is a difference of two positive terms
 * (logSubExp); it is 0 when t_x = T, and rounding may not make it negative. `firstHalf` is
 * logA0Half(p, x, t_x) when the caller has it.
 */
function logParts(
  p: ParetoNbdParams,
  x: number,
  tx: number,
  T: number,
  firstHalf?: number,
): { alive: number; dead: number } {
  const { r, alpha, s, beta } = p;
  const alive = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  if (!(T > tx)) return { alive, dead: Number.NEGATIVE_INFINITY };
  const first = firstHalf ?? logA0Half(p, x, tx);
  const second = logA0Half(p, x, T);
  const logA0 = second < first ? logSubExp(first, second) : Number.NEGATIVE_INFINITY;
  return { alive, dead: Math.log(s) - Math.log(r + s + x) + logA0 };
}

/** log[Γ(r+x)α^r β^s/Γ(r)], the likelihood's common factor. */
const logFactor = ({ r, alpha, s, beta }: ParetoNbdParams, x: number): number =>
  lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + s * Math.log(beta);

function rowLogLikelihood(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  if (!validHistory(x, tx, T)) return Number.NaN;
  const { alive, dead } = logParts(p, x, tx, T);
  return logFactor(p, x) + logAddExp(alive, dead);
}

/**
 * Per-row log-likelihood log L(r, α, s, β | x, t_x, T) (note 009, eqs. 18–20), unweighted; NaN for
 * invalid parameters or a row outside 0 ≤ t_x ≤ T, x ≥ 0.
 */
export function paretoNbdLogLikelihoods(params: ParetoNbdParams, data: RfmData): Float64Array {
  const out = new Float64Array(data.x.length);
  if (!validParams(params)) return out.fill(Number.NaN);
  for (let i = 0; i < out.length; i++) {
    out[i] = rowLogLikelihood(
      params,
      data.x[i] ?? Number.NaN,
      data.tx[i] ?? Number.NaN,
      data.T[i] ?? Number.NaN,
    );
  }
  return out;
}

const weightAt = (data: RfmData, i: number): number => (data.weight ? (data.weight[i] ?? 0) : 1);

/** Weighted sum of `paretoNbdLogLikelihoods` (rows of weight 0 skipped); NaN if any weighted row is invalid. */
export function paretoNbdLogLikelihood(params: ParetoNbdParams, data: RfmData): number {
  const rows = paretoNbdLogLikelihoods(params, data);
  let sum = 0;
  for (let i = 0; i < rows.length; i++) {
    const w = weightAt(data, i);
    if (w !== 0) sum += w * (rows[i] ?? 0);
  }
  return sum;
}

/** The rows with positive weight, checked; throws ModelFitError on an invalid one. */
function fitRows(data: RfmData): {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
} {
  const keep: number[] = [];
  for (let i = 0; i < data.x.length; i++) {
    const w = weightAt(data, i);
    if (w === 0) continue;
    const [x, tx, T] = [data.x[i] ?? Number.NaN, data.tx[i] ?? Number.NaN, data.T[i] ?? Number.NaN];
    if (!(w > 0 && Number.isFinite(w) && validHistory(x, tx, T))) {
      throw new ModelFitError(
        `Pareto/NBD: row ${i} is not a valid history (x=${x}, t_x=${tx}, T=${T}, weight=${w})`,
      );
    }
    keep.push(i);
  }
  const pick = (v: ArrayLike<number>) => Float64Array.from(keep, (i) => v[i] ?? 0);
  return {
    x: pick(data.x),
    tx: pick(data.tx),
    T: pick(data.T),
    weight: Float64Array.from(keep, (i) => weightAt(data, i)),
  };
}

/**
 * Upper bound of the shapes r and s. When purchase or dropout rates barely vary across customers, the
 * likelihood keeps rising ever more slowly as a shape and its rate grow together (Gamma(s, β) tends to
 * the point mass at s/β): on the sample's BG/NBD-generated calibration data the log-likelihood at s = 20
 * is within 0.01 of its limit, while the ₂F₁ series' length grows with r + s + x (20× slower at s = 100).
 * A shape of 20 already means a coefficient of variation of 1/√20 ≈ 22% across customers.
 */
export const SHAPE_BOUND = 20;
/** |log| bound of the scale parameters α and β (as optimize's default). */
const DEFAULT_LOG_BOUND = 50;

/**
 * Maximum-likelihood fit (note 009, eq. 18) on θ = log(r, α, s, β) with the deterministic BFGS of
 * `minimize` and central-difference gradients; the objective is the mean negative log-likelihood per
 * customer so its tolerances do not depend on the number of customers. The default start, r = s = 1,
 * α = T̄/max(x̄, 0.1), β = T̄, scales with the time unit, so days and weeks give the same fit. Throws
 * ModelFitError for no rows, an invalid row, or no finite optimum.
 */
export function fitParetoNbd(
  data: RfmData,
  options: { readonly initial?: ParetoNbdParams; readonly maxIterations?: number } = {},
): FitReport<ParetoNbdParams> {
  const rows = fitRows(data);
  const n = rows.x.length;
  const totalWeight = rows.weight.reduce((sum, w) => sum + w, 0);
  if (n === 0) throw new ModelFitError('Pareto/NBD: no customers to fit');
  let meanX = 0;
  let meanT = 0;
  for (let i = 0; i < n; i++) {
    meanX += ((rows.weight[i] as number) * (rows.x[i] as number)) / totalWeight;
    meanT += ((rows.weight[i] as number) * (rows.T[i] as number)) / totalWeight;
  }
  const scale = meanT > 0 ? meanT : 1;
  const initial = options.initial ?? { r: 1, alpha: scale / Math.max(meanX, 0.1), s: 1, beta: scale };
  // Rows share x (and, for x = 0, t_x = 0): the common factor and A₀'s first half are computed once per x.
  const slotOf = new Map<number, number>();
  for (const x of rows.x) if (!slotOf.has(x)) slotOf.set(x, slotOf.size);
  const distinct = [...slotOf.keys()];
  const slot = Float64Array.from(rows.x, (x) => slotOf.get(x) as number);
  const objective = (theta: readonly number[]): number => {
    const p: ParetoNbdParams = {
      r: Math.exp(theta[0] ?? 0),
      alpha: Math.exp(theta[1] ?? 0),
      s: Math.exp(theta[2] ?? 0),
      beta: Math.exp(theta[3] ?? 0),
    };
    const factor = distinct.map((x) => logFactor(p, x));
    const halfAtZero = distinct.map((x) => logA0Half(p, x, 0));
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const k = slot[i] as number;
      const tx = rows.tx[i] as number;
      const { alive, dead } = logParts(
        p,
        rows.x[i] as number,
        tx,
        rows.T[i] as number,
        tx === 0 ? halfAtZero[k] : undefined,
      );
      sum += (rows.weight[i] as number) * ((factor[k] as number) + logAddExp(alive, dead));
    }
    return -sum / totalWeight;
  };
  const start = [initial.r, initial.alpha, initial.s, initial.beta].map(Math.log);
  const upper = [Math.log(SHAPE_BOUND), DEFAULT_LOG_BOUND, Math.log(SHAPE_BOUND), DEFAULT_LOG_BOUND];
  const result = minimize(
    objective,
    start.map((v, i) => Math.min(v, upper[i] as number)),
    {
      upper,
      lower: upper.map(() => -DEFAULT_LOG_BOUND),
      ...(options.maxIterations === undefined ? {} : { maxIterations: options.maxIterations }),
    },
  );
  const [r, alpha, s, beta] = result.x.map(Math.exp) as [number, number, number, number];
  const atBound = [
    ...(r >= SHAPE_BOUND * (1 - 1e-6) ? [`r reached its bound ${SHAPE_BOUND}`] : []),
    ...(s >= SHAPE_BOUND * (1 - 1e-6) ? [`s reached its bound ${SHAPE_BOUND}`] : []),
  ];
  const logLikelihood = -result.value * totalWeight;
  if (![r, alpha, s, beta, logLikelihood].every(Number.isFinite)) {
    throw new ModelFitError(`Pareto/NBD: no finite optimum (${result.message})`);
  }
  return {
    params: { r, alpha, s, beta },
    logLikelihood,
    iterations: result.iterations,
    converged: result.converged,
    message:
      `${result.message}; fitted on ${n} rows (total weight ${totalWeight})` +
      (atBound.length > 0 ? `; ${atBound.join(', ')} (rates look homogeneous; see SHAPE_BOUND)` : ''),
  };
}

/** (1 − e^(−κℓ))/κ, continuous at κ = 0 (where it is ℓ): the (1 − (β/(β+t))^(s−1))/(s − 1) of eqs. 27 and 41. */
function powerDifference(kappa: number, ell: number): number {
  const w = -kappa * ell;
  return w === 0 ? ell : (ell * Math.expm1(w)) / w;
}

/**
 * E[X(t)] for a new customer (note 009, eq. 27): rβ/(α(s − 1))·[1 − (β/(β + t))^(s−1)], which is
 * (rβ/α)·log(1 + t/β) at s = 1; NaN for t < 0 or invalid parameters.
 */
export function expectedPurchasesNew(params: ParetoNbdParams, t: number): number {
  const { r, alpha, s, beta } = params;
  if (!validParams(params) || !(t >= 0 && Number.isFinite(t))) return Number.NaN;
  return ((r * beta) / alpha) * powerDifference(s - 1, Math.log1p(t / beta));
}

/**
 * P(alive at T | x, t_x, T) (note 009, eqs. 36–37): [1 + s/(r+s+x)·(α+T)^(r+x)(β+T)^s·A₀]^−1, as
 * 1/(1 + e^(dead − alive)); in [0, 1]. NaN for invalid input.
 */
export function probabilityAlive(params: ParetoNbdParams, x: number, tx: number, T: number): number {
  if (!validParams(params) || !validHistory(x, tx, T)) return Number.NaN;
  const { alive, dead } = logParts(params, x, tx, T);
  const d = dead - alive;
  return d > 0 ? Math.exp(-d) / (1 + Math.exp(-d)) : 1 / (1 + Math.exp(d));
}

/**
 * E[Y(t) | x, t_x, T], expected purchases in (T, T + t] (note 009, eq. 41):
 * (r+x)(β+T)/((α+T)(s−1))·[1 − ((β+T)/(β+T+t))^(s−1)]·P(alive); NaN for invalid input.
 */
export function conditionalExpectedPurchases(
  params: ParetoNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  const { r, alpha, s, beta } = params;
  if (!(t >= 0 && Number.isFinite(t))) return Number.NaN;
  const alive = probabilityAlive(params, x, tx, T);
  const rate = (r + x) / (alpha + T);
  return rate * (beta + T) * powerDifference(s - 1, Math.log1p(t / (beta + T))) * alive;
}
