/**
 * Seeded random runs for the shard-equivalence tests: purchase histories from the BG/NBD simulator
 * (bg-nbd-simulation.ts) turned into customer summaries as of 2026-03-31, with channels, cohorts,
 * attributes (missing, blank, and keys like `__proto__`), costs, refunds, and spend rows that include
 * channels and months without customers. Also splits a run into shards the way the pipeline does.
 */
import { addDays } from '../../lambdas/model/dates.js';
import type { CustomerSummary, ModelSettings, SpendByChannelMonth } from '../../lambdas/model/types.js';
import { simulateBgNbd } from './bg-nbd-simulation.js';
import { fixtureWindow } from './fixture.js';
import { sfc32 } from './simulation-random.js';

export const RUN_WINDOW = fixtureWindow;

export const RUN_SETTINGS: ModelSettings = {
  marginRate: 0.35,
  maxLifespanYears: 5,
  frequencyPriorYears: 1,
  segmentDimensions: ['country', 'plan'],
  predictive: { atRiskBelow: 0.5 },
};

const CHANNELS = ['ads', 'email', 'organic', 'social', 'constructor'] as const;
const COUNTRIES = ['DE', 'FR', 'US', '__proto__', ' ', 'hasOwnProperty'] as const;
const PLANS = ['basic', 'pro'] as const;

export interface RandomRun {
  /** Sorted by customer id, as ingest hands them to the model. */
  readonly summaries: CustomerSummary[];
  readonly spend: SpendByChannelMonth[];
}

function pick<T>(uniform: () => number, values: readonly T[]): T {
  return values[Math.floor(uniform() * values.length)] as T;
}

function money(uniform: () => number, max: number): number {
  return Math.round(uniform() * max * 100) / 100;
}

/** `customers` summaries from simulated BG/NBD histories (weeks turned into whole days), and spend rows. */
export function randomRun(customers: number, seed: number): RandomRun {
  const uniform = sfc32(seed);
  const sim = simulateBgNbd({ r: 0.6, alpha: 4, a: 0.8, b: 2.5 }, customers, 2, 100, seed);
  const asOf = RUN_WINDOW.asOf;
  const summaries: CustomerSummary[] = [];
  for (let i = 0; i < customers; i++) {
    const T = Math.round((sim.T[i] as number) * 7);
    const x = sim.x[i] as number;
    const tx = Math.min(T, Math.round((sim.tx[i] as number) * 7));
    const first = addDays(asOf, -T);
    const days = x + 1;
    const orders = days + (uniform() < 0.2 ? 1 : 0);
    const gross = money(uniform, 80) * orders + 1;
    const refunds = uniform() < 0.1 ? money(uniform, gross * 1.2) : 0;
    const net = gross - refunds;
    const attributes: Record<string, string> = {};
    if (uniform() < 0.85) attributes.country = pick(uniform, COUNTRIES);
    if (uniform() < 0.5) attributes.plan = pick(uniform, PLANS);
    summaries.push({
      customerId: `c${Math.floor(uniform() * 1e9).toString(36)}-${i}`,
      firstOrderDate: first,
      lastOrderDate: addDays(first, x > 0 ? Math.max(1, tx) : 0),
      orders,
      purchaseDays: days,
      grossRevenue: gross,
      refunds,
      netRevenue: net,
      firstPurchaseNetRevenue: net / days + (uniform() < 0.5 ? money(uniform, 10) : 0),
      cost: uniform() < 0.3 ? money(uniform, gross * 0.8) : null,
      acquiredAt: uniform() < 0.2 ? addDays(first, -Math.floor(uniform() * 40)) : first,
      acquisitionChannel: pick(uniform, CHANNELS.slice(0, 4)),
      activeInPreviousWindow: uniform() < 0.4,
      activeInLastWindow: uniform() < 0.5,
      attributes,
    });
  }
  summaries.sort((a, b) => (a.customerId < b.customerId ? -1 : 1));
  const spend: SpendByChannelMonth[] = [];
  // Months of 2024–2026 (most with customers), plus 2019-01, when nobody was acquired; `tv` and
  // `constructor` spend but acquire nobody; a repeated (channel, month) row adds up.
  for (const channel of ['ads', 'email', 'social', 'tv', 'constructor']) {
    for (let m = 0; m < 27; m++) {
      if (uniform() < 0.3) continue;
      const month = `${2024 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
      spend.push({ channel, month, amount: money(uniform, 5000) });
    }
  }
  spend.push(
    { channel: 'ads', month: '2019-01', amount: 1234.5 },
    { channel: 'ads', month: '2025-06', amount: 0.1 },
  );
  return { summaries, spend };
}

/** Fisher–Yates with a seeded uniform. */
export function shuffled<T>(values: readonly T[], uniform: () => number): T[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * The run's customer positions split into `k` random shards (some may be empty), each sorted by
 * customer id like the pipeline's shards (the summaries are sorted, so positions ascending).
 */
export function randomShards(n: number, k: number, uniform: () => number): number[][] {
  const shards = Array.from({ length: k }, () => [] as number[]);
  for (let i = 0; i < n; i++) shards[Math.floor(uniform() * k)]?.push(i);
  return shards;
}
