import { describe, expect, it } from 'vitest';
import * as bg from '../../lambdas/model/bg-nbd.js';
import { ModelFitError } from '../../lambdas/model/btyd-types.js';
import { discountedClv, monthlyDiscountRate } from '../../lambdas/model/discounted-clv.js';
import { conditionalExpectedAverageSpend } from '../../lambdas/model/gamma-gamma.js';
import * as pareto from '../../lambdas/model/pareto-nbd.js';
import {
  type ModelOutcome,
  type PredictiveSettings,
  predictCustomers,
} from '../../lambdas/model/predictive.js';
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

/** The fitted report, or a test failure naming why the model failed. */
function fitted<P>(outcome: ModelOutcome<P>) {
  if (outcome.status === 'failed') throw new Error(`expected a fitted model: ${outcome.reason}`);
  return outcome;
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
    expect(fitted(result.models.bgNbd).converged && fitted(result.models.paretoNbd).converged).toBe(true);
    expect(fitted(result.models.bgNbd).backtest?.customers).toBe(4000);
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

    // Assess: the first customer with x > 2, recomputed in weeks, a month being 30/7 weeks (30 days)
    const i = [...data.x].findIndex((x) => x > 2);
    const [x, tx, T] = [data.x[i] as number, (data.tx[i] as number) / 7, (data.T[i] as number) / 7];
    const params = fitted(result.models.bgNbd).params;
    const aov = conditionalExpectedAverageSpend(result.gammaGamma.params, x, data.monetary[i] as number);
    const clv = discountedClv((t) => bg.conditionalExpectedPurchases(params, t, x, tx, T), aov, {
      months: 12,
      unitsPerMonth: 30 / 7,
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
      fitted(result.models.paretoNbd).logLikelihood > fitted(result.models.bgNbd).logLikelihood
        ? 'pareto-nbd'
        : 'bg-nbd';
    expect(result.model).toBe(better);
    expect(pareto.probabilityAlive(fitted(result.models.paretoNbd).params, 0, 0, 10)).toBeGreaterThan(0);
  });

  it('times each fit with the injected clock and reports no warning for independent spend', () => {
    // Prepare: a clock that advances 5 ms per reading
    let ms = 0;
    const now = () => (ms += 5);

    // Act
    const result = predictCustomers(customers(), null, SETTINGS, now);

    // Assess: each fit reads the clock twice, so each lasted exactly one tick
    expect(fitted(result.models.bgNbd).fitMs).toBe(5);
    expect(fitted(result.models.paretoNbd).fitMs).toBe(5);
    expect(result.gammaGamma.fitMs).toBe(5);
    expect(Math.abs(result.gammaGamma.spendFrequencyCorrelation ?? 1)).toBeLessThan(0.3);
    expect(result.warnings).toEqual([]);
  });

  it('warns when repeat spend grows with frequency (Gamma-Gamma independence violated)', () => {
    // Prepare: spend proportional to the number of repeat purchases
    const data = { ...customers() };
    data.monetary = Float64Array.from(data.x, (x) => (x > 0 ? 10 + 15 * x : 0));

    // Act
    const result = predictCustomers(data, null, SETTINGS);

    // Assess
    expect(result.gammaGamma.spendFrequencyCorrelation).toBeGreaterThan(0.3);
    expect(result.warnings.join('\n')).toMatch(/correlation is [01]\.\d{3} \(\|r\| > 0\.3\)/);
  });

  it('fails with ModelFitError when nobody bought twice (no repeat spend to fit Gamma-Gamma)', () => {
    // Prepare: 500 single-purchase customers
    const T = Float64Array.from({ length: 500 }, (_, i) => 30 + i);
    const data = { x: new Float64Array(500), tx: new Float64Array(500), T, monetary: new Float64Array(500) };

    // Act + Assess
    expect(() => predictCustomers(data, null, SETTINGS)).toThrow(ModelFitError);
  });

  it('predicts the same in days and in weeks (results identical up to the unit)', () => {
    // Prepare
    const data = customers();

    // Act
    const days = predictCustomers(data, null, { ...SETTINGS, timeUnit: 'day' });
    const weeks = predictCustomers(data, null, { ...SETTINGS, timeUnit: 'week' });

    // Assess: same model, α and β scale by 7, predictions agree to the optimiser's tolerance (1e-5 relative)
    expect(weeks.model).toBe(days.model);
    expect(fitted(weeks.models.bgNbd).params.alpha * 7).toBeCloseTo(
      fitted(days.models.bgNbd).params.alpha,
      2,
    );
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));
    days.customers.forEach((d, i) => {
      const w = weeks.customers[i];
      if (!w) throw new Error(`customer ${i} missing in weeks`);
      for (const key of Object.keys(d) as (keyof typeof d)[]) {
        if (!close(w[key], d[key]))
          throw new Error(`customer ${i} ${key}: weeks ${w[key]} vs days ${d[key]}`);
      }
    });
  });

  it('gives customers with non-positive repeat spend the population mean order value, and leaves them out of the spend fit', () => {
    // Prepare: the first two repeat buyers' refunds exceed their repeat purchases (zero and negative spend)
    const data = { ...customers() };
    const repeaters = [...data.x].flatMap((x, i) => (x > 0 ? [i] : []));
    const [zero, negative] = repeaters as [number, number];
    data.monetary = Float64Array.from(data.monetary);
    data.monetary[zero] = 0;
    data.monetary[negative] = -35;

    // Act
    const result = predictCustomers(data, null, SETTINGS);

    // Assess: pγ/(q − 1), the Gamma-Gamma prior mean; the fit counts only positive spend
    const { p, q, gamma } = result.gammaGamma.params;
    const populationMean = (p * gamma) / (q - 1);
    expect(result.customers[zero]?.expectedAverageOrderValue).toBeCloseTo(populationMean, 9);
    expect(result.customers[negative]?.expectedAverageOrderValue).toBeCloseTo(populationMean, 9);
    expect(result.gammaGamma.customers).toBe(repeaters.length - 2);
  });
});
