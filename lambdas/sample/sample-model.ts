/**
 * The generative process behind the sample data, kept exactly as the models assume it so that a fit on
 * the sample recovers these parameters: BG/NBD purchases (Fader, Hardie & Lee 2005) and Gamma-Gamma
 * spend (Fader, Hardie & Lee 2005b; Hardie note 025). Time is in days.
 */
import { beta, exponential, gamma, type Rng, type Weighted } from './random.js';

/** BG/NBD: λ ~ Gamma(r, α) (shape r, rate α, per day), dropout p ~ Beta(a, b). */
export interface BgNbdParameters {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

/** Gamma-Gamma: ν ~ Gamma(q, γ) per customer, each order value z ~ Gamma(p, ν); E[z] = pγ/(q − 1). */
export interface GammaGammaParameters {
  readonly p: number;
  readonly q: number;
  readonly gamma: number;
}

/** An acquisition channel; `cac` is the mean marketing spend per acquired customer, null when unpaid. */
export interface ChannelSpec {
  readonly name: string;
  readonly weight: number;
  readonly cac: number | null;
}

/** Every parameter of the sample, returned to the caller so tests and later fits can compare. */
export interface TrueParameters {
  readonly timeUnit: 'day';
  readonly bgNbd: BgNbdParameters;
  readonly gammaGamma: GammaGammaParameters;
  readonly channels: readonly ChannelSpec[];
  readonly countries: readonly Weighted<string>[];
  readonly plans: readonly Weighted<string>[];
  /** cost = revenue × U(low, high). */
  readonly costShare: { readonly low: number; readonly high: number };
  /** Share of purchases later refunded (they still count as purchases). */
  readonly refundRate: number;
  /** Chance that a purchase is accompanied by an extra cancelled order (outside the BG/NBD process). */
  readonly cancelRate: number;
  /** Marketing spend = acquired × CAC × Gamma(k, k) noise (mean 1, CV 1/√k). */
  readonly spendNoiseShape: number;
}

/** Tuned so that over 730 days ~50% of customers repeat and a customer places ~2.4 orders on average. */
export const DEFAULT_BG_NBD: BgNbdParameters = { r: 0.55, alpha: 90, a: 0.9, b: 3.5 };

/** Mean order value pγ/(q − 1) = 6 · 40 / 3 = 80. */
export const DEFAULT_GAMMA_GAMMA: GammaGammaParameters = { p: 6, q: 4, gamma: 40 };

export const DEFAULT_CHANNELS: readonly ChannelSpec[] = [
  { name: 'paid_search', weight: 0.35, cac: 40 },
  { name: 'paid_social', weight: 0.25, cac: 55 },
  { name: 'email', weight: 0.15, cac: 8 },
  { name: 'organic', weight: 0.15, cac: null },
  { name: 'affiliate', weight: 0.1, cac: 30 },
];

/** The defaults of every parameter except the channels, which the caller may replace. */
export function defaultTrueParameters(channels: readonly ChannelSpec[] = DEFAULT_CHANNELS): TrueParameters {
  return {
    timeUnit: 'day',
    bgNbd: DEFAULT_BG_NBD,
    gammaGamma: DEFAULT_GAMMA_GAMMA,
    channels,
    countries: [
      { value: 'US', weight: 0.4 },
      { value: 'GB', weight: 0.2 },
      { value: 'DE', weight: 0.15 },
      { value: 'FR', weight: 0.15 },
      { value: 'NL', weight: 0.1 },
    ],
    plans: [
      { value: 'basic', weight: 0.7 },
      { value: 'premium', weight: 0.3 },
    ],
    costShare: { low: 0.55, high: 0.75 },
    refundRate: 0.03,
    cancelRate: 0.02,
    spendNoiseShape: 20,
  };
}

/**
 * Repeat-purchase times (days after the first purchase, ascending) of one customer over (0, horizon]:
 * exponential gaps with rate λ; after each repeat purchase the customer drops out with probability p.
 * No dropout at the first purchase (FHL 2005, assumption (iv) and eq. 3: P(X(t) = 0) = e^(−λt)).
 */
export function repeatPurchaseTimes(
  rng: Rng,
  lambda: number,
  dropout: number,
  horizonDays: number,
): number[] {
  const times: number[] = [];
  let t = 0;
  for (;;) {
    t += exponential(rng, lambda);
    if (t > horizonDays) return times;
    times.push(t);
    if (rng() < dropout) return times;
  }
}

/** One customer's latent traits drawn from the population (λ, p, ν). */
export interface CustomerTraits {
  readonly lambda: number;
  readonly dropout: number;
  readonly spendRate: number;
}

/** Draws a customer's λ ~ Gamma(r, α), p ~ Beta(a, b) and ν ~ Gamma(q, γ). */
export function customerTraits(rng: Rng, bgNbd: BgNbdParameters, gg: GammaGammaParameters): CustomerTraits {
  return {
    lambda: gamma(rng, bgNbd.r, bgNbd.alpha),
    dropout: beta(rng, bgNbd.a, bgNbd.b),
    spendRate: gamma(rng, gg.q, gg.gamma),
  };
}

/** One transaction value z ~ Gamma(p, ν), rounded to cents (never below one cent). */
export function orderValue(rng: Rng, gg: GammaGammaParameters, spendRate: number): number {
  return Math.max(0.01, Math.round(gamma(rng, gg.p, spendRate) * 100) / 100);
}
