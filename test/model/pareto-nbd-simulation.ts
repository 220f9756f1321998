/** Seeded simulation of the Pareto/NBD process for the fit tests (unit and slow). */
import type { ParetoNbdParams, RfmData } from '../../lambdas/model/btyd-types.js';
import { gammaSampler, sfc32 } from './simulation-random.js';

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
