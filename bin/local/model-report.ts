/** The predictive part of the summary `npm start` prints: fits (beside the sample's true parameters), backtest, warnings. */
import type { BacktestReport } from '../../lambdas/model/backtest.js';
import type { ModelOutcome } from '../../lambdas/model/predictive.js';
import type { RunRecord } from '../../lambdas/publish/types.js';
import type { TrueParameters } from '../../lambdas/sample/sample-model.js';

const num = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(2) : v.toPrecision(4));
const int = (v: number): string => Math.round(v).toLocaleString('en-US');

/** `name fitted` or, with a true value, `name true → fitted`. */
function params(fitted: Record<string, number>, truth: Record<string, number> | null): string {
  return Object.entries(fitted)
    .map(([name, v]) =>
      truth?.[name] === undefined ? `${name} ${num(v)}` : `${name} ${num(truth[name])} → ${num(v)}`,
    )
    .join('   ');
}

function fitLine(
  label: string,
  outcome: ModelOutcome<object>,
  truth: Record<string, number> | null,
  chosen: boolean,
): string {
  if (outcome.status === 'failed') return `  ${label.padEnd(12)}not fitted: ${outcome.reason}`;
  const fit = `LL ${outcome.logLikelihood.toFixed(1)}, ${outcome.iterations} iterations, ${outcome.converged ? 'converged' : 'NOT converged'}, ${int(outcome.fitMs)} ms`;
  return `  ${label.padEnd(12)}${params(outcome.params as Record<string, number>, truth)}   (${fit})${chosen ? '  ← chosen' : ''}`;
}

function backtestLine(label: string, b: BacktestReport | null): string {
  if (!b) return `  ${label.padEnd(12)}no backtest`;
  const corr = b.correlation === null ? '—' : b.correlation.toFixed(3);
  return `  ${label.padEnd(12)}predicted ${b.predictedPurchases.toFixed(1)}  actual ${int(b.actualPurchases)}  MAE ${b.meanAbsoluteError.toFixed(3)}  correlation ${corr}`;
}

/**
 * Lines describing the run's predictive stage. `truth` (the sample generator's parameters, in days) is
 * printed beside the fitted ones, so every user sees the fit recover what generated the data.
 */
export function formatModelSummary(record: RunRecord, truth: TrueParameters | null): string[] {
  const p = record.predictive;
  if (!p) return [];
  if (p.status === 'disabled')
    return ['', 'Predictive models: disabled (settings.predictive.enabled = false)'];
  if (p.status === 'failed') return ['', `Predictive models: NOT FITTED, run degraded: ${p.reason}`];
  const perDay = p.timeUnit === 'week' ? 7 : 1;
  const bgTruth = truth ? { ...truth.bgNbd, alpha: truth.bgNbd.alpha / perDay } : null;
  const lines = [
    '',
    `Predictive models: ${int(record.customers)} customers, ${int(p.uniqueHistories)} distinct histories, time unit ${p.timeUnit}, ${int(p.durationMs)} ms` +
      (truth ? ' (sample data: true → fitted)' : ''),
    fitLine('BG/NBD', p.models.bgNbd, bgTruth, p.model === 'bg-nbd'),
    fitLine('Pareto/NBD', p.models.paretoNbd, null, p.model === 'pareto-nbd'),
    `  ${'Gamma-Gamma'.padEnd(12)}${params(p.gammaGamma.params as unknown as Record<string, number>, truth ? { ...truth.gammaGamma } : null)}   ` +
      `(${int(p.gammaGamma.customers)} customers with repeat spend; spend–frequency correlation ${p.gammaGamma.spendFrequencyCorrelation?.toFixed(3) ?? '—'})`,
  ];
  if (truth) {
    const { p: shape, q, gamma } = truth.gammaGamma;
    const fitted = p.gammaGamma.params;
    lines.push(
      `  (sample: at ${int(record.customers)} customers a and b are the least precisely identified; the true p, q, γ ` +
        `describe order values before the sample's ${(truth.refundRate * 100).toFixed(0)}% refunds, which spread net ` +
        `spend, so compare the mean order value pγ/(q − 1): true ${((shape * gamma) / (q - 1)).toFixed(2)} before ` +
        `refunds → fitted ${((fitted.p * fitted.gamma) / (fitted.q - 1)).toFixed(2)})`,
    );
  }
  if (p.holdout) {
    lines.push(
      `Backtest: fitted up to ${p.holdout.calibrationEnd}, predicted the next ${p.holdout.days} days for ${int(p.holdout.customers)} customers`,
    );
    for (const [label, outcome] of [
      ['BG/NBD', p.models.bgNbd],
      ['Pareto/NBD', p.models.paretoNbd],
    ] as const) {
      lines.push(backtestLine(label, outcome.status === 'fitted' ? outcome.backtest : null));
    }
    const chosen = p.model === 'bg-nbd' ? p.models.bgNbd : p.models.paretoNbd;
    const buckets = chosen.status === 'fitted' ? (chosen.backtest?.byFrequency ?? []) : [];
    if (buckets.length > 0) {
      lines.push(
        `  mean holdout purchases by calibration frequency, actual / predicted: ${buckets
          .map((b) => `${b.frequency}: ${b.meanActual.toFixed(2)}/${b.meanPredicted.toFixed(2)}`)
          .join(', ')}`,
      );
    }
  } else {
    lines.push('Backtest: history too short to hold any days out');
  }
  const b = record.business;
  if (b?.meanPredictedClv != null) {
    lines.push(
      `Predicted ${p.horizonMonths}-month CLV (margin, ${(p.annualDiscountRate * 100).toFixed(0)}%/yr discount): mean ` +
        `${b.meanPredictedClv.toFixed(2)}, total ${int(b.totalPredictedClv ?? 0)}; at risk (P(alive) < ${p.atRiskBelow}) ` +
        `${((b.atRiskShare ?? 0) * 100).toFixed(1)}%`,
    );
  }
  for (const warning of p.warnings) lines.push(`Warning: ${warning}`);
  return lines;
}
