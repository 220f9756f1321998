import { describe, expect, it } from 'vitest';
import { annualisedRetention, businessChurn, churnWindow } from '../../lambdas/model/churn.js';

describe('churnWindow', () => {
  it('keeps the preferred length when the history holds two windows', () => {
    // Prepare: history 2023-01-01 → 2026-03-31 = 38 whole months; ⌊38/2⌋ = 19 ≥ 12.
    // Act
    const window = churnWindow('2023-01-01', '2026-03-31', 12);
    // Assess
    expect(window).toEqual({
      months: 12,
      previousStart: '2024-03-31',
      lastStart: '2025-03-31',
      asOf: '2026-03-31',
    });
  });

  it('shortens the windows to half the history and clamps to month ends', () => {
    // Prepare: 2025-09-15 → 2026-03-31 = 6 whole months; min(12, ⌊6/2⌋) = 3.
    // Act
    const window = churnWindow('2025-09-15', '2026-03-31', 12);
    // Assess: asOf − 3 months = 2025-12-31; asOf − 6 months = Sep 31 → clamped to 2025-09-30.
    expect(window).toEqual({
      months: 3,
      previousStart: '2025-09-30',
      lastStart: '2025-12-31',
      asOf: '2026-03-31',
    });
  });

  it('uses one-month windows when the history is shorter than two months', () => {
    // Prepare: 2026-03-10 → 2026-03-31 = 0 whole months → history counted as 1; ⌊1/2⌋ = 0 → at least 1.
    // Act
    const window = churnWindow('2026-03-10', '2026-03-31', 12);
    // Assess
    expect(window.months).toBe(1);
    expect(window.lastStart).toBe('2026-02-28');
    expect(window.previousStart).toBe('2026-01-31');
  });
});

describe('annualisedRetention', () => {
  it('annualises a 3-month retention by the power 12/3', () => {
    // Prepare: 3 of 4 retained → r_w = 0.75; annual r = 0.75^4 = 0.31640625; churn = 0.68359375.
    // Act
    const { retention, churn } = annualisedRetention(4, 3, 3);
    // Assess
    expect(retention).toBeCloseTo(0.31640625, 10);
    expect(churn).toBeCloseTo(0.68359375, 10);
  });

  it('is null when nobody was active in the previous window', () => {
    // Act / Assess
    expect(annualisedRetention(0, 0, 3)).toEqual({ retention: null, churn: null });
  });
});

describe('businessChurn', () => {
  it('uses the measured churn when above the floor', () => {
    // Prepare: 1 of 2 retained over 3 months → churn = 1 − 0.5^4 = 0.9375; lifespan = 1/0.9375 = 1.0667.
    // Act
    const churn = businessChurn(2, 1, 3, 5);
    // Assess
    expect(churn.annualChurn).toBeCloseTo(0.9375, 10);
    expect(churn.expectedLifespanYears).toBeCloseTo(1.066667, 6);
  });

  it('caps the lifespan: churn is floored at 1 / maxLifespanYears', () => {
    // Prepare: 10 of 10 retained → measured churn 0; floor = 1/5 = 0.2 → lifespan 5 years.
    // Act
    const churn = businessChurn(10, 10, 12, 5);
    // Assess
    expect(churn.annualChurn).toBeCloseTo(0.2, 10);
    expect(churn.expectedLifespanYears).toBeCloseTo(5, 10);
  });

  it('uses the floor when nobody was active in the previous window', () => {
    // Act
    const churn = businessChurn(0, 0, 3, 8);
    // Assess: floor = 1/8 = 0.125.
    expect(churn.annualChurn).toBeCloseTo(0.125, 10);
    expect(churn.expectedLifespanYears).toBeCloseTo(8, 10);
  });
});
