/** Seeded simulation of the BG/NBD process for the fit tests (unit and slow). */
import type { BgNbdParams } from '../../lambdas/model/btyd-types.js';

/** mulberry32 (Tommy Ettinger), seeded: uniform on [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Gamma(shape, 1) draws: Marsaglia & Tsang (2000), with U^(1/shape) boosting for shape < 1. */
function standardGamma(shape: number, uniform: () => number): number {
  if (shape < 1) return standardGamma(shape + 1, uniform) * (1 - uniform()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    const v = (1 + c * z) ** 3;
    if (v > 0 && Math.log(1 - uniform()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * The BG/NBD generative process (FHL §2): λ ~ Gamma(r, rate α), p ~ Beta(a, b); from the first purchase
 * at 0, repeat purchases arrive as a Poisson process with rate λ and after each one the customer drops
 * out with probability p; observed until T, uniform over whole days between `fromWeeks` and `toWeeks`.
 */
export function simulateBgNbd(
  params: BgNbdParams,
  customers: number,
  fromWeeks: number,
  toWeeks: number,
  seed: number,
) {
  const uniform = mulberry32(seed);
  const x = new Float64Array(customers);
  const tx = new Float64Array(customers);
  const T = new Float64Array(customers);
  for (let i = 0; i < customers; i++) {
    const lambda = standardGamma(params.r, uniform) / params.alpha;
    const g = standardGamma(params.a, uniform);
    const p = g / (g + standardGamma(params.b, uniform));
    const days = Math.round(fromWeeks * 7 + uniform() * (toWeeks - fromWeeks) * 7);
    T[i] = days / 7;
    for (let time = 0; ; ) {
      time -= Math.log(1 - uniform()) / lambda;
      if (time > (T[i] as number)) break;
      x[i] = (x[i] as number) + 1;
      tx[i] = time;
      if (uniform() < p) break;
    }
  }
  return { x, tx, T };
}
