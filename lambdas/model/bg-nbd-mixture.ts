/**
 * The expected purchases of a BG/NBD customer alive at the start of an interval, the common factor of
 * FHL eqs. (9) and (10) (Fader, Hardie & Lee 2005, Marketing Science 24(2)), as a positive series with
 * a quadrature fallback. Pure.
 */

import { lbeta } from './special-functions.js';

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
export function expectedPurchasesMixture(r: number, a: number, b: number, u: number): number {
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
