import { describe, expect, it } from 'vitest';
import { validateSummaries } from '../../lambdas/model/validate-summaries.js';
import { fixtureSummaries, summary } from './fixture.js';

describe('validateSummaries', () => {
  it('accepts the fixture', () => {
    // Act / Assess
    expect(validateSummaries(fixtureSummaries, '2026-03-31')).toEqual([]);
  });

  it('names each problem with its customer and field', () => {
    // Prepare
    const bad = summary({
      id: 'Z',
      channel: 'ads',
      first: '2026-03-05',
      last: '2026-02-30',
      orders: -1,
      days: 1,
      gross: Number.NaN,
      refunds: 0,
      cost: null,
      prev: false,
      lastWindow: false,
    });
    const duplicate = fixtureSummaries[0];
    if (!duplicate) throw new Error('fixture is empty');
    const future = { ...duplicate, customerId: 'L', lastOrderDate: '2026-04-02', purchaseDays: 4, cost: -1 };
    // Act
    const problems = validateSummaries([duplicate, duplicate, bad, future], '2026-03-31');
    // Assess
    expect(problems.map((p) => `${p.customerId}.${p.field}`)).toEqual([
      'A.customerId',
      'Z.lastOrderDate',
      'Z.orders',
      'Z.purchaseDays',
      'Z.grossRevenue',
      'Z.netRevenue',
      'L.lastOrderDate',
      'L.purchaseDays',
      'L.cost',
    ]);
    expect(problems[1]?.message).toBe('lastOrderDate is not a YYYY-MM-DD date');
  });
});
