/** Small numeric helpers; every function returns a finite number for empty input. */

/** Median (mean of the two middle values for an even count); 0 for an empty list. Leaves `values` alone. */
export function median(values: ArrayLike<number>): number {
  return medianInPlace(Float64Array.from(values));
}

function swap(values: Float64Array, i: number, j: number): void {
  const t = values[i] ?? 0;
  values[i] = values[j] ?? 0;
  values[j] = t;
}

/** Moves the k-th smallest (0-based) value to index k, none larger before it (Hoare's FIND, 1961). */
export function selectInPlace(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  for (let rounds = 0; lo < hi; rounds++) {
    // Like introselect: after too many rounds (adversarial input), sort what is left: O(n log n) worst case.
    if (rounds > 64) {
      values.subarray(lo, hi + 1).sort();
      break;
    }
    // Median-of-three pivot keeps sorted and constant inputs linear.
    const mid = (lo + hi) >> 1;
    if ((values[mid] ?? 0) < (values[lo] ?? 0)) swap(values, mid, lo);
    if ((values[hi] ?? 0) < (values[lo] ?? 0)) swap(values, hi, lo);
    if ((values[hi] ?? 0) < (values[mid] ?? 0)) swap(values, hi, mid);
    const pivot = values[mid] ?? 0;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] ?? 0) < pivot) i++;
      while ((values[j] ?? 0) > pivot) j--;
      if (i <= j) swap(values, i++, j--);
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k] ?? 0;
}

/**
 * The median of n values from its middle order statistics (0-based, ascending): `lower` at ⌊(n − 1)/2⌋
 * and `upper` at ⌊n/2⌋, the same value when n is odd. Odd n → that value, even n → (lower + upper) / 2,
 * 0 when n = 0. Every median of the model goes through here, wherever its middle values were found.
 */
export function medianOfMiddles(n: number, lower: number, upper: number): number {
  if (n <= 0) return 0;
  return n % 2 === 1 ? upper : (lower + upper) / 2;
}

/** Median in expected O(n), reordering `values`; 0 for an empty array. */
export function medianInPlace(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return 0;
  const mid = n >> 1;
  const upper = selectInPlace(values, mid);
  if (n % 2 === 1) return medianOfMiddles(n, upper, upper);
  // After selection every value before `mid` is ≤ the upper middle; the lower middle is their maximum.
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < mid; i++) lower = Math.max(lower, values[i] ?? 0);
  return medianOfMiddles(n, lower, upper);
}

/** numerator ÷ denominator when the denominator is > 0, else null. */
export function ratioOrNull(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}
