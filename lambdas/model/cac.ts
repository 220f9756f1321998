/** Marketing spend indexed for CAC: by channel × month, by channel, by month, in total. */
import type { SpendByChannelMonth } from './types.js';

/** Spend sums; duplicate (channel, month) rows are added together. */
export interface SpendIndex {
  readonly byPair: ReadonlyMap<string, number>;
  readonly byChannel: ReadonlyMap<string, number>;
  readonly byMonth: ReadonlyMap<string, number>;
  readonly total: number;
}

/** Map key of a (channel, month) pair; the NUL separator cannot occur in either part. */
export function pairKey(channel: string, month: string): string {
  return `${channel}\u0000${month}`;
}

/** A pairKey that reuses one key string per pair (a run has few pairs and many customers). */
export function memoisedPairKey(): (channel: string, month: string) => string {
  const byChannel = new Map<string, Map<string, string>>();
  return (channel: string, month: string): string => {
    let byMonth = byChannel.get(channel);
    if (byMonth === undefined) {
      byMonth = new Map();
      byChannel.set(channel, byMonth);
    }
    let key = byMonth.get(month);
    if (key === undefined) {
      key = pairKey(channel, month);
      byMonth.set(month, key);
    }
    return key;
  };
}

function add(map: Map<string, number>, key: string, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount);
}

/** Sums spend rows by (channel, month), channel and month. */
export function spendIndex(spend: readonly SpendByChannelMonth[]): SpendIndex {
  const byPair = new Map<string, number>();
  const byChannel = new Map<string, number>();
  const byMonth = new Map<string, number>();
  let total = 0;
  for (const row of spend) {
    add(byPair, pairKey(row.channel, row.month), row.amount);
    add(byChannel, row.channel, row.amount);
    add(byMonth, row.month, row.amount);
    total += row.amount;
  }
  return { byPair, byChannel, byMonth, total };
}

/**
 * CAC per (channel, cohort month) = spend of the pair ÷ customers acquired in it (Farris et al.,
 * "Marketing Metrics", ch. 5). Pairs without a spend row are absent, so their customers' CAC is null.
 */
export function cacByPair(
  index: SpendIndex,
  customersByPair: ReadonlyMap<string, number>,
): ReadonlyMap<string, number> {
  const cac = new Map<string, number>();
  for (const [key, customers] of customersByPair) {
    const spend = index.byPair.get(key);
    if (spend !== undefined && customers > 0) cac.set(key, spend / customers);
  }
  return cac;
}
