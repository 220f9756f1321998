/** RFM scores 1..5 in expected O(n) and the (R, F) segment grid (Hughes 1994, "Strategic Database Marketing"). */
import { selectInPlace } from './stats.js';
import type { RfmSegment } from './types.js';

/*
 * score = 1 + ⌊5·c/n⌋ where c counts values strictly better. ⌊5c/n⌋ ≥ k ⇔ c ≥ t_k = ⌈k·n/5⌉, so a score
 * is 1 plus the number of the four cut-offs t_1..t_4 that c reaches. With x_(j) the j-th smallest value
 * (0-based), "at least t values strictly lower than v" ⇔ x_(t−1) < v, and "at least t strictly greater"
 * ⇔ x_(n−t) > v: four order statistics (selection, no full sort), then four comparisons per value.
 */
function cutoffs(values: ArrayLike<number>, lower: boolean): number[] {
  const n = values.length;
  const work = Float64Array.from(values);
  return [1, 2, 3, 4].map((k) => {
    const t = Math.ceil((k * n) / 5);
    return selectInPlace(work, lower ? t - 1 : n - t);
  });
}

function scores(values: ArrayLike<number>, lower: boolean): Uint8Array {
  const n = values.length;
  const result = new Uint8Array(n);
  if (n === 0) return result;
  const [c1 = 0, c2 = 0, c3 = 0, c4 = 0] = cutoffs(values, lower);
  for (let i = 0; i < n; i++) {
    const v = values[i] ?? 0;
    result[i] = lower
      ? 1 + +(v > c1) + +(v > c2) + +(v > c3) + +(v > c4)
      : 1 + +(v < c1) + +(v < c2) + +(v < c3) + +(v < c4);
  }
  return result;
}

/** Score 1 + ⌊5 · #(values strictly lower) / n⌋ for each value; equal values share a score. */
export function scoresByLowerCount(values: ArrayLike<number>): Uint8Array {
  return scores(values, true);
}

/** Score 1 + ⌊5 · #(values strictly greater) / n⌋ for each value (for recency: fewer days is better). */
export function scoresByGreaterCount(values: ArrayLike<number>): Uint8Array {
  return scores(values, false);
}

// Rows R1..R5, columns F1..F5 (the widely used 10-segment RFM grid).
const GRID: readonly (readonly RfmSegment[])[] = [
  ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cant_lose'],
  ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cant_lose'],
  ['about_to_sleep', 'about_to_sleep', 'need_attention', 'loyal', 'loyal'],
  ['promising', 'potential_loyalist', 'potential_loyalist', 'loyal', 'loyal'],
  ['new_customers', 'potential_loyalist', 'potential_loyalist', 'champions', 'champions'],
];

function gridIndex(score: number): number {
  return Math.min(4, Math.max(0, Math.round(score) - 1));
}

/** Segment label of an (R, F) score pair; scores outside 1..5 are clamped. */
export function rfmSegment(r: number, f: number): RfmSegment {
  return GRID[gridIndex(r)]?.[gridIndex(f)] ?? 'hibernating';
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
