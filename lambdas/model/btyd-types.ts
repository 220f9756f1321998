/**
 * Shared shapes of the "buy till you die" models (Fader, Hardie & Lee 2005; Schmittlein, Morrison &
 * Colombo 1987). Conventions (lifetimes, BTYD, Hardie's notes): x = repeat purchase periods (distinct
 * purchase days − 1), t_x = time of the last purchase since the first (0 when x = 0), T = time from the
 * first purchase to the end of observation, all in one time unit (days or weeks).
 */
import { ModelError } from './errors.js';

/** Per-customer (or per distinct history, with `weight` = how many customers share it) inputs. */
export interface RfmData {
  readonly x: ArrayLike<number>;
  readonly tx: ArrayLike<number>;
  readonly T: ArrayLike<number>;
  /** Customers sharing the history; 1 each when absent. */
  readonly weight?: ArrayLike<number>;
}

/** Spend inputs of the Gamma-Gamma model: customers with x > 0 and positive mean repeat spend only. */
export interface SpendData {
  readonly x: ArrayLike<number>;
  /** Mean value of the repeat purchases (first purchase excluded). */
  readonly monetary: ArrayLike<number>;
  readonly weight?: ArrayLike<number>;
}

/** BG/NBD: λ ~ Gamma(r, α), dropout p ~ Beta(a, b) (Fader, Hardie & Lee 2005). */
export interface BgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

/** Pareto/NBD: λ ~ Gamma(r, α), μ ~ Gamma(s, β) (Schmittlein, Morrison & Colombo 1987). */
export interface ParetoNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly s: number;
  readonly beta: number;
}

/** Gamma-Gamma: z ~ Gamma(p, ν), ν ~ Gamma(q, γ) (Fader, Hardie & Lee 2005b; Hardie note 025). */
export interface GammaGammaParams {
  readonly p: number;
  readonly q: number;
  readonly gamma: number;
}

/** What a maximum-likelihood fit reports (the run record stores it). */
export interface FitReport<P> {
  readonly params: P;
  /** Total log-likelihood at `params` (weighted sum over customers). */
  readonly logLikelihood: number;
  readonly iterations: number;
  readonly converged: boolean;
  /** Why the optimiser stopped. */
  readonly message: string;
}

/** A fit that could not produce finite parameters (the run publishes historic metrics, marked degraded). */
export class ModelFitError extends ModelError {
  override readonly name = 'ModelFitError';
}
