import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactSum, ExactSumError } from '../../lambdas/model/exact-sum.js';
import { exactSum, roundScaled, scaledBigInt } from './exact-rational.js';

const RUNS = { numRuns: 400, seed: 20261125 } as const;

/**
 * Doubles from every part of the range: ordinary, huge (to 2^1000, so that 1,000 of them cannot add
 * up past the largest double), tiny normal and subnormal, small integers, and ±0.
 */
const anyDouble: fc.Arbitrary<number> = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.double({ min: -(2 ** 1000), max: 2 ** 1000, noNaN: true }),
  fc.double({ min: -(2 ** -1000), max: 2 ** -1000, noNaN: true }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(0, -0, 2 ** -1074, -(2 ** -1074), 2 ** 1000, 0.1, 1e16),
);

/** A deterministic shuffle driven by `seed`, so fast-check's shrinking stays reproducible. */
function shuffle<T>(values: readonly T[], seed: number): T[] {
  const out = [...values];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Terms that cancel: some values and the negations of some of them, shuffled. */
const cancelling: fc.Arbitrary<number[]> = fc
  .tuple(fc.array(anyDouble, { maxLength: 60 }), fc.array(fc.boolean(), { maxLength: 60 }), fc.nat())
  .map(([values, negate, seed]) =>
    shuffle([...values, ...values.filter((_, i) => negate[i]).map((v) => -v)], seed),
  );

const terms = fc.oneof(fc.array(anyDouble, { maxLength: 200 }), cancelling);

function sumOf(values: readonly number[]): ExactSum {
  const sum = ExactSum.empty();
  for (const v of values) sum.add(v);
  return sum;
}

describe('the independent exact sum (test helper)', () => {
  it('converts doubles to scaled integers and back exactly', () => {
    // Assess: 2^-1074 is one unit; 1 is 2^1074 units; a round trip is the identity.
    expect(scaledBigInt(2 ** -1074)).toBe(1n);
    expect(scaledBigInt(1)).toBe(1n << 1074n);
    expect(scaledBigInt(-1.5)).toBe(-(3n << 1073n));
    for (const x of [0.1, -(2 ** -1074), 2 ** -1022, Number.MAX_VALUE, 1e16 + 2]) {
      expect(roundScaled(scaledBigInt(x))).toBe(x);
    }
    // 2^53 + 1 is half-way between 2^53 and 2^53 + 2: ties go to the even 2^53.
    expect(roundScaled((2n ** 53n + 1n) << 1074n)).toBe(2 ** 53);
    expect(roundScaled((2n ** 53n + 3n) << 1074n)).toBe(2 ** 53 + 4);
  });
});

describe('ExactSum', () => {
  it('gives the published math.fsum results where naive addition is wrong', () => {
    // Assess: cases from CPython's test_math (testFsum) and the 0.1 example of its docs.
    expect(sumOf([1e16, 1, -1e16]).value()).toBe(1); // naive: 0
    expect(sumOf(Array.from({ length: 10 }, () => 0.1)).value()).toBe(1); // naive: 0.9999999999999999
    expect(sumOf([1, 1e100, 1, -1e100]).value()).toBe(2); // naive: 0
    // Half-even across partials: 1e16 + 1 ties to 1e16, but the 1e-16 tips it up to 1e16 + 2.
    expect(sumOf([1e-16, 1, 1e16]).value()).toBe(1e16 + 2);
    expect(sumOf([2 ** 53, -0.5, -(2 ** -54)]).value()).toBe(2 ** 53 - 1);
    expect(ExactSum.empty().value()).toBe(0);
    expect(Object.is(sumOf([-0, -0]).value(), 0)).toBe(true);
  });

  it('equals the correctly rounded exact rational sum', () => {
    fc.assert(
      fc.property(terms, (values) => {
        // Act / Assess
        expect(sumOf(values).value()).toBe(exactSum(values));
      }),
      RUNS,
    );
  });

  it('gives the identical value for any split into chunks merged in any order', () => {
    fc.assert(
      fc.property(terms, fc.array(fc.nat(), { maxLength: 8 }), fc.nat(), (values, cuts, seed) => {
        // Prepare: chunks between the cut points, each summed on its own.
        const bounds = [...new Set(cuts.map((c) => c % (values.length + 1)))].sort((a, b) => a - b);
        const edges = [0, ...bounds, values.length];
        const chunks = () => edges.slice(1).map((end, i) => sumOf(values.slice(edges[i], end)));
        const expected = exactSum(values);
        // Act: merged in a shuffled order, and as a random tree (pairs of partial merges merged).
        const inOrder = shuffle(chunks(), seed).reduce((acc, c) => acc.merge(c), ExactSum.empty());
        const pending = chunks();
        for (let step = seed; pending.length > 1; step = (step * 31 + 7) >>> 0) {
          const [left] = pending.splice(step % pending.length, 1) as [ExactSum];
          const [right] = pending.splice((step >>> 3) % pending.length, 1) as [ExactSum];
          pending.push(left.merge(right));
        }
        const reversedTerms = sumOf([...values].reverse());
        // Assess
        expect(inOrder.value()).toBe(expected);
        expect((pending[0] as ExactSum).value()).toBe(expected);
        expect(reversedTerms.value()).toBe(expected);
      }),
      RUNS,
    );
  });

  it('survives a JSON round trip and keeps summing exactly after it', () => {
    fc.assert(
      fc.property(terms, terms, (first, more) => {
        // Act
        const sum = sumOf(first);
        const restored = ExactSum.fromJSON(JSON.parse(JSON.stringify(sum)) as number[]);
        // Assess
        expect(restored.toJSON()).toEqual(sum.toJSON());
        expect(restored.value()).toBe(sum.value());
        for (const v of more) restored.add(v);
        expect(restored.value()).toBe(exactSum([...first, ...more]));
      }),
      RUNS,
    );
  });

  it('re-adds partials that are not a valid expansion rather than trusting them', () => {
    // Act: overlapping, out of order, and zero partials (not what toJSON writes).
    const overlapping = ExactSum.fromJSON([1, 1]);
    const unordered = ExactSum.fromJSON([1e16, 1, -1e16]);
    const zeros = ExactSum.fromJSON([0, 2 ** -1074, 0]);
    // Assess: the same exact sums, in valid partials.
    expect(overlapping.toJSON()).toEqual([2]);
    expect(unordered.value()).toBe(1);
    expect(unordered.toJSON()).toEqual([1]);
    expect(zeros.toJSON()).toEqual([2 ** -1074]);
  });

  it('leaves the merged sum unchanged', () => {
    // Prepare
    const a = sumOf([1, 1e-20]);
    const b = sumOf([1e30, -3]);
    const before = b.toJSON();
    // Act
    a.merge(b);
    // Assess
    expect(b.toJSON()).toEqual(before);
    expect(a.value()).toBe(exactSum([1, 1e-20, 1e30, -3]));
  });

  it('refuses non-finite terms, a sum past the largest double, and partials that are not numbers', () => {
    // Act / Assess
    expect(() => ExactSum.empty().add(Number.NaN)).toThrow(ExactSumError);
    expect(() => ExactSum.empty().add(Number.POSITIVE_INFINITY)).toThrow(/cannot add Infinity/);
    expect(() => sumOf([Number.MAX_VALUE, Number.MAX_VALUE])).toThrow(/largest double/);
    expect(() => ExactSum.fromJSON([1, null as unknown as number])).toThrow(/must be finite numbers/);
  });
});
