import { describe, expect, it } from 'vitest';
import {
  amountFromSortable,
  keyPart,
  MAX_SORTABLE_AMOUNT,
  memberKey,
  shardCount,
  shardOf,
  sortableAmount,
} from '../../lambdas/publish/keys.js';
import { prng } from './fixture.js';

describe('sortableAmount', () => {
  it('orders lexically as numbers, negatives and extremes included', () => {
    // Prepare
    const random = prng(7);
    const values = [
      0,
      -0,
      0.01,
      -0.01,
      1,
      -1,
      999.99,
      -1000,
      1e9,
      -1e9,
      MAX_SORTABLE_AMOUNT,
      -MAX_SORTABLE_AMOUNT,
      ...Array.from({ length: 500 }, () => (random() - 0.5) * 10 ** Math.floor(random() * 12)),
    ];

    // Act
    const byString = [...values].sort((a, b) => {
      const x = sortableAmount(a);
      const y = sortableAmount(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const byNumber = [...values].sort((a, b) => Math.round(a * 100) - Math.round(b * 100));

    // Assess
    expect(byString.map((v) => Math.round(v * 100))).toEqual(byNumber.map((v) => Math.round(v * 100)));
    expect(new Set(values.map((v) => sortableAmount(v).length))).toEqual(new Set([17]));
  });

  it('round-trips to cents', () => {
    expect(amountFromSortable(sortableAmount(-12.346))).toBe(-12.35);
    expect(amountFromSortable(sortableAmount(1234.5))).toBe(1234.5);
    expect(sortableAmount(-0)).toBe(sortableAmount(0));
  });

  it('refuses amounts it cannot order', () => {
    expect(() => sortableAmount(Number.NaN)).toThrow(RangeError);
    expect(() => sortableAmount(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => sortableAmount(MAX_SORTABLE_AMOUNT * 2)).toThrow(RangeError);
  });
});

describe('shards', () => {
  it('counts shards from the segment size', () => {
    expect(shardCount(0, 50_000)).toBe(1);
    expect(shardCount(50_000, 50_000)).toBe(1);
    expect(shardCount(50_001, 50_000)).toBe(2);
    expect(shardCount(1_000_000, 50_000)).toBe(20);
  });

  it('places a customer on a stable shard and spreads customers evenly', () => {
    // Prepare
    const counts = new Array<number>(8).fill(0);

    // Act
    for (let i = 0; i < 8000; i++)
      counts[shardOf(`customer-${i}`, 8)] = (counts[shardOf(`customer-${i}`, 8)] ?? 0) + 1;

    // Assess
    expect(shardOf('abc', 8)).toBe(shardOf('abc', 8));
    for (const n of counts) expect(n).toBeGreaterThan(800);
  });
});

describe('key parts', () => {
  it('keeps short values and shortens long ones deterministically', () => {
    const long = 'x'.repeat(5000);
    expect(keyPart('DE')).toBe('DE');
    expect(keyPart(long)).toBe(keyPart(long));
    expect(keyPart(long)).not.toBe(keyPart(`${long}y`));
    expect(Buffer.byteLength(keyPart(long))).toBeLessThan(300);
  });

  it('builds member keys whose sort key is amount then customer', () => {
    expect(memberKey('r1', 'country', 'DE', 2, 10, 'c1')).toEqual({
      PK: 'RUN#r1#SEG#country#DE#2',
      SK: `${sortableAmount(10)}#c1`,
    });
  });
});
