/** Item shapes of the results table: domain objects in, DynamoDB items out (and back). */
import type { CustomerMetrics, SegmentMetrics } from '../model/types.js';
import type { Item } from './batch-writer.js';
import {
  ALL,
  customerKey,
  type ItemKey,
  memberIndexKeys,
  memberKey,
  segmentHistoryKey,
  segmentKey,
} from './keys.js';

/** Longest attribute value kept on a customer item; longer ones are cut and `attributesTruncated` set. */
export const MAX_ATTRIBUTE_CHARS = 1024;
/** Most attributes kept on a customer item (the rest dropped, `attributesTruncated` set): keeps items ≪ 400 KB. */
export const MAX_ATTRIBUTES = 200;

/** The customer's value in a dimension: built-ins from metrics, configured ones from attributes. */
export function dimensionValue(customer: CustomerMetrics, dimension: string): string {
  switch (dimension) {
    case ALL:
      return ALL;
    case 'acquisition_channel':
      return customer.acquisitionChannel;
    case 'cohort_month':
      return customer.cohortMonth;
    case 'rfm_segment':
      return customer.rfm.segment;
    default:
      return customer.attributes[dimension] ?? 'unknown';
  }
}

/** A customer's metrics without nested maps, as carried on segment member items (rfm flattened). */
export interface FlatCustomerMetrics extends Omit<CustomerMetrics, 'rfm' | 'attributes'> {
  readonly rfmR: number;
  readonly rfmF: number;
  readonly rfmM: number;
  readonly rfmSegment: string;
}

/** Drops the nested maps and flattens the RFM scores. */
export function flatMetrics(customer: CustomerMetrics): FlatCustomerMetrics {
  const { rfm, attributes: _attributes, ...rest } = customer;
  return { ...rest, rfmR: rfm.r, rfmF: rfm.f, rfmM: rfm.m, rfmSegment: rfm.segment };
}

/** Attributes cut to MAX_ATTRIBUTES entries of at most MAX_ATTRIBUTE_CHARS characters each. */
export function boundedAttributes(attributes: Readonly<Record<string, string>>): {
  attributes: Record<string, string>;
  truncated: boolean;
} {
  const out: Record<string, string> = {};
  let truncated = false;
  let count = 0;
  for (const [name, value] of Object.entries(attributes)) {
    if (count++ >= MAX_ATTRIBUTES) {
      truncated = true;
      break;
    }
    if (value.length > MAX_ATTRIBUTE_CHARS) truncated = true;
    out[name] = value.length > MAX_ATTRIBUTE_CHARS ? value.slice(0, MAX_ATTRIBUTE_CHARS) : value;
  }
  return { attributes: out, truncated };
}

/** Run-scoped fields every item of a run carries. */
export interface RunScope {
  readonly runId: string;
  readonly exportDate: string;
  readonly expiresAt: number;
}

/** The customer-in-a-run item. */
export function customerItem(scope: RunScope, customer: CustomerMetrics): Item {
  const { attributes, truncated } = boundedAttributes(customer.attributes);
  return {
    ...customerKey(customer.customerId, scope.exportDate, scope.runId),
    type: 'customer',
    ...scope,
    ...customer,
    attributes,
    attributesTruncated: truncated,
  };
}

/** A segment member item: ordered by historic CLV within its shard, by revenue and orders in the indexes. */
export function memberItem(
  scope: RunScope,
  dimension: string,
  value: string,
  shard: number,
  customer: CustomerMetrics,
): Item {
  return {
    ...memberKey(scope.runId, dimension, value, shard, customer.historicClv, customer.customerId),
    ...memberIndexKeys(customer.netRevenue, customer.orders, customer.customerId),
    type: 'member',
    ...scope,
    ...flatMetrics(customer),
  };
}

/** A segment row (metrics may be absent while only the shard manifest has been written). */
export function segmentItem(
  scope: RunScope,
  dimension: string,
  value: string,
  shards: number,
  metrics?: SegmentMetrics,
): Item {
  return {
    ...segmentKey(scope.runId, dimension, value),
    type: 'segment',
    ...scope,
    ...(metrics ? { ...metrics, complete: true } : { complete: false }),
    dimension,
    value,
    shards,
  };
}

/** A segment's entry in its trend partition. */
export function segmentHistoryItem(scope: RunScope, metrics: SegmentMetrics): Item {
  return {
    ...segmentHistoryKey(metrics.dimension, metrics.value, scope.exportDate, scope.runId),
    type: 'segment-history',
    ...scope,
    ...metrics,
  };
}

const KEY_FIELDS = new Set(['PK', 'SK', 'type', 'expiresAt', 'revenueKey', 'ordersKey']);

/** An item without its key and bookkeeping fields. */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) if (!KEY_FIELDS.has(name)) out[name] = value;
  return out as T;
}

/** The key of an item. */
export function keyOf(item: Record<string, unknown>): ItemKey {
  return { PK: String(item.PK), SK: String(item.SK) };
}
