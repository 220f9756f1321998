/**
 * A small seeded PRNG and the draws the sample generator needs. Everything here is pure: a generator is
 * a closure created from a seed, and every draw takes it as its first argument, so the same seed always
 * yields the same sequence (and the same sample files, byte for byte).
 */

/** A source of uniform numbers in [0, 1); the only state a draw needs. */
export type Rng = () => number;

/** One choice of a weighted pick; weights need not sum to 1. */
export interface Weighted<T> {
  readonly value: T;
  readonly weight: number;
}

const TWO_POW_32 = 4_294_967_296;

/** splitmix32: spreads a 32-bit seed over the xoshiro state so nearby seeds give unrelated streams. */
function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return (): number => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Creates xoshiro128** (Blackman & Vigna 2018) seeded via splitmix32; returns uniforms in [0, 1). */
export function createRng(seed: number): Rng {
  const init = splitmix32(seed);
  let s0 = init();
  let s1 = init();
  let s2 = init();
  let s3 = init();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point
  return (): number => {
    const product = Math.imul(s1, 5);
    const result = Math.imul((product << 7) | (product >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result / TWO_POW_32;
  };
}

/** Uniform draw in [low, high). */
export function uniform(rng: Rng, low: number, high: number): number {
  return low + (high - low) * rng();
}

/** Uniform integer in [0, n). */
export function uniformInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Exponential draw with the given rate (mean 1 / rate), by inversion. */
export function exponential(rng: Rng, rate: number): number {
  return -Math.log(1 - rng()) / rate;
}

/** Standard normal draw (Marsaglia polar method; the second value is discarded to stay stateless). */
export function standardNormal(rng: Rng): number {
  for (;;) {
    const u = 2 * rng() - 1;
    const v = 2 * rng() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
  }
}

/**
 * Gamma draw with shape k and rate θ (mean k/θ, variance k/θ²): Marsaglia & Tsang (2000); for k < 1
 * draws Gamma(k + 1) and multiplies by U^(1/k) (their section 6).
 */
export function gamma(rng: Rng, shape: number, rate: number): number {
  if (shape < 1) {
    const boost = rng() ** (1 / shape);
    return gamma(rng, shape + 1, rate) * boost;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return (d * v) / rate;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return (d * v) / rate;
  }
}

/** Beta(a, b) draw as X / (X + Y) with X ~ Gamma(a, 1), Y ~ Gamma(b, 1). */
export function beta(rng: Rng, a: number, b: number): number {
  const x = gamma(rng, a, 1);
  const y = gamma(rng, b, 1);
  return x / (x + y);
}

/** Poisson draw: Knuth's product method below mean 30, Hörmann's PTRS (1993) above. */
export function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean < 30) {
    const limit = Math.exp(-mean);
    let k = 0;
    let product = rng();
    while (product > limit) {
      k += 1;
      product *= rng();
    }
    return k;
  }
  const logMean = Math.log(mean);
  const b = 0.931 + 2.53 * Math.sqrt(mean);
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng() - 0.5;
    const v = rng();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (
      Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <=
      -mean + k * logMean - logFactorial(k)
    ) {
      return k;
    }
  }
}

/** log(k!) via Stirling's series (exact enough for k ≥ 10) or a direct sum below. */
function logFactorial(k: number): number {
  if (k < 10) {
    let sum = 0;
    for (let i = 2; i <= k; i += 1) sum += Math.log(i);
    return sum;
  }
  const n = k + 1;
  return (n - 0.5) * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * n) - 1 / (360 * n ** 3);
}

/** Geometric draw: the number of trials up to and including the first success (support 1, 2, ...). */
export function geometric(rng: Rng, p: number): number {
  if (p >= 1) return 1;
  return 1 + Math.floor(Math.log(1 - rng()) / Math.log(1 - p));
}

/** Bernoulli draw: true with probability p. */
export function bernoulli(rng: Rng, p: number): boolean {
  return rng() < p;
}

/** Picks one value with probability proportional to its weight. */
export function pickWeighted<T>(rng: Rng, choices: readonly Weighted<T>[]): T {
  let total = 0;
  for (const choice of choices) total += choice.weight;
  let target = rng() * total;
  for (const choice of choices) {
    target -= choice.weight;
    if (target < 0) return choice.value;
  }
  const last = choices[choices.length - 1];
  if (last === undefined) throw new RangeError('pickWeighted needs at least one choice');
  return last.value;
}
