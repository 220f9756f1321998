import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BacktestInputError,
  type BacktestRow,
  backtestReport,
  holdoutDays,
} from '../../lambdas/model/backtest.js';
import { InvalidSettingsError } from '../../lambdas/model/errors.js';

/**
 * customer  calibration x  predicted  actual  weight
 * A         0              0.2        0       1
 * B         0              0.4        1       1
 * C         1              1.0        2       2
 * D         3              2.5        1       1
 * E         9              5.0        6       1
 * F         7              4.0        3       1
 */
const ROWS: readonly BacktestRow[] = [
  { calibrationFrequency: 0, predicted: 0.2, actual: 0 },
  { calibrationFrequency: 0, predicted: 0.4, actual: 1 },
  { calibrationFrequency: 1, predicted: 1, actual: 2, weight: 2 },
  { calibrationFrequency: 3, predicted: 2.5, actual: 1 },
  { calibrationFrequency: 9, predicted: 5, actual: 6 },
  { calibrationFrequency: 7, predicted: 4, actual: 3 },
];

describe('backtestReport', () => {
  it('totals, mean absolute error and correlation, weights counting as customers', () => {
    // Act
    const report = backtestReport(ROWS);
    // Assess
    expect(report.customers).toBe(7); // 1 + 1 + 2 + 1 + 1 + 1
    expect(report.predictedPurchases).toBeCloseTo(14.1, 12); // 0.2 + 0.4 + 2·1 + 2.5 + 5 + 4
    expect(report.actualPurchases).toBeCloseTo(15, 12); // 0 + 1 + 2·2 + 1 + 6 + 3
    // |errors| 0.2 + 0.6 + 2·1 + 1.5 + 1 + 1 = 6.3 over 7 customers.
    expect(report.meanAbsoluteError).toBeCloseTo(0.9, 12);
    // Σpa − Σp·Σa/7 = 48.9 − 14.1·15/7 = 18.685714; Σp² − (Σp)²/7 = 49.45 − 28.401429 = 21.048571;
    // Σa² − (Σa)²/7 = 55 − 32.142857 = 22.857143; r = 18.685714 / √(21.048571 · 22.857143) = 0.851898.
    expect(report.correlation).toBeCloseTo(0.851898, 6);
  });

  it('tabulates mean predicted and actual by calibration frequency, 7 and more together', () => {
    // Act
    const { byFrequency } = backtestReport(ROWS);
    // Assess: empty buckets (2, 4, 5, 6) are left out; E (x = 9) and F (x = 7) share '7+'.
    expect(byFrequency.map((b) => b.frequency)).toEqual(['0', '1', '3', '7+']);
    const [zero, one, three, open] = byFrequency;
    expect(zero).toMatchObject({ customers: 2 });
    expect(zero?.meanPredicted).toBeCloseTo(0.3, 12); // (0.2 + 0.4) / 2
    expect(zero?.meanActual).toBeCloseTo(0.5, 12); // (0 + 1) / 2
    expect(one).toMatchObject({ customers: 2, meanPredicted: 1, meanActual: 2 }); // C counts twice
    expect(three).toMatchObject({ customers: 1, meanPredicted: 2.5, meanActual: 1 });
    expect(open?.customers).toBe(2);
    expect(open?.meanPredicted).toBeCloseTo(4.5, 12); // (5 + 4) / 2
    expect(open?.meanActual).toBeCloseTo(4.5, 12); // (6 + 3) / 2
  });

  it('has no correlation when either side does not vary, or nobody is counted', () => {
    // Act / Assess: constant predictions (0.1 three times: a weighted mean of it is not exactly 0.1).
    const flatPredictions = [1, 2, 3].map((actual) => ({
      calibrationFrequency: 1,
      predicted: 0.1,
      actual,
      weight: 3,
    }));
    expect(backtestReport(flatPredictions).correlation).toBeNull();
    const nobodyBought = [0.5, 1.5].map((predicted) => ({ calibrationFrequency: 0, predicted, actual: 0 }));
    expect(backtestReport(nobodyBought).correlation).toBeNull();
    expect(backtestReport([{ calibrationFrequency: 0, predicted: 1, actual: 2 }]).correlation).toBeNull();
    // A zero-weight row does not make a constant side vary.
    const ignored = [...nobodyBought, { calibrationFrequency: 0, predicted: 1, actual: 5, weight: 0 }];
    expect(backtestReport(ignored).correlation).toBeNull();
  });

  it('reports zeros, no correlation and no buckets for no customers', () => {
    // Act
    const report = backtestReport([]);
    // Assess
    expect(report).toEqual({
      customers: 0,
      predictedPurchases: 0,
      actualPurchases: 0,
      meanAbsoluteError: 0,
      correlation: null,
      byFrequency: [],
    });
  });

  it('is perfect when predictions are the actuals, and the buckets add up to the totals', () => {
    const arbitraryRow = fc.record({
      calibrationFrequency: fc.integer({ min: 0, max: 30 }),
      actual: fc.integer({ min: 0, max: 20 }),
      weight: fc.integer({ min: 1, max: 5 }),
    });
    fc.assert(
      fc.property(fc.array(arbitraryRow, { minLength: 1, maxLength: 40 }), (rows) => {
        // Prepare
        const exact = rows.map((row) => ({ ...row, predicted: row.actual }));
        // Act
        const report = backtestReport(exact);
        // Assess
        expect(report.meanAbsoluteError).toBe(0);
        expect(report.predictedPurchases).toBe(report.actualPurchases);
        if (report.correlation !== null) expect(report.correlation).toBeCloseTo(1, 10);
        const bucketCustomers = report.byFrequency.reduce((s, b) => s + b.customers, 0);
        const bucketActual = report.byFrequency.reduce((s, b) => s + b.customers * b.meanActual, 0);
        expect(bucketCustomers).toBe(report.customers);
        expect(bucketActual).toBeCloseTo(report.actualPurchases, 8);
      }),
    );
  });

  it('rejects rows it cannot measure', () => {
    // Act / Assess
    const row = { calibrationFrequency: 1, predicted: 1, actual: 1 };
    expect(() => backtestReport([{ ...row, calibrationFrequency: -1 }])).toThrow(BacktestInputError);
    expect(() => backtestReport([{ ...row, predicted: Number.NaN }])).toThrow(BacktestInputError);
    expect(() => backtestReport([{ ...row, weight: -2 }])).toThrow(BacktestInputError);
  });
});

describe('holdoutDays', () => {
  it('is a quarter of the history, at least eight weeks', () => {
    // Act / Assess
    expect(holdoutDays(730)).toBe(183); // round(182.5) = 183 > 56
    expect(holdoutDays(400)).toBe(100);
    expect(holdoutDays(224)).toBe(56); // 224 / 4 = 56 exactly
    expect(holdoutDays(200)).toBe(56); // 50 < 56
  });

  it('always leaves at least one calibration day', () => {
    // Act / Assess
    expect(holdoutDays(57)).toBe(56);
    expect(holdoutDays(56)).toBe(55); // capped at historyDays − 1
    expect(holdoutDays(10)).toBe(9);
    expect(holdoutDays(1)).toBe(0); // too short to split: no backtest
    expect(holdoutDays(0)).toBe(0);
  });

  it('takes another share and minimum', () => {
    // Act / Assess
    expect(holdoutDays(1000, { share: 0.1 })).toBe(100);
    expect(holdoutDays(300, { share: 0.1, minDays: 28 })).toBe(30);
    expect(holdoutDays(100, { share: 0.1, minDays: 28 })).toBe(28);
    expect(holdoutDays(100, { minDays: 0 })).toBe(25);
  });

  it('rejects impossible settings and histories', () => {
    // Act / Assess
    expect(() => holdoutDays(100, { share: 0 })).toThrow(InvalidSettingsError);
    expect(() => holdoutDays(100, { share: 1 })).toThrow(InvalidSettingsError);
    expect(() => holdoutDays(100, { minDays: -1 })).toThrow(InvalidSettingsError);
    expect(() => holdoutDays(-3)).toThrow(BacktestInputError);
    expect(() => holdoutDays(Number.NaN)).toThrow(BacktestInputError);
  });
});
