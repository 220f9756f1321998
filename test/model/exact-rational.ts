/**
 * An independent exact sum for checking ExactSum: every finite double is an integer multiple of 2^-1074,
 * so Σ x·2^1074 is an exact BigInt, rounded back to a double (nearest, ties to even) by hand.
 */

/** x · 2^1074 as an exact BigInt, from the IEEE 754 bits of x (finite x only). */
export function scaledBigInt(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const exponent = (high >>> 20) & 0x7ff;
  if (exponent === 0x7ff) throw new Error(`not finite: ${x}`);
  const fraction = (BigInt(high & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  // Subnormal: fraction · 2^-1074. Normal: (2^52 + fraction) · 2^(exponent − 1075).
  const magnitude = exponent === 0 ? fraction : ((1n << 52n) | fraction) << BigInt(exponent - 1);
  return high >>> 31 === 1 ? -magnitude : magnitude;
}

/** The double nearest to scaled · 2^-1074, ties to even (0 is +0). */
export function roundScaled(scaled: bigint): number {
  if (scaled === 0n) return 0;
  const negative = scaled < 0n;
  const magnitude = negative ? -scaled : scaled;
  // Keep 53 significant bits; below 2^53 units of 2^-1074 the value is exact (subnormal or small normal).
  const shift = Math.max(0, magnitude.toString(2).length - 53);
  let kept = magnitude >> BigInt(shift);
  if (shift > 0) {
    const dropped = magnitude - (kept << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    if (dropped > half || (dropped === half && (kept & 1n) === 1n)) kept += 1n;
  }
  // kept ≤ 2^53 is exact as a double, and so is its product with a power of two (or it overflows to ∞).
  const value = Number(kept) * 2 ** (shift - 1074);
  return negative ? -value : value;
}

/** The correctly rounded exact sum of `values`. */
export function exactSum(values: readonly number[]): number {
  return roundScaled(values.reduce((total, x) => total + scaledBigInt(x), 0n));
}
