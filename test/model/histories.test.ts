import { describe, expect, it } from 'vitest';
import { addDays } from '../../lambdas/model/dates.js';
import { customerHistories } from '../../lambdas/model/histories.js';
import { summary } from './fixture.js';

const base = { refunds: 0, cost: null, prev: false, lastWindow: true, channel: 'ads' } as const;

describe('customerHistories', () => {
  it('gives x, t_x, T in days and the mean repeat-day spend, as computed by hand', () => {
    // Prepare: as of 2026-03-31
    const summaries = [
      // 3 purchase days 2026-01-10 … 2026-03-01, 300 net, 100 on the first day → x 2, t_x 50, T 80, m 100
      {
        ...summary({
          ...base,
          id: 'A',
          first: '2026-01-10',
          last: '2026-03-01',
          orders: 3,
          days: 3,
          gross: 300,
        }),
      },
      // one order: x 0, t_x 0, T 70, monetary 0
      summary({ ...base, id: 'B', first: '2026-01-20', last: '2026-01-20', orders: 1, days: 1, gross: 100 }),
      // two orders on one day: still one purchase
      summary({ ...base, id: 'C', first: '2026-03-31', last: '2026-03-31', orders: 2, days: 1, gross: 80 }),
      // refunds larger than the repeat purchases: 120 net over 2 days, 200 on the first → m −80
      {
        ...summary({
          ...base,
          id: 'D',
          first: '2025-12-31',
          last: '2026-02-01',
          orders: 2,
          days: 2,
          gross: 220,
        }),
        netRevenue: 120,
        firstPurchaseNetRevenue: 200,
      },
    ];

    // Act
    const h = customerHistories(summaries, '2026-03-31');

    // Assess
    expect(Array.from(h.x)).toEqual([2, 0, 0, 1]);
    expect(Array.from(h.tx)).toEqual([50, 0, 0, 32]);
    expect(Array.from(h.T)).toEqual([80, 70, 0, 90]);
    expect(Array.from(h.monetary)).toEqual([100, 0, 0, -80]);
  });
});

describe('addDays', () => {
  it('crosses month, year and leap-day boundaries both ways', () => {
    expect(addDays('2026-03-31', -183)).toBe('2025-09-29');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-29', 1)).toBe('2024-03-01');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2026-01-01', 0)).toBe('2026-01-01');
  });
});
