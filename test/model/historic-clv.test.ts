import { describe, expect, it } from 'vitest';
import {
  averageOrderValue,
  businessPurchaseRate,
  customerMarginRate,
  exposureYears,
  historicClv,
  shrunkPurchasesPerYear,
} from '../../lambdas/model/historic-clv.js';

describe('purchase-rate shrinkage', () => {
  it('keeps a one-day-old customer near the business rate instead of 365 orders a year', () => {
    // Prepare: business λ = 13 orders / (588/365.25 customer-years) = 8.075255; w = 1 year.
    // The customer's own rate would be 1 / (1/365.25) = 365.25 a year.
    const lambda = businessPurchaseRate(13, 588 / 365.25);
    // Act
    const perYear = shrunkPurchasesPerYear(1, exposureYears(0), lambda, 1);
    // Assess: (1 + 8.075255 × 1) / (1/365.25 + 1) = 9.075255 / 1.002738 = 9.050476.
    expect(lambda).toBeCloseTo(8.075255, 5);
    expect(perYear).toBeCloseTo(9.050476, 5);
  });

  it('approaches the customer’s own rate as exposure grows', () => {
    // Prepare: 40 orders over 10 years (own rate 4), λ = 8, w = 1.
    // Act
    const perYear = shrunkPurchasesPerYear(40, 10, 8, 1);
    // Assess: (40 + 8) / (10 + 1) = 4.363636.
    expect(perYear).toBeCloseTo(4.363636, 5);
  });

  it('is the raw rate without a prior and the business rate with no exposure', () => {
    // Act / Assess
    expect(shrunkPurchasesPerYear(6, 2, 8, 0)).toBeCloseTo(3, 10); // 6 / 2
    expect(shrunkPurchasesPerYear(0, 0, 8, 0)).toBeCloseTo(8, 10);
    expect(exposureYears(-5)).toBeCloseTo(1 / 365.25, 12); // negative ages count as day one
  });
});

describe('margin and historic CLV', () => {
  it('uses the customer’s cost when known and revenue is positive, else the default rate', () => {
    // Act / Assess
    expect(customerMarginRate(300, 120, 0.4)).toBeCloseTo(0.6, 10); // (300 − 120) / 300
    expect(customerMarginRate(300, null, 0.4)).toBeCloseTo(0.4, 10);
    expect(customerMarginRate(-20, 10, 0.4)).toBeCloseTo(0.4, 10); // refunds exceed purchases
  });

  it('multiplies AOV × frequency × lifespan × margin', () => {
    // Prepare: AOV = 150 / 2 = 75; 4 purchases a year; 2.5 years; margin 0.4.
    const aov = averageOrderValue(150, 2);
    // Act
    const clv = historicClv(aov, 4, 2.5, 0.4);
    // Assess: 75 × 4 × 2.5 × 0.4 = 300.
    expect(aov).toBeCloseTo(75, 10);
    expect(clv).toBeCloseTo(300, 10);
    expect(averageOrderValue(100, 0)).toBe(0);
  });
});
