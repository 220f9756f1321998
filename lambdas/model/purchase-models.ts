/**
 * The two purchase models behind one interface (BG/NBD, Fader, Hardie & Lee 2005; Pareto/NBD,
 * Schmittlein, Morrison & Colombo 1987), the time units they run in, and the grouping of identical
 * histories that every fit and prediction runs on.
 */
import * as bg from './bg-nbd.js';
import { collapseHistories } from './btyd-summary.js';
import type { BgNbdParams, FitReport, ParetoNbdParams, RfmData } from './btyd-types.js';
import * as pareto from './pareto-nbd.js';

export const DAYS_PER_UNIT = { day: 1, week: 7 } as const;
/**
 * A month is 30 days, as lifetimes counts it for daily data (freq 'D'), so day-unit runs give its numbers.
 * Weeks use 30/7 rather than lifetimes' 4.345 (30.4 days) so that a run in weeks predicts exactly what
 * the same run in days does: results are identical up to the unit.
 */
export const UNITS_PER_MONTH = { day: 30, week: 30 / 7 } as const;

export interface Model<P> {
  readonly fit: (data: RfmData) => FitReport<P>;
  readonly expected: (params: P, t: number, x: number, tx: number, T: number) => number;
  readonly alive: (params: P, x: number, tx: number, T: number) => number;
  /** `expected` for every row at every horizon (one array per horizon), when the model has a faster way. */
  readonly expectedByHorizon?: (params: P, data: RfmData, horizons: readonly number[]) => Float64Array[];
}

export const MODELS = {
  'bg-nbd': {
    fit: (data) => bg.fitBgNbd(data),
    expected: bg.conditionalExpectedPurchases,
    alive: bg.probabilityAlive,
    expectedByHorizon: bg.conditionalExpectedPurchasesByHorizon,
  } satisfies Model<BgNbdParams>,
  'pareto-nbd': {
    fit: (data) => pareto.fitParetoNbd(data),
    expected: pareto.conditionalExpectedPurchases,
    alive: pareto.probabilityAlive,
  } satisfies Model<ParetoNbdParams>,
} as const;

/** Histories in days scaled to the model's unit (each value on its own, so any subset scales the same). */
export function inUnits(data: RfmData, unit: 'day' | 'week'): RfmData {
  const k = DAYS_PER_UNIT[unit];
  if (k === 1) return data;
  const scale = (v: ArrayLike<number>) => {
    const out = new Float64Array(v.length);
    for (let i = 0; i < out.length; i++) out[i] = (v[i] as number) / k;
    return out;
  };
  return { x: data.x, tx: scale(data.tx), T: scale(data.T), ...(data.weight ? { weight: data.weight } : {}) };
}

/** f(x, t_x, T) of every history in `data`, in order. */
export function perHistory(data: RfmData, f: (x: number, tx: number, T: number) => number): Float64Array {
  const out = new Float64Array(data.x.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = f(data.x[i] as number, data.tx[i] as number, data.T[i] as number);
  }
  return out;
}

/** Histories in the model's unit, their distinct (x, t_x, T) with weights, and each row's distinct history. */
export interface GroupedHistories {
  readonly data: RfmData;
  readonly unique: RfmData;
  readonly indexOf: ArrayLike<number>;
}

/** Scales histories in days to `unit` and groups identical ones (every fit and prediction runs on those). */
export function groupHistories(histories: RfmData, unit: 'day' | 'week'): GroupedHistories {
  const data = inUnits(histories, unit);
  return { data, ...collapseHistories(data) };
}
