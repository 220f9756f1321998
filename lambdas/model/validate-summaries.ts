/** Pure input checks of customer summaries; the model trusts what passes them. */
import { dayNumber } from './dates.js';
import type { CustomerSummary } from './types.js';

/** One problem with one customer summary. */
export interface SummaryProblem {
  readonly customerId: string;
  readonly field: keyof CustomerSummary;
  readonly message: string;
}

function isDate(value: string): boolean {
  try {
    dayNumber(value);
    return true;
  } catch {
    return false;
  }
}

/** Lists every problem (bad dates, impossible counts, non-finite money, duplicate ids); empty when fine. */
export function validateSummaries(summaries: readonly CustomerSummary[], asOf: string): SummaryProblem[] {
  const problems: SummaryProblem[] = [];
  const seen = new Set<string>();
  for (const s of summaries) {
    const report = (field: keyof CustomerSummary, message: string): void => {
      problems.push({ customerId: s.customerId, field, message });
    };
    if (s.customerId === '') report('customerId', 'customerId is empty');
    else if (seen.has(s.customerId)) report('customerId', 'customerId appears more than once');
    seen.add(s.customerId);
    let datesValid = true;
    for (const field of ['firstOrderDate', 'lastOrderDate', 'acquiredAt'] as const) {
      if (isDate(s[field])) continue;
      datesValid = false;
      report(field, `${field} is not a YYYY-MM-DD date`);
    }
    // ISO dates order as strings; comparing invalid ones would only repeat the problem above.
    if (datesValid && s.firstOrderDate > s.lastOrderDate) {
      report('lastOrderDate', 'lastOrderDate is before firstOrderDate');
    }
    if (datesValid && s.lastOrderDate > asOf) {
      report('lastOrderDate', `lastOrderDate is after the as-of date ${asOf}`);
    }
    if (!Number.isInteger(s.orders) || s.orders < 1) report('orders', 'orders must be an integer ≥ 1');
    if (!Number.isInteger(s.purchaseDays) || s.purchaseDays < 1 || s.purchaseDays > s.orders) {
      report('purchaseDays', 'purchaseDays must be an integer between 1 and orders');
    }
    for (const field of ['grossRevenue', 'refunds', 'netRevenue'] as const) {
      if (!Number.isFinite(s[field])) report(field, `${field} must be a finite number`);
    }
    if (s.refunds < 0) report('refunds', 'refunds must be ≥ 0');
    if (s.cost !== null && !(Number.isFinite(s.cost) && s.cost >= 0))
      report('cost', 'cost must be ≥ 0 or null');
  }
  return problems;
}
