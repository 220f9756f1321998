import { describe, expect, it } from 'vitest';
import type { CustomerMetrics } from '../../lambdas/model/types.js';
import { customerItem, memberItem } from '../../lambdas/publish/items.js';

/**
 * DynamoDB's item size (developer guide, "DynamoDB item sizes and formats"): per attribute, the UTF-8
 * bytes of its name plus, for a string its UTF-8 bytes, for a number 1 byte per two significant digits
 * plus 1, for null or boolean 1 byte, for a map 3 bytes plus each element (name + value + 1 byte).
 */
function valueBytes(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') {
    const digits = value.toExponential().split('e')[0]?.replace(/[-.]/g, '').replace(/0+$/, '') ?? '';
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (typeof value === 'object') {
    return (
      3 + Object.entries(value).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + valueBytes(v) + 1, 0)
    );
  }
  throw new Error(`no DynamoDB size for ${typeof value}`);
}
const itemBytes = (item: Record<string, unknown>): number =>
  Object.entries(item).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + valueBytes(v), 0);

/** Every number a computation leaves with 17 significant digits: the largest a double prints. */
const x = (v: number): number => v + 0.123456789012345 * 10 ** (Math.floor(Math.log10(Math.abs(v) || 1)) - 1);

/** A customer as a run publishes it, with long-ish names and full-precision numbers everywhere. */
const customer: CustomerMetrics = {
  customerId: 'CUST-2024-000123456',
  firstOrderDate: '2024-11-10',
  lastOrderDate: '2026-10-02',
  orders: 14,
  frequency: 12,
  recencyDays: 691,
  ageDays: 744,
  daysSinceLastOrder: 53,
  netRevenue: x(1234.5),
  averageOrderValue: x(88.1),
  marginRate: x(0.31),
  grossMargin: x(382.7),
  purchasesPerYear: x(6.8),
  expectedLifespanYears: x(1.87),
  historicClv: x(351.2),
  acquisitionChannel: 'paid_social_retargeting',
  cohortMonth: '2024-11',
  cac: x(49.1),
  clvToCac: x(7.15),
  rfm: { r: 5, f: 5, m: 4, segment: 'potential_loyalist' },
  attributes: { country: 'DE', plan: 'premium', region: 'Nordrhein-Westfalen' },
  probabilityAlive: x(0.93),
  expectedPurchases30: x(0.52),
  expectedPurchases90: x(1.49),
  expectedPurchases365: x(5.32),
  expectedAverageOrderValue: x(86.4),
  predictedClvRevenue: x(421.9),
  predictedClv: x(130.8),
  predictedClvToCac: x(2.66),
};
const scope = { runId: '2026-11-24T0mwvh7i80', exportDate: '2026-11-24', expiresAt: 1_799_999_999 };

describe('item sizes with the predicted fields (docs/storage.md cost model: 1 KB = 1 write unit)', () => {
  it('keeps a segment member item under 1 KB', () => {
    const item = memberItem(scope, 'acquisition_channel', 'paid_social_retargeting', 7, customer);
    expect(itemBytes(item)).toBeLessThanOrEqual(1024);
  });

  it('keeps a customer item with a few attributes under 1 KB', () => {
    expect(itemBytes(customerItem(scope, customer))).toBeLessThanOrEqual(1024);
  });
});
