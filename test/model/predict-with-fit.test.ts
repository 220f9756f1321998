import { describe, expect, it } from 'vitest';
import { ModelFitError } from '../../lambdas/model/btyd-types.js';
import { customerHistories } from '../../lambdas/model/histories.js';
import {
  type CustomerHistories,
  fitPredictive,
  type PredictiveFit,
  type PredictiveSettings,
  predictCustomers,
  predictWithFit,
} from '../../lambdas/model/predictive.js';
import { differences } from './identical.js';
import { RUN_WINDOW, randomRun, randomShards } from './random-run.js';
import { sfc32 } from './simulation-random.js';

const histories = customerHistories(randomRun(3000, 99).summaries, RUN_WINDOW.asOf);
const n = histories.x.length;

/** A backtest cut 60 days before as-of: calibration histories and the purchases after the cut. */
const calibration = {
  x: Float64Array.from(histories.x, (x, i) => (x > 0 && (histories.tx[i] as number) > 60 ? x - 1 : 0)),
  tx: Float64Array.from(histories.tx, (tx, i) => ((histories.x[i] as number) > 1 ? Math.max(0, tx - 60) : 0)),
  T: Float64Array.from(histories.T, (T) => Math.max(1, T - 60)),
  holdoutPurchases: Float64Array.from(histories.x, (x, i) =>
    x > 0 && (histories.tx[i] as number) > 60 ? 1 : 0,
  ),
  holdoutDays: 60,
};

/** The rows of `positions`, in that order. */
function subset(h: CustomerHistories, positions: readonly number[]): CustomerHistories {
  const take = (v: ArrayLike<number>) => Float64Array.from(positions, (i) => v[i] as number);
  return { x: take(h.x), tx: take(h.tx), T: take(h.T), monetary: take(h.monetary) };
}

const AUTO: PredictiveSettings = {
  model: 'auto',
  timeUnit: 'week',
  horizonMonths: 12,
  annualDiscountRate: 0.1,
  atRiskBelow: 0.5,
};

/** Both purchase models, both units; the backtest (slow) once. */
const CASES = [
  { settings: AUTO, cut: calibration },
  {
    settings: { ...AUTO, model: 'bg-nbd', timeUnit: 'day', horizonMonths: 6, annualDiscountRate: 0.08 },
    cut: null,
  },
  { settings: { ...AUTO, model: 'pareto-nbd' }, cut: null },
] as const satisfies readonly { settings: PredictiveSettings; cut: typeof calibration | null }[];

describe.each(CASES)(
  'fitPredictive and predictWithFit ($settings.model, $settings.timeUnit)',
  ({ settings, cut }) => {
    const fit = fitPredictive(histories, cut, settings);
    const whole = predictCustomers(histories, cut, settings);

    it('report what predictCustomers reports, plus the parameters predicting needs, as plain JSON', () => {
      // Act
      const { customers, ...report } = whole;
      const { purchaseParams, spendParams, ...fitReport } = JSON.parse(JSON.stringify(fit)) as PredictiveFit;
      // Assess
      expect(differences(fitReport, report)).toEqual([]);
      const chosen = whole.model === 'bg-nbd' ? whole.models.bgNbd : whole.models.paretoNbd;
      expect(chosen.status === 'fitted' && chosen.params).toEqual(purchaseParams);
      expect(spendParams).toEqual(whole.gammaGamma.params);
      expect(customers).toHaveLength(n);
      if (settings.model !== 'auto') expect(fit.model).toBe(settings.model);
    });

    it.each([2, 3, 8])('predict each of %i shards exactly as the whole run', (k) => {
      // Prepare: the fit as a shard receives it (JSON), and random shards in customer order.
      const received = JSON.parse(JSON.stringify(fit)) as PredictiveFit;
      const shards = randomShards(n, k, sfc32(k));
      for (const positions of shards) {
        // Act
        const predicted = predictWithFit(received, subset(histories, positions), settings);
        // Assess: bit for bit.
        const expected = positions.map((i) => whole.customers[i]);
        expect(differences(predicted, expected)).toEqual([]);
      }
    });
  },
);

describe('predictWithFit', () => {
  it('refuses a non-finite prediction, naming its position in the call', () => {
    // Prepare: a repeat buyer whose mean repeat spend is infinite.
    const settings = { ...AUTO, model: 'bg-nbd' } as const;
    const fit = fitPredictive(histories, null, settings);
    const repeater = Array.from(histories.x).findIndex((x) => x > 0);
    const positions = [0, 1, repeater].filter((v, i, all) => all.indexOf(v) === i);
    const shard = subset(histories, positions);
    const monetary = Float64Array.from(shard.monetary);
    monetary[positions.indexOf(repeater)] = Number.POSITIVE_INFINITY;
    // Act / Assess
    expect(() => predictWithFit(fit, { ...shard, monetary }, settings)).toThrow(ModelFitError);
    expect(() => predictWithFit(fit, { ...shard, monetary }, settings)).toThrow(
      `customer ${positions.indexOf(repeater)} (input order) has a non-finite prediction`,
    );
  });
});
