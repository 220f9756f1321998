/**
 * The segment dimensions of a run (built-in, configured, and the whole business `_all`), which value of
 * each a customer belongs to, and how many customers each segment has: everything a sharded run needs
 * to lay out and count segment members before any customer is scored.
 */
import { memoisedDayNumber, memoisedMonthKey } from './dates.js';
import { rfmOfCustomer } from './rfm.js';
import type { RunContext } from './run-context.js';
import type { CustomerMetrics, CustomerSummary, ModelSettings } from './types.js';

/** Dimension and value of the whole-business segment. */
export const ALL = '_all';
/** Value of a configured dimension for customers without that attribute. */
export const UNKNOWN = 'unknown';
/** Dimensions every run reports, before the configured ones. */
export const BUILT_IN_DIMENSIONS = ['acquisition_channel', 'cohort_month', 'rfm_segment'] as const;

/** What a customer's segment values are made of (CustomerMetrics has it; so does a bare summary). */
export type SegmentFacts = Pick<CustomerMetrics, 'acquisitionChannel' | 'cohortMonth' | 'attributes'> & {
  readonly rfm: Pick<CustomerMetrics['rfm'], 'segment'>;
};

/** How one dimension's value names a customer, and where its marketing spend comes from. */
export interface SegmentDimension {
  readonly name: string;
  readonly valueOf: (customer: SegmentFacts) => string;
  /**
   * Where a value's marketing spend comes from: the spend rows of its channel, of its month, or all of
   * them; `allocated` is the sum of its customers' CAC (spend shared out by channel × cohort month).
   */
  readonly spend: 'channel' | 'month' | 'total' | 'allocated';
}

function attributeValue(customer: SegmentFacts, name: string): string {
  const value = customer.attributes[name]?.trim();
  return value ? value : UNKNOWN;
}

/**
 * Every dimension of the run in report order: the built-in ones, the configured attributes (a name
 * equal to a built-in one or repeated is skipped: it would overwrite it), then `_all`.
 */
export function segmentDimensions(_context: RunContext, settings: ModelSettings): SegmentDimension[] {
  const dimensions: SegmentDimension[] = [
    { name: 'acquisition_channel', valueOf: (c) => c.acquisitionChannel, spend: 'channel' },
    { name: 'cohort_month', valueOf: (c) => c.cohortMonth, spend: 'month' },
    { name: 'rfm_segment', valueOf: (c) => c.rfm.segment, spend: 'allocated' },
  ];
  const taken = new Set<string>([ALL, ...BUILT_IN_DIMENSIONS]);
  for (const name of settings.segmentDimensions) {
    if (taken.has(name)) continue;
    taken.add(name);
    dimensions.push({ name, valueOf: (c) => attributeValue(c, name), spend: 'allocated' });
  }
  dimensions.push({ name: ALL, valueOf: () => ALL, spend: 'total' });
  return dimensions;
}

/** A record safe for keys from the data (a value `__proto__` is a plain key, not the prototype). */
export function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** `record[key]` when it is the record's own (records from JSON.parse inherit Object.prototype). */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A customer's value of every dimension, by dimension name. */
export function customerSegmentValues(
  customer: SegmentFacts,
  dimensions: readonly SegmentDimension[],
): Record<string, string> {
  const values = emptyRecord<string>();
  for (const dimension of dimensions) values[dimension.name] = dimension.valueOf(customer);
  return values;
}

/** Customers per dimension and value (values without customers are absent). */
export type SegmentSizes = Record<string, Record<string, number>>;

/**
 * Customers per (dimension, value), `_all` included, from the summaries and the run's context alone:
 * only channel, cohort month, RFM segment (from the run's cut-offs) and attributes are derived, no
 * CustomerMetrics, so a sharded run can size every segment before it scores anyone.
 */
export function segmentSizes(
  summaries: readonly CustomerSummary[],
  context: RunContext,
  settings: ModelSettings,
): SegmentSizes {
  const dimensions = segmentDimensions(context, settings);
  const counts = dimensions.map(() => new Map<string, number>());
  const dayOf = memoisedDayNumber();
  const monthOf = memoisedMonthKey();
  const asOfDay = dayOf(context.window.asOf);
  for (const s of summaries) {
    const daysSinceLast = asOfDay - dayOf(s.lastOrderDate);
    const facts: SegmentFacts = {
      acquisitionChannel: s.acquisitionChannel,
      cohortMonth: monthOf(s.acquiredAt),
      attributes: s.attributes,
      rfm: rfmOfCustomer(context.rfmCutoffs, daysSinceLast, s.orders, s.netRevenue),
    };
    dimensions.forEach((dimension, d) => {
      const byValue = counts[d] as Map<string, number>;
      const value = dimension.valueOf(facts);
      byValue.set(value, (byValue.get(value) ?? 0) + 1);
    });
  }
  const sizes = emptyRecord<Record<string, number>>();
  dimensions.forEach((dimension, d) => {
    const byValue = emptyRecord<number>();
    for (const [value, count] of counts[d] as Map<string, number>) byValue[value] = count;
    sizes[dimension.name] = byValue;
  });
  return sizes;
}
