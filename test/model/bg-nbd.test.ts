import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bgNbdLogLikelihood,
  bgNbdLogLikelihoodGradient,
  bgNbdLogLikelihoods,
  conditionalExpectedPurchases,
  expectedPurchasesNew,
  fitBgNbd,
  probabilityAlive,
  probabilityOfPurchases,
} from '../../lambdas/model/bg-nbd.js';
import { collapseHistories } from '../../lambdas/model/btyd-summary.js';
import { type BgNbdParams, ModelFitError, type RfmData } from '../../lambdas/model/btyd-types.js';
import { logAddExp } from '../../lambdas/model/special-functions.js';
import { simulateBgNbd } from './bg-nbd-simulation.js';

// Parameter sets of shared/reference/btyd-reference-values.md (weeks).
/** BTYD walkthrough, rounded: the inputs of its P(X(t) = n) examples. */
const BTYD_ROUNDED: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
/** lifetimes 0.11.3 on CDNOW ("peer" rows). */
const PEER: BgNbdParams = { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425752 };
/** BTYD 2.4.3's printed estimates on CDNOW. */
const BTYD: BgNbdParams = { r: 0.2425982, alpha: 4.4136842, a: 0.7929899, b: 2.4261667 };

/** Half a unit in the last digit of a printed decimal ("0.5737864" → 5e-8, "1.07869e-07" → 5e-13). */
function halfUnit(printed: string): number {
  const [mantissa = '', exponent = '0'] = printed.toLowerCase().split('e');
  const decimals = mantissa.split('.')[1]?.length ?? 0;
  return 0.5 * 10 ** (Number(exponent) - decimals);
}

/** Asserts `got` rounds to `printed`: within half a unit of its last digit (`halfUnits` halves if given). */
function expectPrinted(got: number, printed: string, halfUnits = 1): void {
  expect(Math.abs(got - Number(printed))).toBeLessThanOrEqual(halfUnit(printed) * halfUnits);
}

describe('BG/NBD published values', () => {
  it('P(X(t) = n) of the BTYD walkthrough to every printed digit (eq. 8)', () => {
    // Prepare
    const p30 = [
      '0.0019995214',
      '0.0015170236',
      '0.0011633150',
      '0.0009003148',
      '0.0007023638',
      '0.0005517902',
      '0.0004361913',
      '0.0003467171',
      '0.0002769613',
      '0.0002222260',
    ];
    // Act / Assess
    expectPrinted(probabilityOfPurchases(BTYD_ROUNDED, 39, 0), '0.5737864');
    expectPrinted(probabilityOfPurchases(BTYD_ROUNDED, 2, 10), '1.07869e-07');
    for (const [i, printed] of p30.entries()) {
      expectPrinted(probabilityOfPurchases(BTYD_ROUNDED, 30, 11 + i), printed);
    }
  });

  it('E[X(t)] for a new customer matches lifetimes to 6 decimals (eq. 9)', () => {
    // Prepare: t = 31.8571 is 1.0404945105 (mpmath, below): the table's 1.040494 is one unit off in
    // its last digit, so that row is allowed one whole unit.
    const rows: [t: number, printed: string, halfUnits: number][] = [
      [0.1429, '0.007816', 1],
      [1, '0.053185', 1],
      [3, '0.150632', 1],
      [31.8571, '1.040494', 2],
      [32, '1.043737', 1],
      [78, '1.857972', 1],
    ];
    for (const [t, printed, halfUnits] of rows) {
      // Act / Assess
      expectPrinted(expectedPurchasesNew(PEER, t), printed, halfUnits);
    }
  });

  it('E[Y(39)] and P(alive) for the spreadsheet customer match lifetimes to 6 decimals (eq. 10)', () => {
    // Prepare: the peer values are those of Hardie's spreadsheet inputs t_x = 30.43, T = 38.86. The
    // reference table prints them as 30.428571 and 38.857143 (213/7, 272/7), at which eq. (10) gives
    // 1.225998, 0.726620 and 0.194793 instead (mpmath agrees, below).
    const [tx, T] = [30.43, 38.86];
    // Act / Assess
    expectPrinted(conditionalExpectedPurchases(PEER, 39, 2, tx, T), '1.225910');
    expectPrinted(probabilityAlive(PEER, 2, tx, T), '0.726609');
    expectPrinted(conditionalExpectedPurchases(PEER, 39, 0, 0, T), '0.194781');
    expect(probabilityAlive(PEER, 0, 0, T)).toBe(1);
  });

  it('BTYD conditional values, including the "increasing frequency paradox", to 1e-5 relative', () => {
    // Prepare: BTYD computed these at its unrounded estimates; at the 7-digit estimates printed (BTYD
    // above) the seven values move by up to 5.4e-6 relative (x = 25), more than their last digit, and
    // eq. (10) evaluated in 40-digit mpmath at the printed estimates agrees with ours to 1e-12 (below).
    const rows: [x: number, printed: string][] = [
      [10, '0.3474606'],
      [15, '0.04283391'],
      [20, '0.004158973'],
      [25, '0.0003583685'],
    ];
    const close = (got: number, printed: string): void =>
      expect(Math.abs(got / Number(printed) - 1)).toBeLessThanOrEqual(1e-5);
    // Act / Assess
    close(expectedPurchasesNew(BTYD, 52), '1.444004');
    close(conditionalExpectedPurchases(BTYD, 52, 26, 30.85714, 31), '25.75659');
    close(probabilityAlive(BTYD, 26, 30.85714, 31), '0.9688523');
    for (const [x, printed] of rows) close(conditionalExpectedPurchases(BTYD, 52, x, 20, 39), printed);
    // More purchases with the same last purchase date: lower expectation (the paradox).
    const paradox = rows.map(([x]) => conditionalExpectedPurchases(BTYD, 52, x, 20, 39));
    expect(paradox).toEqual([...paradox].sort((p, q) => q - p));
  });

  it('agrees to 1e-12 with eqs. (8)–(10) evaluated by mpmath 1.3.0 at 40 digits (hyp2f1 and exact sums)', () => {
    // Prepare: values computed for this test with mp.dps = 40 from the closed forms of the paper.
    const P = (r: number, alpha: number, a: number, b: number): BgNbdParams => ({ r, alpha, a, b });
    const rows: [got: number, mpmath: number][] = [
      [expectedPurchasesNew(PEER, 0.1429), 0.007816074266190708],
      [expectedPurchasesNew(PEER, 31.8571), 1.0404945104731045],
      [expectedPurchasesNew(PEER, 78), 1.857972105204132],
      [conditionalExpectedPurchases(PEER, 39, 2, 30.428571, 38.857143), 1.2259979909333205],
      [probabilityAlive(PEER, 2, 30.428571, 38.857143), 0.7266202445335045],
      [conditionalExpectedPurchases(PEER, 39, 0, 0, 38.857143), 0.19479250635162815],
      [expectedPurchasesNew(BTYD, 52), 1.4440048010359272],
      [conditionalExpectedPurchases(BTYD, 52, 26, 30.85714, 31), 25.756536041055003],
      [probabilityAlive(BTYD, 26, 30.85714, 31), 0.9688520868968998],
      [conditionalExpectedPurchases(BTYD, 52, 10, 20, 39), 0.34746024562624406],
      [conditionalExpectedPurchases(BTYD, 52, 25, 20, 39), 0.00035837044012641464],
      [probabilityOfPurchases(BTYD_ROUNDED, 30, 20), 0.00022222604800663665],
      [probabilityOfPurchases(BTYD_ROUNDED, 78, 100), 9.210509872132362e-7],
      [probabilityOfPurchases(BTYD_ROUNDED, 78, 400), 6.7183518658830553e-15],
      // Extreme histories and t ≫ α (the quadrature branch): z = t/(α+t) within 3e-6 of 1.
      [conditionalExpectedPurchases(P(0.5, 1, 1.5, 3), 3650, 1000, 3640, 3650), 573.33049807291673],
      [probabilityAlive(P(0.5, 1, 1.5, 3), 1000, 3640, 3650), 0.9772501326676248],
      [conditionalExpectedPurchases(P(0.5, 1, 1.5, 3), 3650, 1000, 3000, 3650), 2.5396000401949334e-80],
      [conditionalExpectedPurchases(BTYD_ROUNDED, 365, 800, 360, 364), 82.77682704648119],
      [expectedPurchasesNew(P(0.243, 0.05, 0.793, 2.426), 3650), 40.31204472325938],
      [expectedPurchasesNew(P(2, 0.01, 0.5, 0.3), 3650), 625.503609767936],
      [expectedPurchasesNew(P(0.243, 0.05, 2.5, 2.426), 3650), 2.382006799120806],
    ];
    for (const [got, mpmath] of rows) {
      // Act / Assess
      expect(Math.abs(got / mpmath - 1)).toBeLessThanOrEqual(1e-12);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Independent numerical integration of the model over λ ~ Gamma(r, α) and p ~ Beta(a, b): trapezoidal
// rules after the exp–sinh map (λ) and the tanh–sinh map (p), which absorb the endpoint singularities of
// both densities (Takahasi & Mori 1974). Priors are left unnormalised; every result is a ratio.

interface Nodes {
  readonly value: readonly number[];
  readonly complement: readonly number[];
  readonly logWeight: readonly number[];
}

const STEP = 1 / 64;

/** αλ = exp((π/2)·sinh τ); log weight = log of y^r e^(−y) (π/2) cosh τ · step, y = αλ. */
function gammaNodes(r: number, alpha: number): Nodes {
  const value: number[] = [];
  const logWeight: number[] = [];
  const edge = Math.asinh(60 / ((r * Math.PI) / 2));
  for (let tau = -edge; tau <= 4; tau += STEP) {
    const s = (Math.PI / 2) * Math.sinh(tau);
    value.push(Math.exp(s) / alpha);
    logWeight.push(r * s - Math.exp(s) + Math.log((Math.PI / 2) * Math.cosh(tau) * STEP));
  }
  return { value, complement: value.map(() => 0), logWeight };
}

/** p = 1/(1 + e^(−π sinh τ)), 1 − p kept separately; log weight = log of p^a (1−p)^b π cosh τ · step. */
function betaNodes(a: number, b: number): Nodes {
  const value: number[] = [];
  const complement: number[] = [];
  const logWeight: number[] = [];
  const edge = Math.asinh(60 / (Math.PI * Math.min(a, b)));
  for (let tau = -edge; tau <= edge; tau += STEP) {
    const s = Math.PI * Math.sinh(tau);
    const logP = s < 0 ? s - Math.log1p(Math.exp(s)) : -Math.log1p(Math.exp(-s));
    value.push(Math.exp(logP));
    complement.push(Math.exp(logP - s));
    logWeight.push(a * logP + b * (logP - s) + Math.log(Math.PI * Math.cosh(tau) * STEP));
  }
  return { value, complement, logWeight };
}

/** log ∫∫ e^(logA(λ) + logB(p, 1−p)) · g(λ, p) prior(λ) prior(p) dλ dp. */
function logIntegral(
  lambdas: Nodes,
  ps: Nodes,
  logA: (lambda: number) => number,
  logB: (p: number, q: number) => number,
  g?: (lambda: number, p: number) => number,
): number {
  const la = lambdas.value.map((l, i) => (lambdas.logWeight[i] as number) + logA(l));
  const lb = ps.value.map((p, j) => (ps.logWeight[j] as number) + logB(p, ps.complement[j] as number));
  const [ma, mb] = [Math.max(...la), Math.max(...lb)];
  const wa = la.map((v) => Math.exp(v - ma));
  const wb = lb.map((v) => Math.exp(v - mb));
  let sum = 0;
  if (!g) sum = wa.reduce((s, v) => s + v, 0) * wb.reduce((s, v) => s + v, 0);
  else
    wa.forEach((u, i) => {
      const lambda = lambdas.value[i] as number;
      wb.forEach((v, j) => {
        sum += u * v * g(lambda, ps.value[j] as number);
      });
    });
  return ma + mb + Math.log(sum);
}

/** E[(1 − e^(−λpt))/p]: purchases in (0, t] given λ and p (FHL §3), averaged over the priors. */
function integratedExpectedPurchases(params: BgNbdParams, t: number): number {
  const [lambdas, ps] = [gammaNodes(params.r, params.alpha), betaNodes(params.a, params.b)];
  const zero = (): number => 0;
  const purchases = (lambda: number, p: number): number => -Math.expm1(-lambda * p * t) / p;
  return Math.exp(logIntegral(lambdas, ps, zero, zero, purchases) - logIntegral(lambdas, ps, zero, zero));
}

/** Posterior E[Y(t)] and P(alive) from the individual likelihood (FHL §3) integrated over the priors. */
function integratedConditional(
  params: BgNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): { expected: number; alive: number } {
  const [lambdas, ps] = [gammaNodes(params.r, params.alpha), betaNodes(params.a, params.b)];
  const aliveLambda = (l: number): number => x * Math.log(l) - l * T;
  const aliveP = (_p: number, q: number): number => x * Math.log(q);
  const logAlive = logIntegral(lambdas, ps, aliveLambda, aliveP);
  const logDead =
    x > 0
      ? logIntegral(
          lambdas,
          ps,
          (l) => x * Math.log(l) - l * tx,
          (p, q) => Math.log(p) + (x - 1) * Math.log(q),
        )
      : Number.NEGATIVE_INFINITY;
  const purchases = (lambda: number, p: number): number => -Math.expm1(-lambda * p * t) / p;
  const logExpected = logIntegral(lambdas, ps, aliveLambda, aliveP, purchases);
  const logEvidence = logAddExp(logAlive, logDead);
  return { expected: Math.exp(logExpected - logEvidence), alive: Math.exp(logAlive - logEvidence) };
}

describe('BG/NBD independent checks', () => {
  it('E[X(t)] equals the integral of (1 − e^(−λpt))/p over the Gamma and Beta densities', () => {
    for (const t of [0.1429, 1, 3, 31.8571, 78, 520]) {
      // Act
      const got = expectedPurchasesNew(PEER, t);
      // Assess
      expect(Math.abs(got / integratedExpectedPurchases(PEER, t) - 1)).toBeLessThanOrEqual(1e-9);
    }
    // t ≫ α, where the series gives way to quadrature (a < 1, a > 1, a + b < 1).
    for (const params of [
      { r: 0.243, alpha: 0.05, a: 0.793, b: 2.426 },
      { r: 0.243, alpha: 0.05, a: 2.5, b: 2.426 },
      { r: 2, alpha: 0.01, a: 0.5, b: 0.3 },
    ]) {
      const got = expectedPurchasesNew(params, 3650);
      expect(Math.abs(got / integratedExpectedPurchases(params, 3650) - 1)).toBeLessThanOrEqual(1e-8);
    }
  });

  it('E[Y(t) | x, t_x, T] and P(alive) equal the posterior integrals of the individual likelihood', () => {
    // Prepare
    const cases: [BgNbdParams, t: number, x: number, tx: number, T: number][] = [
      [PEER, 39, 2, 30.43, 38.86],
      [PEER, 39, 0, 0, 38.86],
      [BTYD, 52, 26, 30.85714, 31],
      [BTYD, 52, 25, 20, 39],
      [{ r: 2, alpha: 10, a: 0.8, b: 2.4 }, 365, 30, 300, 730],
    ];
    for (const [params, t, x, tx, T] of cases) {
      // Act
      const integrated = integratedConditional(params, t, x, tx, T);
      // Assess
      const expected = conditionalExpectedPurchases(params, t, x, tx, T);
      expect(Math.abs(expected / integrated.expected - 1)).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(probabilityAlive(params, x, tx, T) - integrated.alive)).toBeLessThanOrEqual(1e-12);
    }
  });

  it('E[X(t)] = Σ n·P(X(t) = n) and Σ P(X(t) = n) = 1', () => {
    for (const t of [1, 39, 78]) {
      // Prepare: the pmf falls faster than (t/(α+t))^n; 1,200 terms leave < 1e-15.
      let mass = 0;
      let mean = 0;
      // Act
      for (let n = 0; n < 1200; n++) {
        const p = probabilityOfPurchases(BTYD_ROUNDED, t, n);
        mass += p;
        mean += n * p;
      }
      // Assess
      expect(Math.abs(mass - 1)).toBeLessThanOrEqual(1e-12);
      expect(Math.abs(mean / expectedPurchasesNew(BTYD_ROUNDED, t) - 1)).toBeLessThanOrEqual(1e-10);
    }
  });

  it('a customer with no purchases observed over T → 0 is a new customer', () => {
    for (const t of [1, 39, 520]) {
      // Act / Assess
      expect(conditionalExpectedPurchases(PEER, t, 0, 0, 0)).toBe(expectedPurchasesNew(PEER, t));
      const nearlyNew = conditionalExpectedPurchases(PEER, t, 0, 0, 1e-9);
      expect(Math.abs(nearlyNew / expectedPurchasesNew(PEER, t) - 1)).toBeLessThanOrEqual(1e-9);
    }
  });

  it('with a > 1, E[Y(t)] tends to P(alive)·(a+b+x−1)/(a−1), the mean purchases before dropout', () => {
    // Prepare: the remainder falls like (t/(α+T))^(1−a) ≈ 3650^(−2) here.
    const params = { r: 0.5, alpha: 1e-3, a: 3, b: 2 };
    // Act
    const got = conditionalExpectedPurchases(params, 3650, 4, 0.5, 1);
    // Assess
    const limit = (probabilityAlive(params, 4, 0.5, 1) * (3 + 2 + 4 - 1)) / (3 - 1);
    expect(got).toBeLessThan(limit);
    expect(got / limit).toBeGreaterThan(1 - 1e-6);
  });

  it('E[X(t)] increases smoothly through the switch from series to quadrature (t/α from 1e4 to 1e6)', () => {
    // Prepare
    const params = { r: 0.243, alpha: 1, a: 0.793, b: 2.426 };
    const ts = Array.from({ length: 41 }, (_, k) => 1e4 * 100 ** (k / 40));
    // Act
    const values = ts.map((t) => expectedPurchasesNew(params, t));
    // Assess: increasing, and the local log–log slope changes slowly (E ~ t^(1−a) for large t).
    const slopes = values.slice(1).map((v, k) => Math.log(v / (values[k] as number)));
    expect(slopes.every((s) => s > 0)).toBe(true);
    slopes.slice(1).forEach((s, k) => {
      expect(Math.abs(s / (slopes[k] as number) - 1)).toBeLessThan(0.01);
    });
  });
});

describe('BG/NBD log-likelihood', () => {
  it('equals eq. (6) written out directly, per customer, and sums with weights', () => {
    // Prepare
    const { r, alpha, a, b } = PEER;
    const data = {
      x: [0, 1, 2, 7],
      tx: [0, 3.5, 30.43, 35],
      T: [38.86, 38.86, 38.86, 39],
      weight: [5, 1, 2, 1],
    };
    const gamma = (v: number): number => Math.exp(lgammaSlow(v));
    const beta = (p: number, q: number): number => (gamma(p) * gamma(q)) / gamma(p + q);
    // Act
    const got = bgNbdLogLikelihoods(PEER, data);
    // Assess
    data.x.forEach((x, i) => {
      const [tx, T] = [data.tx[i] as number, data.T[i] as number];
      const common = (gamma(r + x) * alpha ** r) / gamma(r);
      const alive = ((beta(a, b + x) / beta(a, b)) * common) / (alpha + T) ** (r + x);
      const dead = x > 0 ? ((beta(a + 1, b + x - 1) / beta(a, b)) * common) / (alpha + tx) ** (r + x) : 0;
      expect(Math.abs((got[i] as number) - Math.log(alive + dead))).toBeLessThanOrEqual(1e-12);
    });
    const weighted = data.weight.reduce((s, w, i) => s + w * (got[i] as number), 0);
    expect(bgNbdLogLikelihood(PEER, data)).toBeCloseTo(weighted, 10);
  });

  it('has an analytic gradient equal to central differences', () => {
    // Prepare: simulated customers plus extreme rows (x beyond the per-x tables, x = T = 0).
    const simulated = simulateBgNbd(PEER, 2_000, 26, 78, 7);
    const data: RfmData = {
      x: [...simulated.x, 150_000, 0, 1],
      tx: [...simulated.tx, 3_000, 0, 0],
      T: [...simulated.T, 3_650, 0, 1e-6],
    };
    for (const params of [PEER, { r: 1.7, alpha: 0.3, a: 12, b: 0.05 }]) {
      // Act
      const analytic = bgNbdLogLikelihoodGradient(params, data);
      // Assess
      (['r', 'alpha', 'a', 'b'] as const).forEach((key, i) => {
        const h = 1e-5 * params[key];
        const f = (v: number): number => bgNbdLogLikelihood({ ...params, [key]: v }, data);
        const numeric = (f(params[key] + h) - f(params[key] - h)) / (2 * h);
        expect(Math.abs((analytic[i] as number) - numeric)).toBeLessThanOrEqual(
          1e-6 * Math.abs(numeric) + 1e-4,
        );
      });
    }
  });

  it('is the same on collapsed histories with weights as on the raw rows', () => {
    // Prepare
    const raw = simulateBgNbd(PEER, 5_000, 26, 78, 3);
    // Act
    const { unique } = collapseHistories(raw);
    // Assess
    expect(unique.x.length).toBeLessThan(raw.x.length);
    const [full, collapsed] = [bgNbdLogLikelihood(PEER, raw), bgNbdLogLikelihood(PEER, unique)];
    expect(Math.abs(collapsed / full - 1)).toBeLessThanOrEqual(1e-12);
  });
});

describe('BG/NBD on extreme inputs (fast-check)', () => {
  const logUniform = (lo: number, hi: number): fc.Arbitrary<number> =>
    fc.double({ min: Math.log(lo), max: Math.log(hi), noNaN: true }).map(Math.exp);
  const params = fc.record({
    r: logUniform(1e-3, 1e3),
    alpha: logUniform(1e-3, 1e3),
    a: logUniform(1e-3, 1e3),
    b: logUniform(1e-3, 1e3),
  });
  const history = fc
    .record({
      x: fc.integer({ min: 0, max: 1000 }),
      T: fc.double({ min: 0, max: 3650, noNaN: true }),
      share: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ x, T, share }) => ({ x, T, tx: x === 0 ? 0 : share * T }));
  const horizon = fc.double({ min: 0, max: 3650, noNaN: true });

  it('P(alive) is a probability', () => {
    fc.assert(
      fc.property(params, history, (p, h) => {
        const alive = probabilityAlive(p, h.x, h.tx, h.T);
        expect(alive).toBeGreaterThanOrEqual(0);
        expect(alive).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('E[Y(t)] is finite, ≥ 0 and non-decreasing in t', () => {
    fc.assert(
      fc.property(params, history, horizon, horizon, (p, h, t1, t2) => {
        const [early, late] = [Math.min(t1, t2), Math.max(t1, t2)];
        const [e1, e2] = [early, late].map((t) => conditionalExpectedPurchases(p, t, h.x, h.tx, h.T)) as [
          number,
          number,
        ];
        expect(Number.isFinite(e1) && Number.isFinite(e2)).toBe(true);
        expect(e1).toBeGreaterThanOrEqual(0);
        expect(e2).toBeGreaterThanOrEqual(e1 * (1 - 1e-9));
      }),
    );
  });

  it('log-likelihoods, E[X(t)] and P(X(t) = n) stay finite', () => {
    fc.assert(
      fc.property(params, history, horizon, fc.integer({ min: 0, max: 1000 }), (p, h, t, n) => {
        const ll = bgNbdLogLikelihoods(p, { x: [h.x], tx: [h.tx], T: [h.T] })[0] as number;
        expect(Number.isFinite(ll)).toBe(true);
        const expected = expectedPurchasesNew(p, t);
        expect(Number.isFinite(expected) && expected >= 0).toBe(true);
        const probability = probabilityOfPurchases(p, t, n);
        expect(probability).toBeGreaterThanOrEqual(0);
        expect(probability).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('fitBgNbd', () => {
  it('recovers the parameters of 20,000 simulated customers within 10%', () => {
    // Prepare: frequent buyers over one to three years, so each parameter's standard error (≤ 2.7%,
    // observed information) is under a third of the 10% band.
    const truth = { r: 1, alpha: 2, a: 0.793, b: 2.426 };
    const { unique } = collapseHistories(simulateBgNbd(truth, 20_000, 52, 156, 2024));
    // Act
    const fit = fitBgNbd(unique);
    // Assess
    expect(fit.converged).toBe(true);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) {
      expect(Math.abs(fit.params[key] / truth[key] - 1)).toBeLessThanOrEqual(0.1);
    }
    expect(fit.logLikelihood).toBeCloseTo(bgNbdLogLikelihood(fit.params, unique), 8);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(bgNbdLogLikelihood(truth, unique));
  });

  it('is deterministic and collapses raw rows itself', () => {
    // Prepare
    const raw = simulateBgNbd(PEER, 3_000, 26, 78, 11);
    // Act
    const [first, second] = [fitBgNbd(raw), fitBgNbd(collapseHistories(raw).unique)];
    // Assess
    expect(second).toEqual(first);
  });

  it('throws ModelFitError without customers or on histories with no finite likelihood', () => {
    // Act / Assess
    expect(() => fitBgNbd({ x: [], tx: [], T: [] })).toThrow(ModelFitError);
    expect(() => fitBgNbd({ x: [1, 2], tx: [1, Number.NaN], T: [3, 4] })).toThrow(ModelFitError);
  });
});

describe('collapseHistories', () => {
  it('sums the weights of identical (x, t_x, T) rows and maps every row to its unique history', () => {
    // Prepare
    const data = {
      x: [0, 2, 0, 2, 0],
      tx: [0, 5, 0, 5, -0],
      T: [10, 12, 10, 13, 10],
      weight: [1, 2, 3, 4, 5],
    };
    // Act
    const { unique, indexOf } = collapseHistories(data);
    // Assess: first-seen order; −0 is the same history as 0.
    expect(Array.from(unique.x)).toEqual([0, 2, 2]);
    expect(Array.from(unique.T)).toEqual([10, 12, 13]);
    expect(Array.from(unique.weight ?? [])).toEqual([9, 2, 4]);
    expect([...indexOf]).toEqual([0, 1, 0, 2, 0]);
  });

  it('counts each unweighted row once', () => {
    // Act
    const { unique } = collapseHistories({ x: [1, 1, 1], tx: [2, 2, 2], T: [3, 3, 3] });
    // Assess
    expect(Array.from(unique.weight ?? [])).toEqual([3]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Helpers.

/** Stirling series for log Γ, an implementation independent of the module's Lanczos one (v ≥ 0.1). */
function lgammaSlow(v: number): number {
  let shift = 0;
  let y = v;
  while (y < 15) {
    shift -= Math.log(y);
    y += 1;
  }
  const inv2 = 1 / (y * y);
  const series = (1 / y) * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680))));
  return shift + (y - 0.5) * Math.log(y) - y + 0.5 * Math.log(2 * Math.PI) + series;
}
