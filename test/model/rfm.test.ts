import { describe, expect, it } from 'vitest';
import {
  rfmCutoffs,
  rfmOfCustomer,
  rfmScores,
  rfmSegment,
  scoresByGreaterCount,
  scoresByLowerCount,
} from '../../lambdas/model/rfm.js';

/** The definition, literally: O(n²) counting, for cross-checking the sorted implementation. */
function bruteForceScores(
  values: readonly number[],
  better: (other: number, mine: number) => boolean,
): number[] {
  return values.map((mine) => {
    const count = values.filter((other) => better(other, mine)).length;
    return Math.min(5, 1 + Math.floor((5 * count) / values.length));
  });
}

/** Numerical Recipes' LCG; deterministic, so a failure reproduces. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('RFM scores', () => {
  it('scores the fixture by hand, ties sharing a score', () => {
    // Prepare: orders [3,1,2,4,2,1], n = 6; score = 1 + ⌊5 × #lower / 6⌋.
    //   3: 4 lower → 1 + ⌊20/6⌋ = 4;  1: 0 lower → 1;  2: 2 lower → 1 + ⌊10/6⌋ = 2;  4: 5 lower → 1 + ⌊25/6⌋ = 5.
    // Days since last order [30,70,21,58,131,0]; R counts strictly greater (fewer days is better):
    //   30: 3 greater → 1 + ⌊15/6⌋ = 3;  70: 1 → 1;  21: 4 → 4;  58: 2 → 2;  131: 0 → 1;  0: 5 → 5.
    // Net revenue [300,100,150,400,200,50]: 4 → 4; 1 → 1; 2 → 2; 5 → 5; 3 → 1 + ⌊15/6⌋ = 3; 0 → 1.
    // Act
    const scores = rfmScores([30, 70, 21, 58, 131, 0], [3, 1, 2, 4, 2, 1], [300, 100, 150, 400, 200, 50]);
    // Assess
    expect([...scores.f]).toEqual([4, 1, 2, 5, 2, 1]);
    expect([...scores.r]).toEqual([3, 1, 4, 2, 1, 5]);
    expect([...scores.m]).toEqual([4, 1, 2, 5, 3, 1]);
  });

  it('gives every customer the same score when all values tie', () => {
    // Act / Assess: nobody is strictly lower or greater → 1 + 0 = 1.
    expect([...scoresByLowerCount([7, 7, 7])]).toEqual([1, 1, 1]);
    expect([...scoresByGreaterCount([7, 7, 7])]).toEqual([1, 1, 1]);
    expect([...scoresByLowerCount([])]).toEqual([]);
  });

  it('matches a brute-force count on seeded random data with many ties', () => {
    // Prepare: values from 0..49 (many ties), a continuous set, and every small size 1..12.
    const next = lcg(20260331);
    const discrete = Array.from({ length: 2003 }, () => Math.floor(next() * 50));
    const continuous = Array.from({ length: 997 }, () => next() * 1000 - 100);
    const small = Array.from({ length: 12 }, (_, i) =>
      Array.from({ length: i + 1 }, () => Math.floor(next() * 4)),
    );
    for (const values of [discrete, continuous, ...small]) {
      // Act
      const lower = [...scoresByLowerCount(values)];
      const greater = [...scoresByGreaterCount(values)];
      // Assess
      expect(lower).toEqual(bruteForceScores(values, (other, mine) => other < mine));
      expect(greater).toEqual(bruteForceScores(values, (other, mine) => other > mine));
    }
  });
});

describe('RFM cut-offs', () => {
  it('score each customer alone as the definition scores it among the whole run', () => {
    // Prepare: 1,500 customers with many ties in days and orders, continuous revenue.
    const next = lcg(7);
    const days = Array.from({ length: 1500 }, () => Math.floor(next() * 400));
    const orders = Array.from({ length: 1500 }, () => 1 + Math.floor(next() * next() * 9));
    const revenue = Array.from({ length: 1500 }, () => Math.round(next() * 90000) / 100 - 50);
    // Act
    const cutoffs = rfmCutoffs(days, orders, revenue);
    const alone = days.map((d, i) => rfmOfCustomer(cutoffs, d, orders[i] as number, revenue[i] as number));
    // Assess: scores against the brute-force definition, segments against the grid.
    expect(alone.map((s) => s.r)).toEqual(bruteForceScores(days, (other, mine) => other > mine));
    expect(alone.map((s) => s.f)).toEqual(bruteForceScores(orders, (other, mine) => other < mine));
    expect(alone.map((s) => s.m)).toEqual(bruteForceScores(revenue, (other, mine) => other < mine));
    expect(alone.map((s) => s.segment)).toEqual(alone.map((s) => rfmSegment(s.r, s.f)));
    expect(JSON.parse(JSON.stringify(cutoffs))).toEqual(cutoffs);
  });
});

describe('rfmSegment', () => {
  it('maps the (R, F) grid', () => {
    // Act / Assess: one cell from each rule of the grid.
    const cases: [number, number, string][] = [
      [1, 1, 'hibernating'],
      [2, 2, 'hibernating'],
      [1, 3, 'at_risk'],
      [2, 4, 'at_risk'],
      [2, 5, 'cant_lose'],
      [3, 2, 'about_to_sleep'],
      [3, 3, 'need_attention'],
      [3, 4, 'loyal'],
      [4, 1, 'promising'],
      [4, 3, 'potential_loyalist'],
      [4, 5, 'loyal'],
      [5, 1, 'new_customers'],
      [5, 2, 'potential_loyalist'],
      [5, 4, 'champions'],
      [5, 5, 'champions'],
    ];
    for (const [r, f, segment] of cases) expect(rfmSegment(r, f), `R${r} F${f}`).toBe(segment);
  });
});
