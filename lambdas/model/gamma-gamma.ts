/**
 * The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV: Using
 * iso-value curves for customer base analysis", JMR 42(4), §2.1; Fader & Hardie 2013, "The Gamma-Gamma
 * model of monetary value", note 025). Each transaction value z ~ Gamma(p, rate ν); across customers
 * ν ~ Gamma(q, rate γ); spend is assumed independent of the purchase process (FHL 2005 §2.2), which
 * `spendFrequencyCorrelation` lets the run check and publish.
 */
import { type FitReport, type GammaGammaParams, ModelFitError, type SpendData } from './btyd-types.js';
import { minimize } from './optimize.js';
import { digamma, lbeta } from './special-functions.js';

const weightAt = (data: SpendData, i: number): number => (data.weight ? (data.weight[i] ?? 0) : 1);

/** A row the model describes: at least one repeat purchase and a positive mean repeat spend. */
function isSpendRow(x: number, monetary: number): boolean {
  return x > 0 && monetary > 0 && Number.isFinite(x) && Number.isFinite(monetary);
}

/**
 * log f(z̄ | p, q, γ; x), the density of a customer's mean repeat spend z̄ over x purchases (note 025,
 * eqs. 1a–1b). Form 1b, log f = −log z̄ − log B(px, q) + q·log(γ / (γ + xz̄)) + px·log(xz̄ / (γ + xz̄)),
 * is 1a with the Jacobian term px·log x folded in; both logs are of numbers below one, written with
 * log1p so large x·z̄ neither overflows nor cancels (note 025, fn. 1).
 */
function rowLogLikelihood(p: number, q: number, gamma: number, x: number, monetary: number): number {
  if (!isSpendRow(x, monetary)) return Number.NaN;
  const px = p * x;
  const spent = x * monetary;
  return -Math.log(monetary) - lbeta(px, q) - q * Math.log1p(spent / gamma) - px * Math.log1p(gamma / spent);
}

/**
 * Per-row log-likelihood of the mean repeat spend (note 025, eq. 1a, including the Jacobian term
 * px·log x). Rows outside the model (x ≤ 0, monetary ≤ 0, not finite) give NaN: filter them first, as
 * `fitGammaGamma` does.
 */
export function gammaGammaLogLikelihoods(params: GammaGammaParams, data: SpendData): Float64Array {
  const { p, q, gamma } = params;
  const out = new Float64Array(data.x.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = rowLogLikelihood(p, q, gamma, data.x[i] ?? 0, data.monetary[i] ?? 0);
  }
  return out;
}

/** Weighted sum of `gammaGammaLogLikelihoods` (note 025, eq. 6); NaN if any weighted row is outside the model. */
export function gammaGammaLogLikelihood(params: GammaGammaParams, data: SpendData): number {
  const rows = gammaGammaLogLikelihoods(params, data);
  let sum = 0;
  for (let i = 0; i < rows.length; i++) {
    const w = weightAt(data, i);
    if (w !== 0) sum += w * (rows[i] ?? 0);
  }
  return sum;
}

interface SpendRows {
  readonly x: Float64Array;
  readonly monetary: Float64Array;
  readonly weight: Float64Array;
  readonly totalWeight: number;
}

/** The rows the model is fitted on: x > 0, monetary > 0 and weight > 0. */
function spendRows(data: SpendData): SpendRows {
  const keep: number[] = [];
  for (let i = 0; i < data.x.length; i++) {
    const w = weightAt(data, i);
    if (isSpendRow(data.x[i] ?? 0, data.monetary[i] ?? 0) && w > 0 && Number.isFinite(w)) keep.push(i);
  }
  const x = Float64Array.from(keep, (i) => data.x[i] ?? 0);
  const monetary = Float64Array.from(keep, (i) => data.monetary[i] ?? 0);
  const weight = Float64Array.from(keep, (i) => weightAt(data, i));
  return { x, monetary, weight, totalWeight: weight.reduce((s, w) => s + w, 0) };
}

/**
 * Mean negative log-likelihood over θ = (log p, log q, log γ) and its analytic gradient: with u = x·z̄,
 * ∂ℓ/∂p = x[ψ(px + q) − ψ(px) − log(1 + γ/u)], ∂ℓ/∂q = ψ(px + q) − ψ(q) − log(1 + u/γ),
 * ∂ℓ/∂γ = q/γ − (px + q)/(γ + u), each times its parameter for the log scale. The mean (not the sum)
 * keeps the optimiser's tolerances independent of the number of customers. x takes few distinct values
 * (whole purchase days), so log B(px, q) and the ψ terms are computed once per value; log z̄ and u once
 * per row; and the gradient reuses the logs of the value pass at the same γ (minimize() asks for the
 * gradient where it last evaluated). Each term is the same expression as in `rowLogLikelihood`.
 */
function objective(rows: SpendRows): {
  value: (theta: readonly number[]) => number;
  gradient: (theta: readonly number[]) => number[];
} {
  const unpack = (theta: readonly number[]): [number, number, number] => [
    Math.exp(theta[0] ?? 0),
    Math.exp(theta[1] ?? 0),
    Math.exp(theta[2] ?? 0),
  ];
  const n = rows.x.length;
  const slotOf = new Map<number, number>();
  const slot = new Int32Array(n);
  const logMonetary = new Float64Array(n);
  const spent = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = rows.x[i] ?? 0;
    let s = slotOf.get(x);
    if (s === undefined) {
      s = slotOf.size;
      slotOf.set(x, s);
    }
    slot[i] = s;
    logMonetary[i] = Math.log(rows.monetary[i] ?? 0);
    spent[i] = x * (rows.monetary[i] ?? 0);
  }
  const xs = Float64Array.from(slotOf.keys());
  const perX = new Float64Array(xs.length);
  const perX2 = new Float64Array(xs.length);
  const logUp = new Float64Array(n); // log1p(u / γ) at loggedGamma
  const logDown = new Float64Array(n); // log1p(γ / u) at loggedGamma
  let loggedGamma = Number.NaN;
  const value = (theta: readonly number[]): number => {
    const [p, q, gamma] = unpack(theta);
    for (let k = 0; k < xs.length; k++) perX[k] = lbeta(p * (xs[k] as number), q);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const px = p * (rows.x[i] ?? 0);
      const u = spent[i] as number;
      const up = Math.log1p(u / gamma);
      const down = Math.log1p(gamma / u);
      logUp[i] = up;
      logDown[i] = down;
      sum +=
        (rows.weight[i] ?? 0) *
        (-(logMonetary[i] as number) - (perX[slot[i] as number] as number) - q * up - px * down);
    }
    loggedGamma = gamma;
    return -sum / rows.totalWeight;
  };
  const gradient = (theta: readonly number[]): number[] => {
    const [p, q, gamma] = unpack(theta);
    const psiQ = digamma(q);
    for (let k = 0; k < xs.length; k++) {
      perX[k] = digamma(p * (xs[k] as number) + q);
      perX2[k] = digamma(p * (xs[k] as number));
    }
    const cached = Object.is(gamma, loggedGamma);
    let dp = 0;
    let dq = 0;
    let dGamma = 0;
    for (let i = 0; i < n; i++) {
      const x = rows.x[i] ?? 0;
      const w = rows.weight[i] ?? 0;
      const u = spent[i] as number;
      const psiAll = perX[slot[i] as number] as number;
      const down = cached ? (logDown[i] as number) : Math.log1p(gamma / u);
      const up = cached ? (logUp[i] as number) : Math.log1p(u / gamma);
      dp += w * x * (psiAll - (perX2[slot[i] as number] as number) - down);
      dq += w * (psiAll - psiQ - up);
      dGamma += w * (q / gamma - (p * x + q) / (gamma + u));
    }
    const scale = -1 / rows.totalWeight;
    return [scale * p * dp, scale * q * dq, scale * gamma * dGamma];
  };
  return { value, gradient };
}

/**
 * Maximum-likelihood Gamma-Gamma fit (note 025, eq. 6) on log-scale parameters, using only the rows with
 * x > 0, monetary > 0 and weight > 0 (the report's message says how many). Throws `ModelFitError` when
 * no row qualifies, the optimum is not finite, or q ≤ 1: the population mean spend pγ/(q − 1) (note 025,
 * eqs. 2–4) would not exist.
 */
export function fitGammaGamma(
  data: SpendData,
  options: { readonly initial?: GammaGammaParams; readonly maxIterations?: number } = {},
): FitReport<GammaGammaParams> {
  const rows = spendRows(data);
  if (rows.x.length === 0) {
    throw new ModelFitError('Gamma-Gamma: no customers with a repeat purchase and positive mean spend');
  }
  const initial = options.initial ?? { p: 1, q: 1, gamma: 1 };
  const { value, gradient } = objective(rows);
  const result = minimize(value, [Math.log(initial.p), Math.log(initial.q), Math.log(initial.gamma)], {
    gradient,
    ...(options.maxIterations === undefined ? {} : { maxIterations: options.maxIterations }),
  });
  const [p, q, gamma] = result.x.map(Math.exp) as [number, number, number];
  const params: GammaGammaParams = { p, q, gamma };
  const logLikelihood = -result.value * rows.totalWeight;
  if (![p, q, gamma, logLikelihood].every(Number.isFinite)) {
    throw new ModelFitError(`Gamma-Gamma: no finite optimum (${result.message})`);
  }
  if (q <= 1) {
    throw new ModelFitError(
      `Gamma-Gamma: q = ${q} ≤ 1, so the mean spend does not exist (p = ${p}, γ = ${gamma}); ` +
        'spend is too heavy-tailed across customers for this model',
    );
  }
  return {
    params,
    logLikelihood,
    iterations: result.iterations,
    converged: result.converged,
    message: `${result.message}; fitted on ${rows.x.length} of ${data.x.length} rows (x > 0 and monetary > 0)`,
  };
}

/**
 * E[M | p, q, γ; x, z̄] = p(γ + x·z̄)/(px + q − 1) (note 025, eq. 5): the weighted
 * average (q − 1)/(px + q − 1) · pγ/(q − 1) + px/(px + q − 1) · z̄ of the population mean and the
 * customer's own mean. x = 0 gives the population mean pγ/(q − 1); +∞ when the mean does not exist
 * (px + q ≤ 1), NaN for a negative or non-finite x.
 */
export function conditionalExpectedAverageSpend(
  params: GammaGammaParams,
  x: number,
  monetary: number,
): number {
  const { p, q, gamma } = params;
  if (!(x >= 0 && Number.isFinite(x))) return Number.NaN;
  const denominator = p * x + q - 1;
  if (denominator <= 0) return Number.POSITIVE_INFINITY;
  // A customer without repeat purchases has no z̄; any placeholder value is ignored.
  return (p * (gamma + (x > 0 ? x * monetary : 0))) / denominator;
}

/**
 * Weighted Pearson correlation of frequency x and mean spend over the rows the model uses (x > 0,
 * monetary > 0): the independence check of FHL 2005 §2.2 (0.11 on CDNOW). NaN with fewer than two
 * rows or when either side is constant.
 */
export function spendFrequencyCorrelation(data: SpendData): number {
  const rows = spendRows(data);
  const n = rows.x.length;
  // Constancy is tested on the values: a weighted mean of equal values can miss them by an ulp.
  const constant = (values: Float64Array): boolean => values.every((v) => v === values[0]);
  if (n < 2 || constant(rows.x) || constant(rows.monetary)) return Number.NaN;
  let meanX = 0;
  let meanM = 0;
  for (let i = 0; i < n; i++) {
    const w = rows.weight[i] ?? 0;
    meanX += w * (rows.x[i] ?? 0);
    meanM += w * (rows.monetary[i] ?? 0);
  }
  meanX /= rows.totalWeight;
  meanM /= rows.totalWeight;
  // Two passes (means first) so large spends do not cancel catastrophically.
  let sxx = 0;
  let smm = 0;
  let sxm = 0;
  for (let i = 0; i < n; i++) {
    const w = rows.weight[i] ?? 0;
    const dx = (rows.x[i] ?? 0) - meanX;
    const dm = (rows.monetary[i] ?? 0) - meanM;
    sxx += w * dx * dx;
    smm += w * dm * dm;
    sxm += w * dx * dm;
  }
  return sxm / Math.sqrt(sxx * smm);
}
