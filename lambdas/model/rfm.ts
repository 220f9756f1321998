/** RFM quintile-style scores 1..5 in O(n log n) and the (R, F) segment grid (Hughes 1994). */
import { lowerBound, upperBound } from './stats.js';
import type { RfmSegment } from './types.js';

function scoreOf(better: number, n: number): number {
  return Math.min(5, 1 + Math.floor((5 * better) / n));
}

/** Score 1 + ⌊5 · #(values strictly lower) / n⌋ for each value; equal values share a score. */
export function scoresByLowerCount(values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  const scores = new Uint8Array(n);
  for (let i = 0; i < n; i++) scores[i] = scoreOf(lowerBound(sorted, values[i] ?? 0), n);
  return scores;
}

/** Score 1 + ⌊5 · #(values strictly greater) / n⌋ for each value (for recency: fewer days is better). */
export function scoresByGreaterCount(values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  const scores = new Uint8Array(n);
  for (let i = 0; i < n; i++) scores[i] = scoreOf(n - upperBound(sorted, values[i] ?? 0), n);
  return scores;
}

// Rows R1..R5, columns F1..F5 (the widely used 10-segment RFM grid).
const GRID: readonly (readonly RfmSegment[])[] = [
  ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cant_lose'],
  ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cant_lose'],
  ['about_to_sleep', 'about_to_sleep', 'need_attention', 'loyal', 'loyal'],
  ['promising', 'potential_loyalist', 'potential_loyalist', 'loyal', 'loyal'],
  ['new_customers', 'potential_loyalist', 'potential_loyalist', 'champions', 'champions'],
];

/** Segment label of an (R, F) score pair; scores outside 1..5 are clamped. */
export function rfmSegment(r: number, f: number): RfmSegment {
  const clamp = (score: number): number => Math.min(4, Math.max(0, Math.round(score) - 1));
  return GRID[clamp(r)]?.[clamp(f)] ?? 'hibernating';
}

/** R, F and M scores of parallel arrays: days since last order, orders, net revenue. */
export interface RfmScores {
  readonly r: Uint8Array;
  readonly f: Uint8Array;
  readonly m: Uint8Array;
}

/** Scores every customer: R by days since last order (fewer is better), F by orders, M by net revenue. */
export function rfmScores(
  daysSinceLastOrder: ArrayLike<number>,
  orders: ArrayLike<number>,
  netRevenue: ArrayLike<number>,
): RfmScores {
  return {
    r: scoresByGreaterCount(daysSinceLastOrder),
    f: scoresByLowerCount(orders),
    m: scoresByLowerCount(netRevenue),
  };
}
