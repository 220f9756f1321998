import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModelFitError, type ParetoNbdParams, type RfmData } from '../../lambdas/model/btyd-types.js';
import {
  conditionalExpectedPurchases,
  expectedPurchasesNew,
  fitParetoNbd,
  paretoNbdLogLikelihood,
  paretoNbdLogLikelihoods,
  probabilityAlive,
  SHAPE_BOUND,
} from '../../lambdas/model/pareto-nbd.js';
import { lgamma } from '../../lambdas/model/special-functions.js';
import { simulateParetoNbd } from './pareto-nbd-simulation.js';

/**
 * The parameters the reference file states for its Pareto/NBD rows: Hardie's CDNOW estimates (note
 * 008), weeks. BTYD's walkthrough prints its own estimate to 3 decimals only, and its printed outputs
 * are off from these by up to 4.6e-4 relative (below): they come from the slightly different optimum
 * BTYD_FIT.
 */
const CDNOW: ParetoNbdParams = { r: 0.5534, alpha: 10.5802, s: 0.6061, beta: 11.6562 };
/**
 * BTYD 2.4.3's own CDNOW optimum, recovered to 8 digits from its seven printed outputs (E[X(52)],
 * E[Y(52)] and P(alive) for customer 1516, the four paradox rows): 4 unknowns, 7 equations, and all
 * seven then agree to their last printed digit.
 */
const BTYD_FIT: ParetoNbdParams = { r: 0.55337151, alpha: 10.579522, s: 0.60590629, beta: 11.658046 };
/** The example parameters of BTYD's `pnbd.Expectation` help page (the reference file's E[X(t)] row). */
const BTYD_EXAMPLE: ParetoNbdParams = { r: 0.55, alpha: 10.56, s: 0.61, beta: 11.64 };

const one = (params: ParetoNbdParams, x: number, tx: number, T: number): number =>
  paretoNbdLogLikelihoods(params, { x: [x], tx: [tx], T: [T] })[0] as number;

const relativeError = (got: number, expected: number): number =>
  Math.abs(got - expected) / Math.abs(expected);

/** |got − published| within half a unit of the published number's last digit. */
function expectPrinted(got: number, published: string): void {
  const decimals = published.split('.')[1]?.length ?? 0;
  expect(Math.abs(got - Number(published))).toBeLessThanOrEqual(0.5 * 10 ** -decimals);
}

describe('Pareto/NBD published values', () => {
  it("reproduces BTYD's walkthrough at BTYD's optimum, to the printed digits", () => {
    // Act / Assess
    expectPrinted(expectedPurchasesNew(BTYD_FIT, 52), '1.473434');
    expectPrinted(conditionalExpectedPurchases(BTYD_FIT, 52, 26, 30.85714, 31), '25.45647');
    expectPrinted(probabilityAlive(BTYD_FIT, 26, 30.85714, 31), '0.997874');
    const paradox = ['0.7062289', '0.1442396', '0.02250658', '0.00309267'];
    [10, 15, 20, 25].forEach((x, i) => {
      expectPrinted(conditionalExpectedPurchases(BTYD_FIT, 52, x, 20, 39), paradox[i] as string);
    });
  });

  it("matches 40-digit values at the reference file's parameters (Hardie's CDNOW estimates)", () => {
    // Prepare: mpmath 1.3.0 at 40 digits, note 009 eqs. 18–20, 27, 36–37, 41 on the same inputs
    const expected = {
      ex52: 1.47306699190199,
      ey52: 25.4537774985305,
      alive: 0.997873231043095,
      paradox: [0.705906954424963, 0.144174535345281, 0.0224971834118253, 0.00309149995376517],
    };
    // Act / Assess
    expect(relativeError(expectedPurchasesNew(CDNOW, 52), expected.ex52)).toBeLessThan(1e-13);
    expect(
      relativeError(conditionalExpectedPurchases(CDNOW, 52, 26, 30.85714, 31), expected.ey52),
    ).toBeLessThan(1e-12);
    expect(relativeError(probabilityAlive(CDNOW, 26, 30.85714, 31), expected.alive)).toBeLessThan(1e-13);
    [10, 15, 20, 25].forEach((x, i) => {
      const got = conditionalExpectedPurchases(CDNOW, 52, x, 20, 39);
      expect(relativeError(got, expected.paradox[i] as number)).toBeLessThan(1e-12);
    });
  });

  it("gives BTYD's E[X(t)], t = 0..9, at its help-page parameters to the 4 digits published", () => {
    // Prepare
    const published = ['0', '.0508', '.0992', '.1454', '.1898', '.2325', '.2736', '.3134', '.3518', '.3891'];
    // Act / Assess
    published.forEach((value, t) => {
      expectPrinted(expectedPurchasesNew(BTYD_EXAMPLE, t), value);
    });
    expect(expectedPurchasesNew(BTYD_EXAMPLE, 0)).toBe(0);
  });
});

/**
 * Nodes and weights of the exp-sinh rule for ∫₀^∞: x = e^((π/2)·sinh t), trapezoidal in t with step h
 * over |t| ≤ 4.5 (x from 1e-31 to 1e30); the double-exponential decay at both ends absorbs the Gamma
 * densities' x^(r−1).
 */
function expSinhRule(h: number): { nodes: number[]; weights: number[] } {
  const nodes: number[] = [];
  const weights: number[] = [];
  const steps = Math.round(4.5 / h);
  for (let k = -steps; k <= steps; k++) {
    const x = Math.exp((Math.PI / 2) * Math.sinh(k * h));
    nodes.push(x);
    weights.push(h * x * (Math.PI / 2) * Math.cosh(k * h));
  }
  return { nodes, weights };
}
const RULE = expSinhRule(1 / 40);

const expSinh = (f: (x: number) => number): number =>
  RULE.nodes.reduce((sum, x, k) => sum + f(x) * (RULE.weights[k] as number), 0);

const logGammaDensity = (v: number, shape: number, rate: number): number =>
  shape * Math.log(rate) - lgamma(shape) + (shape - 1) * Math.log(v) - rate * v;

/**
 * The likelihood straight from its definition (note 009, eq. 3 and §3): the individual likelihood given
 * λ, μ, λ^x e^−(λ+μ)T + λ^x μ/(λ+μ)·(e^−(λ+μ)t_x − e^−(λ+μ)T), integrated over the two Gamma densities
 * numerically. Also ∫∫ of the alive part alone (P(alive)'s numerator) and of the alive part times
 * E[Y(t) | λ, μ, alive] = (λ/μ)(1 − e^−μt) (E[Y(t)]'s numerator).
 */
function integrated(p: ParetoNbdParams, x: number, tx: number, T: number, t: number) {
  const { nodes, weights } = RULE;
  const logMu = nodes.map((mu, j) => logGammaDensity(mu, p.s, p.beta) + Math.log(weights[j] as number));
  let [total, alive, future] = [0, 0, 0];
  nodes.forEach((lambda, i) => {
    const logLambda =
      logGammaDensity(lambda, p.r, p.alpha) + Math.log(weights[i] as number) + x * Math.log(lambda);
    nodes.forEach((mu, j) => {
      const rate = lambda + mu;
      const base = logLambda + (logMu[j] as number);
      const stays = Math.exp(base - rate * T);
      const dies =
        T > tx ? Math.exp(base + Math.log(mu / rate) - rate * tx) * -Math.expm1(-rate * (T - tx)) : 0;
      total += stays + dies;
      alive += stays;
      future += (stays * lambda * -Math.expm1(-mu * t)) / mu;
    });
  });
  return { logL: Math.log(total), alive: alive / total, expected: future / total };
}

const HISTORIES = [
  [0, 0, 38.857143],
  [2, 30.428571, 38.857143],
  [26, 30.85714, 31],
  [10, 20, 39],
] as const;

describe('Pareto/NBD against direct integration over λ and μ', () => {
  const cases: readonly [string, ParetoNbdParams][] = [
    ['α < β (CDNOW)', CDNOW],
    ['α > β (CDNOW with α, β swapped)', { ...CDNOW, alpha: CDNOW.beta, beta: CDNOW.alpha }],
    ['α ≪ β', { r: 0.8, alpha: 2, s: 1.3, beta: 40 }],
    ['α ≫ β', { r: 0.8, alpha: 40, s: 1.3, beta: 2 }],
    ['α = β', { r: 0.8, alpha: 7, s: 1.3, beta: 7 }],
  ];

  it.each(cases)('%s: log-likelihood, P(alive) and E[Y(10)] agree to 1e-11', (_, params) => {
    for (const [x, tx, T] of HISTORIES) {
      // Act
      const numeric = integrated(params, x, tx, T, 10);
      // Assess
      expect(Math.abs(one(params, x, tx, T) - numeric.logL)).toBeLessThan(1e-11);
      expect(relativeError(probabilityAlive(params, x, tx, T), numeric.alive)).toBeLessThan(1e-11);
      expect(
        relativeError(conditionalExpectedPurchases(params, 10, x, tx, T), numeric.expected),
      ).toBeLessThan(1e-11);
    }
  });

  it('E[X(t)] for a new customer is (r/α)·E[(1 − e^−μt)/μ] (note 009, eq. 27)', () => {
    for (const params of [CDNOW, { r: 2, alpha: 3, s: 1, beta: 5 }, { r: 2, alpha: 3, s: 2.5, beta: 5 }]) {
      // Act
      const numeric =
        (params.r / params.alpha) *
        expSinh((mu) => (Math.exp(logGammaDensity(mu, params.s, params.beta)) * -Math.expm1(-mu * 20)) / mu);
      // Assess: s = 1 is the log(1 + t/β) limit
      expect(relativeError(expectedPurchasesNew(params, 20), numeric)).toBeLessThan(1e-10);
    }
  });
});

describe('Pareto/NBD closed-form identities', () => {
  it('P(alive) is the alive part of the likelihood over the likelihood (note 009, eqs. 36–37)', () => {
    for (const [x, tx, T] of HISTORIES) {
      const { r, alpha, s, beta } = CDNOW;
      // Act
      const alivePart =
        lgamma(r + x) -
        lgamma(r) +
        r * Math.log(alpha) +
        s * Math.log(beta) -
        (r + x) * Math.log(alpha + T) -
        s * Math.log(beta + T);
      // Assess
      expect(
        relativeError(probabilityAlive(CDNOW, x, tx, T), Math.exp(alivePart - one(CDNOW, x, tx, T))),
      ).toBeLessThan(1e-13);
    }
  });

  it('is continuous through α = β from either branch', () => {
    for (const [x, tx, T] of HISTORIES) {
      const at = (alpha: number) => one({ r: 0.8, alpha, s: 1.3, beta: 7 }, x, tx, T);
      // Act
      const [below, equal, above] = [at(7 * (1 - 1e-9)), at(7), at(7 * (1 + 1e-9))];
      // Assess: ∂ log L/∂α is O(1), so a 7e-9 step moves it by O(1e-8)
      expect(Math.abs(below - equal)).toBeLessThan(1e-7);
      expect(Math.abs(above - equal)).toBeLessThan(1e-7);
    }
  });

  it('gives P(alive) = 1 and the full likelihood when the last purchase is at T', () => {
    // Act / Assess: A₀ = 0 when t_x = T
    expect(probabilityAlive(CDNOW, 3, 20, 20)).toBe(1);
    const { r, alpha, s, beta } = CDNOW;
    const expected =
      lgamma(r + 3) -
      lgamma(r) +
      r * Math.log(alpha) +
      s * Math.log(beta) -
      (r + 3) * Math.log(alpha + 20) -
      s * Math.log(beta + 20);
    expect(Math.abs(one(CDNOW, 3, 20, 20) - expected)).toBeLessThan(1e-13);
  });

  it('weights count as repeated rows', () => {
    // Prepare
    const weighted: RfmData = { x: [0, 2, 7], tx: [0, 10, 30], T: [40, 40, 35], weight: [3, 1, 2] };
    const repeated: RfmData = {
      x: [0, 0, 0, 2, 7, 7],
      tx: [0, 0, 0, 10, 30, 30],
      T: [40, 40, 40, 40, 35, 35],
    };
    // Act / Assess
    expect(paretoNbdLogLikelihood(CDNOW, weighted)).toBeCloseTo(paretoNbdLogLikelihood(CDNOW, repeated), 10);
  });

  it('is NaN for invalid parameters or histories', () => {
    // Act / Assess
    expect(one({ ...CDNOW, s: 0 }, 1, 1, 2)).toBeNaN();
    expect(one(CDNOW, 1, 3, 2)).toBeNaN(); // t_x > T
    expect(one(CDNOW, -1, 0, 2)).toBeNaN();
    expect(probabilityAlive(CDNOW, 1, Number.NaN, 2)).toBeNaN();
    expect(conditionalExpectedPurchases(CDNOW, -1, 1, 1, 2)).toBeNaN();
    expect(expectedPurchasesNew({ ...CDNOW, alpha: -1 }, 5)).toBeNaN();
  });
});

describe('Pareto/NBD properties over extreme but valid inputs', () => {
  const logUniform = (low: number, high: number) =>
    fc.oneof(
      fc.double({ min: Math.log(low), max: Math.log(high), noNaN: true }).map(Math.exp),
      fc.constantFrom(low, 1, high),
    );
  const params = fc.record({
    r: logUniform(1e-3, 1e3),
    alpha: logUniform(1e-3, 1e3),
    s: logUniform(1e-3, 1e3),
    beta: logUniform(1e-3, 1e3),
  });
  const history = fc
    .record({
      x: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(0, 1, 1000)),
      T: fc.oneof(fc.double({ min: 1e-3, max: 3650, noNaN: true }), fc.constant(3650)),
      where: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1e-9, 1)),
    })
    .map(({ x, T, where }) => ({ x, T, tx: x === 0 ? 0 : where * T }));

  it('P(alive) ∈ [0, 1] and the log-likelihood is finite', () => {
    fc.assert(
      fc.property(params, history, (p, { x, tx, T }) => {
        const alive = probabilityAlive(p, x, tx, T);
        return alive >= 0 && alive <= 1 && Number.isFinite(one(p, x, tx, T));
      }),
      { numRuns: 400, seed: 20240611 },
    );
  });

  it('E[Y(t)] and E[X(t)] are finite, ≥ 0 and non-decreasing in t', () => {
    const horizons = fc.tuple(
      fc.double({ min: 0, max: 3650, noNaN: true }),
      fc.double({ min: 0, max: 3650, noNaN: true }),
    );
    fc.assert(
      fc.property(params, history, horizons, (p, { x, tx, T }, [a, b]) => {
        const [t1, t2] = a <= b ? [a, b] : [b, a];
        const [y1, y2] = [
          conditionalExpectedPurchases(p, t1, x, tx, T),
          conditionalExpectedPurchases(p, t2, x, tx, T),
        ];
        const [n1, n2] = [expectedPurchasesNew(p, t1), expectedPurchasesNew(p, t2)];
        return (
          [y1, y2, n1, n2].every((v) => v >= 0 && Number.isFinite(v)) &&
          y1 <= y2 * (1 + 1e-12) &&
          n1 <= n2 * (1 + 1e-12)
        );
      }),
      { numRuns: 400, seed: 20240611 },
    );
  });
});

describe('fitParetoNbd', () => {
  it('recovers simulated parameters within 10% from 20,000 customers', () => {
    // Prepare: short lifetimes relative to T ∈ [26, 78] so that s and β are identified (at CDNOW's
    // values their standard errors at this size are 6% and 13%); here they are 1.8% and 3.2%.
    const truth: ParetoNbdParams = { r: 2, alpha: 2, s: 0.8, beta: 4 };
    const data = simulateParetoNbd(truth, 20_000, [26, 78], 7);
    // Act
    const fit = fitParetoNbd(data);
    // Assess
    expect(fit.converged).toBe(true);
    for (const key of ['r', 'alpha', 's', 'beta'] as const) {
      expect(relativeError(fit.params[key], truth[key])).toBeLessThan(0.1);
    }
    expect(fit.logLikelihood).toBeCloseTo(paretoNbdLogLikelihood(fit.params, data), 6);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(paretoNbdLogLikelihood(truth, data));
  });

  it('gives the same fit for weighted rows as for the rows repeated, and for days as for weeks', () => {
    // Prepare
    const base = simulateParetoNbd({ r: 0.8, alpha: 3, s: 1.2, beta: 6 }, 1500, [10, 40], 11);
    const weight = Float64Array.from(base.x, (_, i) => 1 + (i % 3));
    const repeat = (v: ArrayLike<number>) =>
      Float64Array.from(Array.from(v).flatMap((value, i) => Array(1 + (i % 3)).fill(value)));
    const inDays: RfmData = {
      x: base.x,
      tx: Float64Array.from(base.tx, (v) => 7 * v),
      T: Float64Array.from(base.T, (v) => 7 * v),
      weight,
    };
    // Act
    const weighted = fitParetoNbd({ ...base, weight });
    const repeated = fitParetoNbd({ x: repeat(base.x), tx: repeat(base.tx), T: repeat(base.T) });
    const days = fitParetoNbd(inDays);
    // Assess
    for (const key of ['r', 'alpha', 's', 'beta'] as const) {
      expect(relativeError(repeated.params[key], weighted.params[key])).toBeLessThan(1e-6);
    }
    expect(relativeError(days.params.r, weighted.params.r)).toBeLessThan(1e-4);
    expect(relativeError(days.params.s, weighted.params.s)).toBeLessThan(1e-4);
    expect(relativeError(days.params.alpha, 7 * weighted.params.alpha)).toBeLessThan(1e-4);
    expect(relativeError(days.params.beta, 7 * weighted.params.beta)).toBeLessThan(1e-4);
  });

  it('throws ModelFitError without customers or with an invalid row', () => {
    // Act / Assess
    expect(() => fitParetoNbd({ x: [], tx: [], T: [] })).toThrow(ModelFitError);
    expect(() => fitParetoNbd({ x: [1, 2], tx: [1, 5], T: [3, 4] })).toThrow(/row 1/);
    expect(() => fitParetoNbd({ x: [1], tx: [1], T: [3], weight: [0] })).toThrow(ModelFitError);
  });
});

describe('fitParetoNbd when dropout rates do not vary across customers', () => {
  it('stops s at SHAPE_BOUND, says so, and keeps the mean dropout rate s/β', () => {
    // Prepare: μ is almost the same for everyone (s = 10⁴, mean s/β = 0.01 per day)
    const sim = simulateParetoNbd({ r: 1, alpha: 20, s: 1e4, beta: 1e6 }, 3000, [100, 400], 11);

    // Act
    const fit = fitParetoNbd(sim);

    // Assess: bounded, reported, and the mean dropout rate recovered within 15% (3,000 customers)
    expect(fit.params.s).toBeCloseTo(SHAPE_BOUND, 6);
    expect(fit.message).toMatch(/s reached its bound 20/);
    expect(fit.params.s / fit.params.beta).toBeGreaterThan(0.01 * 0.85);
    expect(fit.params.s / fit.params.beta).toBeLessThan(0.01 * 1.15);
  });
});
