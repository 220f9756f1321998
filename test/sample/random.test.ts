import { describe, expect, it } from 'vitest';
import {
  beta,
  createRng,
  exponential,
  gamma,
  geometric,
  pickWeighted,
  poisson,
  type Rng,
  standardNormal,
  uniform,
} from '../../lambdas/sample/random.js';

const DRAWS = 200_000;
// The first three uniforms of createRng(42), scaled by 1e9 and rounded; regenerate only on purpose.
const PINNED_SEED_42 = [660615723, 126880104, 111701964];

/** Sample mean and (unbiased) variance of `n` draws. */
function moments(draw: () => number, n = DRAWS): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i += 1) {
    const x = draw();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: (sumSq - n * mean * mean) / (n - 1) };
}

/** Relative error |actual − expected| / expected. */
function relative(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('createRng', () => {
  it('repeats the same sequence for the same seed and differs for another seed', () => {
    // Prepare
    const first = createRng(123);
    const second = createRng(123);
    const other = createRng(124);

    // Act
    const a = Array.from({ length: 1000 }, () => first());
    const b = Array.from({ length: 1000 }, () => second());
    const c = Array.from({ length: 1000 }, () => other());

    // Assess
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('stays in [0, 1) with a uniform mean and variance', () => {
    const rng = createRng(1);
    let min = 1;
    let max = 0;
    const { mean, variance } = moments(() => {
      const u = rng();
      min = Math.min(min, u);
      max = Math.max(max, u);
      return u;
    });
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.003);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.001);
  });

  it('pins the first draws of seed 42 so that a changed generator cannot pass silently', () => {
    const rng = createRng(42);
    const firstThree = [rng(), rng(), rng()].map((u) => Math.round(u * 1e9));
    expect(firstThree).toEqual(PINNED_SEED_42);
  });
});

describe('continuous draws match their analytic moments over 200k seeded draws', () => {
  const rng: Rng = createRng(2024);

  it('uniform(low, high): mean (l + h) / 2 within 0.5 %', () => {
    const { mean } = moments(() => uniform(rng, 10, 20));
    expect(relative(mean, 15)).toBeLessThan(0.005);
  });

  it('exponential(rate): mean 1/rate within 1 %, variance 1/rate² within 3 %', () => {
    const { mean, variance } = moments(() => exponential(rng, 0.25));
    expect(relative(mean, 4)).toBeLessThan(0.01);
    expect(relative(variance, 16)).toBeLessThan(0.03);
  });

  it('standard normal: mean within 0.01, variance within 1.5 %', () => {
    const { mean, variance } = moments(() => standardNormal(rng));
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(relative(variance, 1)).toBeLessThan(0.015);
  });

  it.each([
    { shape: 0.55, rate: 90 },
    { shape: 0.3, rate: 2 },
    { shape: 1, rate: 1 },
    { shape: 4, rate: 40 },
    { shape: 6, rate: 0.075 },
  ])(
    'gamma(shape $shape, rate $rate): mean k/θ within 1.5 %, variance k/θ² within 5 %',
    ({ shape, rate }) => {
      const { mean, variance } = moments(() => gamma(rng, shape, rate));
      expect(relative(mean, shape / rate)).toBeLessThan(0.015);
      expect(relative(variance, shape / rate ** 2)).toBeLessThan(0.05);
    },
  );

  it.each([
    { a: 0.9, b: 3.5 },
    { a: 2, b: 5 },
    { a: 0.5, b: 0.5 },
  ])('beta($a, $b): mean a/(a+b) within 1 %, variance within 3 %', ({ a, b }) => {
    const { mean, variance } = moments(() => beta(rng, a, b));
    const expectedVariance = (a * b) / ((a + b) ** 2 * (a + b + 1));
    expect(relative(mean, a / (a + b))).toBeLessThan(0.01);
    expect(relative(variance, expectedVariance)).toBeLessThan(0.03);
  });
});

describe('discrete draws match their analytic moments over 200k seeded draws', () => {
  const rng: Rng = createRng(7);

  it.each([0.5, 4, 29.5, 30, 250])(
    'poisson(%d): mean and variance equal the rate within 1.5 % / 3 %',
    (mean) => {
      let integers = true;
      const m = moments(() => {
        const k = poisson(rng, mean);
        if (!Number.isInteger(k) || k < 0) integers = false;
        return k;
      });
      expect(integers).toBe(true);
      expect(relative(m.mean, mean)).toBeLessThan(0.015);
      expect(relative(m.variance, mean)).toBeLessThan(0.03);
    },
  );

  it('geometric(p): support from 1, mean 1/p within 1 %, variance (1−p)/p² within 3 %', () => {
    let min = Number.POSITIVE_INFINITY;
    const p = 0.2;
    const { mean, variance } = moments(() => {
      const k = geometric(rng, p);
      min = Math.min(min, k);
      return k;
    });
    expect(min).toBe(1);
    expect(relative(mean, 1 / p)).toBeLessThan(0.01);
    expect(relative(variance, (1 - p) / p ** 2)).toBeLessThan(0.03);
  });

  it('pickWeighted picks each value with its share of the total weight (within 0.5 points)', () => {
    const choices = [
      { value: 'a', weight: 35 },
      { value: 'b', weight: 25 },
      { value: 'c', weight: 15 },
      { value: 'd', weight: 15 },
      { value: 'e', weight: 10 },
    ];
    const counts = new Map<string, number>();
    for (let i = 0; i < DRAWS; i += 1) {
      const v = pickWeighted(rng, choices);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    for (const { value, weight } of choices) {
      expect(Math.abs((counts.get(value) ?? 0) / DRAWS - weight / 100)).toBeLessThan(0.005);
    }
  });

  it('pickWeighted rejects an empty list', () => {
    expect(() => pickWeighted(rng, [])).toThrow(RangeError);
  });
});
