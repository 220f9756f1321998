/** Seeded Gamma-Gamma spend simulation for the fit tests (unit and slow). */
import type { GammaGammaParams, SpendData } from '../../lambdas/model/btyd-types.js';
import { gammaSampler, sfc32 } from './simulation-random.js';

/** ν ~ Gamma(q, γ) per customer, x uniform on 1..20, each of x purchases z ~ Gamma(p, ν); z̄ their mean. */
export function simulateSpend(params: GammaGammaParams, customers: number, seed: number): SpendData {
  const uniform = sfc32(seed);
  const gamma = gammaSampler(uniform);
  const x = new Float64Array(customers);
  const monetary = new Float64Array(customers);
  for (let i = 0; i < customers; i++) {
    const nu = gamma(params.q, params.gamma);
    const purchases = 1 + Math.floor(uniform() * 20);
    let total = 0;
    for (let j = 0; j < purchases; j++) total += gamma(params.p, nu);
    x[i] = purchases;
    monetary[i] = total / purchases;
  }
  return { x, monetary };
}
