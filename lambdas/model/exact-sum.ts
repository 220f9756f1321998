/**
 * An exact float sum that does not depend on the order of its terms, so a run summed in one piece and
 * the same run summed shard by shard and merged give the same bits. Shewchuk's algorithm (J. R.
 * Shewchuk 1997, "Adaptive Precision Floating-Point Arithmetic and Fast Robust Geometric Predicates",
 * Discrete & Computational Geometry 18: Fast-Two-Sum, Theorem 6, and Grow-Expansion, Theorem 10) as
 * Python's `math.fsum` implements it (R. Hettinger's recipe 393090): the sum is kept as non-overlapping
 * partials of increasing magnitude whose exact sum is the exact sum of every term added.
 */
import { ModelError } from './errors.js';

/** Thrown for a term or sum an exact double sum cannot hold (NaN, ±Infinity, or past the largest double). */
export class ExactSumError extends ModelError {
  override readonly name = 'ExactSumError';
}

const bits = new DataView(new ArrayBuffer(8));

/** Trailing zero bits of a non-zero 32-bit integer. */
function trailingZeros32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Powers of two of the highest and the lowest set bit of a finite non-zero double. */
function bitSpan(x: number): { readonly top: number; readonly bottom: number } {
  bits.setFloat64(0, x);
  const high = bits.getUint32(0);
  const low = bits.getUint32(4);
  const exponent = (high >>> 20) & 0x7ff;
  // The 53-bit significand as high (21 bits, the implicit 1 included for normals) and low (32) words.
  const significandHigh = (high & 0xfffff) | (exponent === 0 ? 0 : 0x100000);
  const unit = exponent === 0 ? -1074 : exponent - 1075;
  const bottom = unit + (low !== 0 ? trailingZeros32(low) : 32 + trailingZeros32(significandHigh));
  const length = significandHigh !== 0 ? 64 - Math.clz32(significandHigh) : 32 - Math.clz32(low);
  return { top: unit + length - 1, bottom };
}

/** Shewchuk's non-overlapping expansion: non-zero, each one's highest bit below the next one's lowest. */
function isExpansion(partials: readonly number[]): boolean {
  let previousTop = Number.NEGATIVE_INFINITY;
  for (const p of partials) {
    if (p === 0) return false;
    const { top, bottom } = bitSpan(p);
    if (bottom <= previousTop) return false;
    previousTop = top;
  }
  return true;
}

/** An exact, order-independent, mergeable sum of finite doubles. */
export class ExactSum {
  /** Non-overlapping, increasing in magnitude, no zeros; their exact sum is the exact sum so far. */
  private readonly partials: number[];

  private constructor(partials: number[]) {
    this.partials = partials;
  }

  /** An empty sum (value 0). */
  static empty(): ExactSum {
    return new ExactSum([]);
  }

  /**
   * The sum whose partials are `partials` (from `toJSON`): kept as they are when they are valid
   * (finite, non-zero, non-overlapping, increasing in magnitude), else re-added one by one, which gives
   * valid partials of the same exact sum.
   */
  static fromJSON(partials: readonly number[]): ExactSum {
    for (const p of partials) {
      if (typeof p !== 'number' || !Number.isFinite(p)) {
        throw new ExactSumError(`ExactSum partials must be finite numbers, got ${p}`);
      }
    }
    if (isExpansion(partials)) return new ExactSum([...partials]);
    const sum = ExactSum.empty();
    for (const p of partials) sum.add(p);
    return sum;
  }

  /** Adds `x` exactly. Throws ExactSumError for a non-finite term or when the sum outgrows a double. */
  add(x: number): this {
    if (!Number.isFinite(x)) throw new ExactSumError(`cannot add ${x} to an exact sum`);
    if (x === 0) return this;
    const p = this.partials;
    const n = p.length;
    let i = 0;
    let carry = x;
    for (let j = 0; j < n; j++) {
      let y = p[j] as number;
      if (Math.abs(carry) < Math.abs(y)) {
        const t = carry;
        carry = y;
        y = t;
      }
      // Fast-Two-Sum (|carry| ≥ |y|): hi + lo = carry + y exactly (Shewchuk 1997, Theorem 6).
      const hi = carry + y;
      if (!Number.isFinite(hi)) {
        throw new ExactSumError('an exact sum outgrew the largest double (about 1.8e308)');
      }
      const lo = y - (hi - carry);
      if (lo !== 0) p[i++] = lo;
      carry = hi;
    }
    if (carry !== 0) p[i++] = carry;
    // Shrink only when partials were absorbed (setting length is slow, and most adds keep it).
    if (i !== p.length) p.length = i;
    return this;
  }

  /** Adds everything `other` holds; `other` is left unchanged. */
  merge(other: ExactSum): this {
    for (const p of other.partials) this.add(p);
    return this;
  }

  /** The exact sum rounded to the nearest double, ties to even (math.fsum's final step); 0 when empty. */
  value(): number {
    const p = this.partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n] as number;
    let lo = 0;
    // Add from the largest partial down until the rounding error is not 0.
    while (n > 0) {
      const x = hi;
      const y = p[--n] as number;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // hi + lo rounded half-way to even: if the partials below lo push the same way, the exact sum is
    // past the half-way point, so round away from hi by lo's ulp.
    const below = n > 0 ? (p[n - 1] as number) : 0;
    if ((lo < 0 && below < 0) || (lo > 0 && below > 0)) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }

  /** The partials, for JSON (`fromJSON` restores an equal sum). */
  toJSON(): number[] {
    return [...this.partials];
  }
}
