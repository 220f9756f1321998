import { describe, expect, it } from 'vitest';
import { hyp2f1, lgammaSlope, logHyp2f1 } from '../../lambdas/model/hypergeometric.js';
import { lgamma } from '../../lambdas/model/special-functions.js';

const relativeError = (got: number, expected: number): number =>
  Math.abs(got - expected) / Math.abs(expected);

/** The plain power series, term by term: slow but transparent (only for z well inside the disc). */
function bruteSeries(a: number, b: number, c: number, z: number, terms: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 0; n < terms; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    sum += term;
  }
  return sum;
}

describe('hyp2f1: closed forms', () => {
  it('₂F₁(1, 1; 2; z) = −log(1 − z)/z, from z = −5 to 1 − 1e-9', () => {
    for (const z of [-5, -0.5, 1e-3, 0.1, 0.5, 0.9, 0.999, 1 - 1e-6, 1 - 1e-9]) {
      // Act
      const got = hyp2f1(1, 1, 2, z);
      // Assess
      expect(relativeError(got, -Math.log1p(-z) / z)).toBeLessThan(1e-13);
    }
  });

  it('₂F₁(a, b; b; z) = (1 − z)^−a, in log form where it overflows', () => {
    for (const [a, b] of [
      [0.3, 2.7],
      [2.5, 0.7],
      [50, 3.2],
      [400, 12.5],
    ] as const) {
      for (const z of [-3, 0.2, 0.7, 0.99]) {
        // Act
        const got = logHyp2f1(a, b, b, z);
        // Assess: log F = −a·log(1 − z); compared in log, so this is a relative error of F
        const expected = -a * Math.log1p(-z);
        expect(Math.abs(got - expected)).toBeLessThan(1e-13 * Math.max(1, Math.abs(expected)));
      }
    }
    // F(400, 12.5; 12.5; 0.99) = 10^800 overflows a double; its log does not.
    expect(hyp2f1(400, 12.5, 12.5, 0.99)).toBe(Number.POSITIVE_INFINITY);
  });

  it('₂F₁(½, ½; 3/2; z²) = arcsin(z)/z, up to z² = 1 − 2e-6 (the connection formula, c − a − b = ½)', () => {
    for (const z of [0.3, 0.9, 0.999, 0.999999]) {
      // Act
      const got = hyp2f1(0.5, 0.5, 1.5, z * z);
      // Assess
      expect(relativeError(got, Math.asin(z) / z)).toBeLessThan(1e-13);
    }
  });

  it("meets Gauss's theorem Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b)) at z = 1 and approaches it from below", () => {
    for (const [a, b, c] of [
      [0.5, 1.2, 3.1],
      [2, 3, 6.4],
      [-0.5, 0.25, 1.5],
    ] as const) {
      const gauss = Math.exp(lgamma(c) + lgamma(c - a - b) - lgamma(c - a) - lgamma(c - b));
      // Act
      const atOne = hyp2f1(a, b, c, 1);
      const near = hyp2f1(a, b, c, 1 - 1e-12);
      // Assess: c − a − b > 1 in all three, so F(1 − y) = F(1) − O(y)
      expect(relativeError(atOne, gauss)).toBeLessThan(1e-13);
      expect(relativeError(near, gauss)).toBeLessThan(1e-10);
    }
    expect(hyp2f1(1, 1, 2, 1)).toBe(Number.POSITIVE_INFINITY); // c − a − b = 0: the series diverges
  });

  it('sums a terminating series (a = −3) as the polynomial it is', () => {
    // Prepare: F(−3, b; c; z) = 1 − 3bz/c + 3b(b+1)z²/(c(c+1)) − b(b+1)(b+2)z³/(c(c+1)(c+2))
    const [b, c, z] = [2.5, 1.5, -0.7];
    const expected =
      1 -
      (3 * b * z) / c +
      (3 * b * (b + 1) * z * z) / (c * (c + 1)) -
      (b * (b + 1) * (b + 2) * z ** 3) / (c * (c + 1) * (c + 2));
    // Act / Assess
    expect(relativeError(hyp2f1(-3, b, c, z), expected)).toBeLessThan(1e-14);
  });

  it('is NaN outside its domain', () => {
    // Act / Assess
    expect(hyp2f1(1, 1, -2, 0.5)).toBeNaN(); // c a non-positive integer
    expect(hyp2f1(1, 1, 2, 1.5)).toBeNaN(); // z > 1
    expect(hyp2f1(1, Number.NaN, 2, 0.5)).toBeNaN();
    expect(logHyp2f1(-3, 2.5, 1.5, 0.9)).toBeNaN(); // F < 0 has no log
  });
});

/**
 * log ₂F₁ for the Pareto/NBD arguments (a = r+s+x, b = s+1 or r+x, c = a+1), computed with mpmath 1.3.0
 * at 40 digits from the same double inputs. They cover both branches, x up to 1000, z within 1e-6 of 1,
 * and s = 1 exactly and ± 1e-7 (c − a − b an integer or nearly).
 */
const PARETO_CASES: readonly (readonly [number, number, number, number, number])[] = [
  [3.1595, 1.6061, 4.1594999999999995, 0.2, 0.2685960602600015],
  [27.1595, 26.5534, 28.1595, 0.02530970278975964, 0.6565200343892837],
  [1000.5, 1.5, 1001.5, 0.999, 9.637349293526011],
  [1000.5, 999.501, 1001.5, 0.9999, 9196.536071557966],
  [301.2, 300.5, 302.2, 0.99999, 3448.1268367813655],
  [12.5, 3.5, 13.5, 0.75, 4.313444569948121],
  [2.001, 2.0, 3.001, 0.999999, 14.509144785747477],
  [2.0010000999999997, 2.0000001000000003, 3.0010000999999997, 0.999999, 14.509146117281887],
  [2.0009999, 1.9999999000000002, 3.0009999, 0.999999, 14.50914345421308],
  [1.002, 1.001, 2.002, 0.999999, 2.6344702841371093],
  [0.002, 0.001, 1.002, 0.999999, 3.287438497006856e-6],
];

describe('logHyp2f1: the Pareto/NBD family ₂F₁(a, b; a + 1; z)', () => {
  it('matches 40-digit values to 1e-13, near z = 1 and at integer and near-integer c − a − b', () => {
    for (const [a, b, c, z, expected] of PARETO_CASES) {
      // Act
      const got = logHyp2f1(a, b, c, z);
      // Assess: log F to 1e-13 absolute is F to 1e-13 relative (or log F to 1e-15 relative when large)
      expect(Math.abs(got - expected)).toBeLessThan(1e-13 * Math.max(1, Math.abs(expected)));
    }
  });

  it('agrees with the brute-force series where both the series and the connection formula apply', () => {
    // Prepare: z = 0.995 needs ~8,000 terms, beyond the direct budget for small f, so the regrouped
    // connection formula answers; 200,000 brute-force terms leave a tail below 1e-300.
    for (const [f, e] of [
      [0.5, 0.7],
      [1.3, 1],
      [2, 2.5],
      [0.001, 3 + 1e-9],
    ] as const) {
      const z = 0.995;
      // Act
      const got = hyp2f1(1, f, f + e, z);
      // Assess
      expect(relativeError(got, bruteSeries(1, f, f + e, z, 200_000))).toBeLessThan(1e-12);
    }
  });

  it('is continuous in c − a − b across an integer', () => {
    // Prepare: F(1, f; f + e; 1 − 1e-6) for e = 2 − δ, 2, 2 + δ
    const at = (e: number) => hyp2f1(1, 0.4, 0.4 + e, 1 - 1e-6, 1e-6);
    // Act
    const [below, exact, above] = [at(2 - 1e-9), at(2), at(2 + 1e-9)];
    // Assess: F decreases in c; the steps are O(δ) relative
    expect(below).toBeGreaterThan(exact);
    expect(exact).toBeGreaterThan(above);
    expect(relativeError(below, exact)).toBeLessThan(1e-8);
    expect(relativeError(above, exact)).toBeLessThan(1e-8);
  });
});

describe('lgammaSlope', () => {
  it('is ψ(x) at ε = 0 and (log Γ(x + ε) − log Γ(x))/ε otherwise', () => {
    // Prepare: mpmath 1.3.0 at 30 digits; [x, ψ(x), quotient at ε = 0.3, quotient at ε = −0.1]
    const cases: readonly (readonly [number, number, number, number])[] = [
      [0.2, -5.289039896592188, -3.1723295983536146, -7.286488293034214],
      [1, -0.5772156649015329, -0.36058269835953494, -0.6637623973474297],
      [3.7, 1.1671535393615113, 1.2122904752088903, 1.151490180889718],
      [50, 3.901989673427892, 3.9050137706920913, 3.900978925945475],
      [1200, 7.089660111239059, 7.089785152912812, 7.0896184260480375],
    ];
    for (const [x, psi, up, down] of cases) {
      // Act / Assess
      expect(relativeError(lgammaSlope(x, 0), psi)).toBeLessThan(1e-14);
      expect(relativeError(lgammaSlope(x, 0.3), up)).toBeLessThan(1e-14);
      expect(relativeError(lgammaSlope(x, -0.1), down)).toBeLessThan(1e-14);
    }
  });
});
