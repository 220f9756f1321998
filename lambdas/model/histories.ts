/**
 * The "buy till you die" summary of each customer (Fader, Hardie & Lee 2005, §2; lifetimes'
 * `summary_data_from_transaction_data`), in days, from the order summaries: x = repeat purchase days,
 * t_x = first to last purchase day, T = first purchase day to as-of, monetary = mean net value of the
 * repeat purchase days (the first day's orders excluded; 0 when x = 0).
 */
import { memoisedDayNumber } from './dates.js';
import type { CustomerHistories } from './predictive-types.js';
import type { CustomerSummary } from './types.js';

/** Histories parallel to `summaries`; repeat spend may be ≤ 0 when refunds exceed purchases. */
export function customerHistories(summaries: readonly CustomerSummary[], asOf: string): CustomerHistories {
  const n = summaries.length;
  const dayOf = memoisedDayNumber();
  const asOfDay = dayOf(asOf);
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  const monetary = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = summaries[i] as CustomerSummary;
    const first = dayOf(s.firstOrderDate);
    const repeats = Math.max(0, s.purchaseDays - 1);
    x[i] = repeats;
    tx[i] = repeats > 0 ? dayOf(s.lastOrderDate) - first : 0;
    T[i] = asOfDay - first;
    monetary[i] = repeats > 0 ? (s.netRevenue - s.firstPurchaseNetRevenue) / repeats : 0;
  }
  return { x, tx, T, monetary };
}
