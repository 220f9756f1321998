/** RFM scores 1..5 in expected O(n) and the (R, F) segment grid (Hughes 1994, "Strategic Database Marketing"). */
import { selectInPlace } from './stats.js';
import type { CustomerMetrics, RfmSegment } from './types.js';

/*
 * score = 1 + ⌊5·c/n⌋ where c counts values strictly better. ⌊5c/n⌋ ≥ k ⇔ c ≥ t_k = ⌈k·n/5⌉, so a score
 * is 1 plus the number of the four cut-offs t_1..t_4 that c reaches. With x_(j) the j-th smallest value
 * (0-based), "at least t values strictly lower than v" ⇔ x_(t−1) < v, and "at least t strictly greater"
 * ⇔ x_(n−t) > v: four order statistics (selection, no full sort), then four comparisons per value.
 */
function cutoffs(values: ArrayLike<number>, lower: boolean): ScoreCutoffs {
  const n = values.length;
  const work = Float64Array.from(values);
  const [c1, c2, c3, c4] = [1, 2, 3, 4].map((k) => {
    const t = Math.ceil((k * n) / 5);
    return selectInPlace(work, lower ? t - 1 : n - t);
  }) as [number, number, number, number];
  return [c1, c2, c3, c4];
}

/** The four order statistics that score one measure (see above); all 0 for an empty run. */
export type ScoreCutoffs = readonly [number, number, number, number];

/** Score of `value` by cut-offs of scoresByLowerCount (`lower`) or scoresByGreaterCount: 1..5. */
export function scoreWithCutoffs(value: number, cutoffs: ScoreCutoffs, lower: boolean): number {
  const [c1, c2, c3, c4] = cutoffs;
  return lower
    ? 1 + +(value > c1) + +(value > c2) + +(value > c3) + +(value > c4)
    : 1 + +(value < c1) + +(value < c2) + +(value < c3) + +(value < c4);
}

function scores(values: ArrayLike<number>, lower: boolean): Uint8Array {
  const n = values.length;
  const result = new Uint8Array(n);
  if (n === 0) return result;
  const c = cutoffs(values, lower);
  for (let i = 0; i < n; i++) result[i] = scoreWithCutoffs(values[i] ?? 0, c, lower);
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

/**
 * The cut-offs of a whole run's R, F and M, so that a customer can be scored alone (e.g. in one shard of
 * the run) exactly as rfmScores scores it among all the run's customers.
 */
export interface RfmCutoffs {
  readonly r: ScoreCutoffs;
  readonly f: ScoreCutoffs;
  readonly m: ScoreCutoffs;
}

/** Cut-offs of parallel arrays over every customer of a run: days since last order, orders, net revenue. */
export function rfmCutoffs(
  daysSinceLastOrder: ArrayLike<number>,
  orders: ArrayLike<number>,
  netRevenue: ArrayLike<number>,
): RfmCutoffs {
  return {
    r: cutoffs(daysSinceLastOrder, false),
    f: cutoffs(orders, true),
    m: cutoffs(netRevenue, true),
  };
}

/** One customer's R, F, M scores (1..5) and segment from the run's cut-offs. */
export function rfmOfCustomer(
  cutoffs: RfmCutoffs,
  daysSinceLastOrder: number,
  orders: number,
  netRevenue: number,
): CustomerMetrics['rfm'] {
  const r = scoreWithCutoffs(daysSinceLastOrder, cutoffs.r, false);
  const f = scoreWithCutoffs(orders, cutoffs.f, true);
  return { r, f, m: scoreWithCutoffs(netRevenue, cutoffs.m, true), segment: rfmSegment(r, f) };
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
