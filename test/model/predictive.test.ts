import { describe, expect, it } from 'vitest';
import * as bg from '../../lambdas/model/bg-nbd.js';
import { discountedClv, monthlyDiscountRate } from '../../lambdas/model/discounted-clv.js';
import { conditionalExpectedAverageSpend } from '../../lambdas/model/gamma-gamma.js';
import * as pareto from '../../lambdas/model/pareto-nbd.js';
import { type PredictiveSettings, predictCustomers } from '../../lambdas/model/predictive.js';
import { simulateParetoNbd } from './pareto-nbd-simulation.js';

const SETTINGS: PredictiveSettings = {
  model: 'auto',
  timeUnit: 'week',
  horizonMonths: 12,
  annualDiscountRate: 0.1,
  atRiskBelow: 0.5,
};

/** 4,000 customers in days, whole-day purchase times, spend from a deterministic pattern. */
function customers() {
  const sim = simulateParetoNbd({ r: 2, alpha: 14, s: 0.8, beta: 28 }, 4000, [180, 540], 7);
  const days = (v: Float64Array) => Float64Array.from(v, (d) => Math.floor(d));
  const T = days(sim.T);
  const tx = days(sim.tx);
  const monetary = Float64Array.from(sim.x, (x, i) => (x > 0 ? 20 + (i % 17) * 3 : 0));
  return { x: sim.x, tx, T, monetary };
}

describe('predictCustomers', () => {
  it('fits both models, chooses one, and predicts every customer with finite values', () => {
    // Prepare
    const data = customers();
    const cut = 90;
    const calibration = {
      x: data.x.map(() => 0),
      tx: data.tx.map(() => 0),
      T: data.T.map((T) => Math.max(1, T - cut)),
      holdoutPurchases: data.x.map((x) => Math.min(x, 1)),
      holdoutDays: cut,
    };

    // Act
    const result = predictCustomers(data, calibration, SETTINGS);

    // Assess
    expect(['bg-nbd', 'pareto-nbd']).toContain(result.model);
    expect(result.models.bgNbd.converged && result.models.paretoNbd.converged).toBe(true);
    expect(result.models.bgNbd.backtest?.customers).toBe(4000);
    expect(result.customers).toHaveLength(4000);
    for (const c of result.customers) {
      expect(c.probabilityAlive).toBeGreaterThanOrEqual(0);
      expect(c.probabilityAlive).toBeLessThanOrEqual(1);
      expect(c.expectedPurchases30).toBeLessThanOrEqual(c.expectedPurchases90);
      expect(c.expectedPurchases90).toBeLessThanOrEqual(c.expectedPurchases365);
      expect(Number.isFinite(c.predictedClvRevenue) && c.predictedClvRevenue >= 0).toBe(true);
    }
  });

  it('gives a customer the CLV computed independently from the chosen model, Gamma-Gamma and the horizon', () => {
    // Prepare
    const data = customers();
    const settings = { ...SETTINGS, model: 'bg-nbd' as const };

    // Act
    const result = predictCustomers(data, null, settings);

    // Assess: the first customer with x > 2, recomputed in weeks with lifetimes' 4.345 weeks a month
    const i = [...data.x].findIndex((x) => x > 2);
    const [x, tx, T] = [data.x[i] as number, (data.tx[i] as number) / 7, (data.T[i] as number) / 7];
    const params = result.models.bgNbd.params;
    const aov = conditionalExpectedAverageSpend(result.gammaGamma.params, x, data.monetary[i] as number);
    const clv = discountedClv((t) => bg.conditionalExpectedPurchases(params, t, x, tx, T), aov, {
      months: 12,
      unitsPerMonth: 4.345,
      monthlyDiscountRate: monthlyDiscountRate(0.1),
    });
    const got = result.customers[i];
    expect(result.model).toBe('bg-nbd');
    expect(got?.expectedAverageOrderValue).toBeCloseTo(aov, 9);
    expect(got?.predictedClvRevenue).toBeCloseTo(clv, 9);
    expect(got?.probabilityAlive).toBeCloseTo(bg.probabilityAlive(params, x, tx, T), 12);
    expect(got?.expectedPurchases30).toBeCloseTo(
      bg.conditionalExpectedPurchases(params, 30 / 7, x, tx, T),
      12,
    );
  });

  it('without a backtest keeps the model with the better likelihood', () => {
    const result = predictCustomers(customers(), null, SETTINGS);
    const better =
      result.models.paretoNbd.logLikelihood > result.models.bgNbd.logLikelihood ? 'pareto-nbd' : 'bg-nbd';
    expect(result.model).toBe(better);
    expect(pareto.probabilityAlive(result.models.paretoNbd.params, 0, 0, 10)).toBeGreaterThan(0);
  });
});
