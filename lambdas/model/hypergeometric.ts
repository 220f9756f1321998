/**
 * The Gauss hypergeometric function ₂F₁(a, b; c; z) for real parameters and real z ≤ 1, as the
 * Pareto/NBD likelihood needs it (Fader & Hardie 2005, note 009, eqs. 19–20). Equation numbers are
 * Abramowitz & Stegun (1972), ch. 15: the power series 15.1.1 where it converges fast; Pfaff's
 * transformation 15.3.4 for z < 0; Euler's 15.3.3 to turn ₂F₁(a, b; a + 1; z) into the a = 1 case;
 * Gauss's theorem 15.1.20 at z = 1; and near z = 1 the connection formula z → 1 − z (15.3.6). For a = 1
 * the connection formula is regrouped so that its two poles at integer c − a − b cancel analytically,
 * which covers the logarithmic cases 15.3.10–15.3.11 and everything near them without loss of digits.
 * Results are kept as sign and log of the magnitude: the values overflow for large parameters.
 */
import { lgamma } from './special-functions.js';

/** value = sign · e^log; sign ∈ {−1, 0, 1}. */
interface SignedLog {
  readonly sign: number;
  readonly log: number;
}

const TOLERANCE = 1e-16;
const RESCALE = 1e250;
const LOG_RESCALE = Math.log(RESCALE);
const NOT_A_NUMBER: SignedLog = { sign: Number.NaN, log: Number.NaN };

function signedLog(value: number, logScale = 0): SignedLog {
  if (value === 0) return { sign: 0, log: Number.NEGATIVE_INFINITY };
  return { sign: Math.sign(value), log: Math.log(Math.abs(value)) + logScale };
}

const isNonPositiveInteger = (v: number): boolean => v <= 0 && Number.isInteger(v);

/** sup over j ≥ k of |(p + j)/(q + j)| for k past both sign changes, where it is monotone in j and tends to 1. */
const supRatio = (p: number, q: number, k: number): number => Math.max(1, Math.abs((p + k) / (q + k)));

/**
 * Σ (a)ₙ(b)ₙ/((c)ₙ n!) zⁿ (15.1.1), rescaled so large terms do not overflow; undefined when it has not
 * converged in `maxTerms`. It stops once the tail is provably below TOLERANCE of the sum: past every
 * sign change of a + n, b + n, c + n the term ratio z(a + n)(b + n)/((c + n)(n + 1)), split into two
 * monotone factors either way, never again exceeds the bound below.
 */
function powerSeries(a: number, b: number, c: number, z: number, maxTerms: number): SignedLog | undefined {
  let term = 1;
  let sum = 1;
  let logScale = 0;
  const monotoneFrom = Math.max(-a, -b, -c, 0);
  for (let n = 0; n < maxTerms; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    sum += term;
    if (term === 0) return signedLog(sum, logScale);
    if (Math.abs(sum) > RESCALE || Math.abs(term) > RESCALE) {
      sum /= RESCALE;
      term /= RESCALE;
      logScale += LOG_RESCALE;
    }
    const k = n + 1;
    if (k > monotoneFrom) {
      const bound =
        Math.abs(z) * Math.min(supRatio(a, c, k) * supRatio(b, 1, k), supRatio(a, 1, k) * supRatio(b, c, k));
      if (bound < 1 && Math.abs(term) * bound <= TOLERANCE * (1 - bound) * Math.abs(sum)) {
        return signedLog(sum, logScale);
      }
    }
  }
  return undefined;
}

/** log Γ(x) with the sign of Γ(x); sign 0 marks a pole (x a non-positive integer). */
function gammaSigned(x: number): SignedLog {
  if (isNonPositiveInteger(x)) return { sign: 0, log: Number.POSITIVE_INFINITY };
  const sign = x > 0 || Math.ceil(-x) % 2 === 0 ? 1 : -1;
  return { sign, log: lgamma(x) };
}

/** log1p(ε/x)/ε, continuous at ε = 0. */
function logRatioSlope(x: number, eps: number): number {
  const u = eps / x;
  return u === 0 ? 1 / x : Math.log1p(u) / eps;
}

/** expm1(w)/w, continuous at w = 0. */
const expm1Ratio = (w: number): number => (w === 0 ? 1 : Math.expm1(w) / w);

// Stirling's series for log Γ (A&S 6.1.41): B₂ₖ/(2k(2k − 1)), k = 1..7.
const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156];

/**
 * (log Γ(x + ε) − log Γ(x))/ε for x > 0 and x + ε > 0; ψ(x) at ε = 0, and continuous there. Shifted up
 * with log Γ(x + 1) = log Γ(x) + log x to x ≥ 10, where Stirling's series is differenced term by term in
 * forms (log1p, expm1) that keep full relative accuracy as ε → 0.
 */
export function lgammaSlope(x: number, eps: number): number {
  let shift = 0;
  let y = x;
  while (y < 10) {
    shift -= logRatioSlope(y, eps);
    y += 1;
  }
  const slope = logRatioSlope(y, eps);
  let series = 0;
  let power = 1 / y;
  const inverseSquare = 1 / (y * y);
  for (let k = 0; k < STIRLING.length; k++) {
    const p = 2 * k + 1;
    // ((y + ε)^−p − y^−p)/ε = y^−p · expm1(−p·log1p(ε/y))/ε
    series += (STIRLING[k] as number) * power * -p * slope * expm1Ratio(-p * eps * slope);
    power *= inverseSquare;
  }
  return shift + (y - 0.5) * slope + Math.log(y + eps) - 1 + series;
}

/**
 * Σ (f)ₙ/(g)ₙ zⁿ = ₂F₁(1, f; g; z) for 0 < f < g, 0 ≤ z < 1: positive terms whose ratio z(f + n)/(g + n)
 * stays below z, so the tail after a term is below term·z/(1 − z). NaN when `maxTerms` do not suffice.
 */
function unitASeries(f: number, g: number, z: number, maxTerms: number): number {
  let term = 1;
  let sum = 1;
  const stop = (TOLERANCE * (1 - z)) / z;
  for (let n = 0; n < maxTerms; n++) {
    term *= (z * (f + n)) / (g + n);
    sum += term;
    if (term <= stop * sum) return sum;
  }
  return Number.NaN;
}

/**
 * ₂F₁(1, f; f + e; z) for f > 0, e > 0, 0 ≤ z < 1, given y = 1 − z exactly. The power series has
 * positive terms with ratio below z, so it is used up to z = ½ and, beyond, while it converges within a
 * budget that grows with f (for large f the connection formula cancels: its terms grow like e^(f·y)).
 * Otherwise the connection formula 15.3.6 with c − a − b = e − 1 = m + ε, m the nearest integer ≥ 0:
 * F = A·Σₙ₍ₙ₌₀..ₘ₋₁₎ (f)ₙ/(1 − m − ε)ₙ yⁿ + (−1)ᵐ·P·Σₖ cₖ·Dₖ·expm1(εDₖ)/(εDₖ), with A = (f + m + ε)/(m + ε),
 * P = y^(m+ε) Γ(1 − ε)(f)ₘ₊₁ Γ(f + m + 1 + ε)/(Γ(f + m + 1)(1 + ε)ₘ), cₖ = (f + m + ε)ₖ yᵏ/k! and
 * Dₖ = Δ(k + 1 − ε) − Δ(f + m + k) − log y, Δ(x) = (log Γ(x + ε) − log Γ(x))/ε: the pole terms of both
 * halves of 15.3.6, paired by power of y. At ε = 0 this is 15.3.10 (m = 0) and 15.3.11 (m ≥ 1).
 */
function logHyp2f1UnitA(f: number, e: number, z: number, y: number): number {
  const direct = unitASeries(f, f + e, z, z <= 0.5 ? 10_000 : 2000 + 30 * f);
  if (direct > 0) return Math.log(direct);
  const logY = Math.log(y);
  let value: number;
  if (e < 0.5 || (f + e <= 1 && Math.abs(e - 1) > 0.05)) {
    // No pole nearby (c − a − b < −½), or outside the regrouped form's domain: 15.3.6 as it stands.
    const first = powerSeries(1, f, 2 - e, y, 100_000);
    const second = Math.exp(
      lgamma(e + f) - lgamma(f) + lgamma(1 - e) + (e - 1) * logY + (1 - e - f) * Math.log1p(-y),
    );
    value = first ? ((e + f - 1) / (e - 1)) * first.sign * Math.exp(first.log) + second : Number.NaN;
  } else if (f + e > 1) {
    const m = Math.round(e - 1);
    const eps = e - 1 - m;
    let head = 0;
    let term = 1;
    for (let n = 0; n < m; n++) {
      head += term;
      term *= ((f + n) * y) / (1 - m - eps + n);
    }
    head *= (f + m + eps) / (m + eps || 1);
    let logP = (m + eps) * logY - eps * lgammaSlope(1 - eps, eps) + eps * lgammaSlope(f + m + 1, eps);
    for (let j = 0; j <= m; j++) logP += Math.log(f + j);
    for (let j = 1; j <= m; j++) logP -= Math.log(j + eps);
    let d = lgammaSlope(1 - eps, eps) - lgammaSlope(f + m, eps) - logY;
    let c = 1;
    let tail = 0;
    for (let k = 0; k < 100_000; k++) {
      tail += c * d * expm1Ratio(eps * d);
      // Later ratios c_{j+1}/c_j lie between this one and y: (f + m + ε + j)/(j + 1) is monotone in j.
      const ratio = (y * (f + m + eps + k)) / (k + 1);
      c *= ratio;
      d += logRatioSlope(k + 1 - eps, eps) - logRatioSlope(f + m + k, eps);
      const rho = Math.max(ratio, y);
      if (rho < 1 && c * (Math.abs(d) + 1) <= TOLERANCE * (1 - rho) * Math.abs(tail)) break;
    }
    value = head + (m % 2 === 0 ? 1 : -1) * Math.exp(logP) * tail;
  } else {
    value = Number.NaN;
  }
  // F ≥ 1 (positive terms, the first is 1); anything else means the formula lost its digits.
  if (Number.isFinite(value) && value >= 1) return Math.log(value);
  const slow = unitASeries(f, f + e, z, 10_000_000);
  return slow > 0 ? Math.log(slow) : Number.NaN;
}

/** Γ(n₁)Γ(n₂)…/(Γ(d₁)Γ(d₂)…) times `factor`, as sign and log; 0 when a denominator Γ has a pole. */
function gammaRatio(
  numerator: readonly number[],
  denominator: readonly number[],
  factor: SignedLog,
): SignedLog {
  let { sign, log } = factor;
  for (const v of denominator) {
    const g = gammaSigned(v);
    if (g.sign === 0) return { sign: 0, log: Number.NEGATIVE_INFINITY };
    sign *= g.sign;
    log -= g.log;
  }
  for (const v of numerator) {
    const g = gammaSigned(v);
    if (g.sign === 0) return NOT_A_NUMBER;
    sign *= g.sign;
    log += g.log;
  }
  return { sign, log };
}

/** 15.3.6 for c − a − b not an integer; undefined when its two terms would cancel beyond 4 digits. */
function connection(a: number, b: number, c: number, y: number): SignedLog | undefined {
  const d = c - a - b;
  if (Math.abs(d - Math.round(d)) < 1e-9) return undefined;
  const firstSeries = powerSeries(a, b, 1 - d, y, 1_000_000);
  const secondSeries = powerSeries(c - a, c - b, 1 + d, y, 1_000_000);
  if (!(firstSeries && secondSeries)) return undefined;
  const first = gammaRatio([c, d], [c - a, c - b], firstSeries);
  const second = gammaRatio([c, -d], [a, b], {
    sign: secondSeries.sign,
    log: secondSeries.log + d * Math.log(y),
  });
  if (Number.isNaN(first.sign) || Number.isNaN(second.sign)) return undefined;
  if (first.sign === 0) return second;
  if (second.sign === 0) return first;
  const [big, small] = first.log >= second.log ? [first, second] : [second, first];
  const ratio = Math.exp(small.log - big.log);
  if (big.sign !== small.sign && ratio > 1 - 1e-4) return undefined;
  return { sign: big.sign, log: big.log + Math.log1p(big.sign === small.sign ? ratio : -ratio) };
}

/** ₂F₁ as sign and log magnitude; `y` = 1 − z, passed when the caller knows it more exactly. */
function hyp2f1Signed(a: number, b: number, c: number, z: number, y: number): SignedLog {
  const finite = Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c) && Number.isFinite(z);
  if (!(finite && Number.isFinite(y)) || z > 1 || isNonPositiveInteger(c)) return NOT_A_NUMBER;
  if (z === 0 || a === 0 || b === 0) return { sign: 1, log: 0 };
  if (isNonPositiveInteger(a) || isNonPositiveInteger(b)) {
    // A polynomial: the series ends by itself.
    return powerSeries(a, b, c, z, 1 - Math.min(a, b)) ?? NOT_A_NUMBER;
  }
  if (z === 1) {
    // Gauss's theorem (15.1.20); the series diverges when c − a − b ≤ 0.
    if (!(c - a - b > 0)) return { sign: 1, log: Number.POSITIVE_INFINITY };
    return gammaRatio([c, c - a - b], [c - a, c - b], { sign: 1, log: 0 });
  }
  if (z < 0) {
    // Pfaff (15.3.4): F(a, b; c; z) = (1 − z)^−a F(a, c − b; c; z/(z − 1)), the new argument in (0, 1).
    const inner = hyp2f1Signed(a, c - b, c, z / (z - 1), 1 / (1 - z));
    return { sign: inner.sign, log: inner.log - a * Math.log1p(-z) };
  }
  if (a === 1 || b === 1) {
    const f = a === 1 ? b : a;
    if (f > 0 && c - f > 0) return { sign: 1, log: logHyp2f1UnitA(f, c - f, z, y) };
  }
  if (c === a + 1 || c === b + 1) {
    // Euler (15.3.3): F(a, b; c; z) = (1 − z)^(c−a−b) F(c − a, c − b; c; z), and c − a or c − b is 1.
    const f = c === a + 1 ? c - b : c - a;
    if (f > 0 && c - f > 0)
      return { sign: 1, log: (c - a - b) * Math.log(y) + logHyp2f1UnitA(f, c - f, z, y) };
  }
  if (z <= 0.5) return powerSeries(a, b, c, z, 10_000_000) ?? NOT_A_NUMBER;
  return (
    powerSeries(a, b, c, z, 2000 + 30 * (Math.abs(a) + Math.abs(b))) ??
    connection(a, b, c, y) ??
    powerSeries(a, b, c, z, 10_000_000) ??
    NOT_A_NUMBER
  );
}

/**
 * ₂F₁(a, b; c; z) for real a, b, c (c not 0, −1, −2, …) and z ≤ 1, to about 1e-13 relative where the
 * value is not itself the result of cancellation; ±∞ when it overflows (use `logHyp2f1`), +∞ at z = 1
 * when c − a − b ≤ 0, NaN outside the domain. Near z = 1 with c − a − b within 1e-9 of an integer, only
 * the a = 1 and c = a + 1 families have a closed path; other parameters fall back to the power series
 * and give NaN when it needs more than 10⁷ terms. Pass `oneMinusZ` when 1 − z is known more exactly than
 * it rounds (z near 1).
 */
export function hyp2f1(a: number, b: number, c: number, z: number, oneMinusZ: number = 1 - z): number {
  const v = hyp2f1Signed(a, b, c, z, oneMinusZ);
  return v.sign === 0 ? 0 : v.sign * Math.exp(v.log);
}

/** log ₂F₁(a, b; c; z) where ₂F₁ is positive (NaN where it is not); same domain as `hyp2f1`. */
export function logHyp2f1(a: number, b: number, c: number, z: number, oneMinusZ: number = 1 - z): number {
  const v = hyp2f1Signed(a, b, c, z, oneMinusZ);
  return v.sign > 0 ? v.log : Number.NaN;
}
