import { describe, expect, it } from 'vitest';
import { median, medianOfMiddles, ratioOrNull, selectInPlace } from '../../lambdas/model/stats.js';

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('medianOfMiddles', () => {
  it('is the middle value for odd n, the mean of the two middle values for even n, 0 for none', () => {
    // Act / Assess: [1, 3, 5] → 3; [1, 2, 3, 4] → (2 + 3) / 2; [] → 0.
    expect(medianOfMiddles(3, 3, 3)).toBe(3);
    expect(medianOfMiddles(4, 2, 3)).toBe(2.5);
    expect(medianOfMiddles(0, 0, 0)).toBe(0);
    expect(medianOfMiddles(1, -7, -7)).toBe(-7);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    // Act / Assess
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBeCloseTo(2.5, 12); // (2 + 3) / 2
    expect(median([])).toBe(0);
    expect(median([-7])).toBe(-7);
  });

  it('does not reorder its input', () => {
    // Prepare
    const values = [3, 1, 2];
    // Act
    median(values);
    // Assess
    expect(values).toEqual([3, 1, 2]);
  });

  it('agrees with a full sort on seeded random, tied, sorted and constant data', () => {
    // Prepare
    const next = lcg(42);
    const cases: number[][] = [
      Array.from({ length: 1001 }, () => next() * 100 - 50),
      Array.from({ length: 1000 }, () => Math.floor(next() * 7)),
      Array.from({ length: 500 }, (_, i) => i),
      Array.from({ length: 501 }, (_, i) => 501 - i),
      Array.from({ length: 64 }, () => 2),
    ];
    for (const values of cases) {
      const sorted = [...values].sort((a, b) => a - b);
      const n = sorted.length;
      const expected = n % 2 ? (sorted[n >> 1] ?? 0) : ((sorted[n / 2 - 1] ?? 0) + (sorted[n / 2] ?? 0)) / 2;
      // Act / Assess
      expect(median(values)).toBeCloseTo(expected, 12);
      expect(selectInPlace(Float64Array.from(values), 17)).toBe(sorted[17]);
    }
  });
});

describe('ratioOrNull', () => {
  it('divides only by a positive denominator', () => {
    // Act / Assess
    expect(ratioOrNull(10, 4)).toBeCloseTo(2.5, 12);
    expect(ratioOrNull(10, 0)).toBeNull();
    expect(ratioOrNull(10, -1)).toBeNull();
  });
});
