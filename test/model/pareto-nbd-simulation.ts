/** Seeded simulation of the Pareto/NBD process for the fit tests (unit and slow). */
import type { ParetoNbdParams, RfmData } from '../../lambdas/model/btyd-types.js';

/** sfc32 (Doninger's small fast counter), seeded: uniform on (0, 1), never exactly 0. */
function sfc32(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return ((t >>> 0) + 0.5) / 2 ** 32;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

/** Gamma(shape, rate) draws: Marsaglia & Tsang (2000), with U^(1/shape) boosting for shape < 1. */
function gammaSampler(uniform: () => number): (shape: number, rate: number) => number {
  const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const draw = (shape: number): number => {
    if (shape < 1) return draw(shape + 1) * uniform() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const z = normal();
      const v = (1 + c * z) ** 3;
      if (v <= 0) continue;
      const u = uniform();
      if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
    }
  };
  return (shape, rate) => draw(shape) / rate;
}

/**
 * `customers` histories in continuous time: λ ~ Gamma(r, rate α), μ ~ Gamma(s, rate β), lifetime
 * τ ~ Exp(μ), T uniform on [tMin, tMax]; repeat purchases are a Poisson(λ) process until min(τ, T).
 * x = their number, t_x = the time of the last one (0 without any).
 */
export function simulateParetoNbd(
  params: ParetoNbdParams,
  customers: number,
  [tMin, tMax]: readonly [number, number],
  seed: number,
): { x: Float64Array; tx: Float64Array; T: Float64Array } & RfmData {
  const uniform = sfc32(seed);
  const gamma = gammaSampler(uniform);
  const x = new Float64Array(customers);
  const tx = new Float64Array(customers);
  const T = new Float64Array(customers);
  for (let i = 0; i < customers; i++) {
    const lambda = gamma(params.r, params.alpha);
    const mu = gamma(params.s, params.beta);
    const lifetime = -Math.log(uniform()) / mu;
    const observed = tMin + (tMax - tMin) * uniform();
    const end = Math.min(lifetime, observed);
    let t = -Math.log(uniform()) / lambda;
    while (t <= end) {
      x[i] = (x[i] as number) + 1;
      tx[i] = t;
      t += -Math.log(uniform()) / lambda;
    }
    T[i] = observed;
  }
  return { x, tx, T };
}
