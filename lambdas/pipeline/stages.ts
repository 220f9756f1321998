/** The job's compute stages (ingest → summarise → predict → model) and the timer every stage runs under. */
import { join } from 'node:path';
import type { ExportIngest, IngestOptions } from '../ingest/duckdb-ingest.js';
import type { IngestReport, LocalExportFile } from '../ingest/types.js';
import { churnWindow } from '../model/churn.js';
import { runMetrics } from '../model/run-metrics.js';
import type { RunMetrics } from '../model/types.js';
import type { JobConfig } from '../platform/config.js';
import { messageOf } from '../platform/error-message.js';
import type { PredictiveReport } from '../publish/types.js';
import { NightlyJobError } from './errors.js';
import { predictStage } from './predict-stage.js';

/** Runs one stage's work, timed under the stage's name. */
export type Timed = <T>(stage: string, work: () => Promise<T>) => Promise<T>;

/** Times stages into `durations`; wraps a stage's unexpected error in a NightlyJobError naming the stage. */
export function stageTimer(durations: Record<string, number>): Timed {
  return async (stage, work) => {
    const t0 = performance.now();
    try {
      return await work();
    } catch (error) {
      if (error instanceof NightlyJobError) throw error;
      throw new NightlyJobError(stage, `${stage} failed: ${messageOf(error)}`, { cause: error });
    } finally {
      // A stage may be timed in several steps (locate: list dates, then files): they add up.
      durations[stage] = (durations[stage] ?? 0) + Math.round(performance.now() - t0);
    }
  };
}

/**
 * Stages 2–4: DuckDB ingest of the local files (`checkRejects` sees the report before anything is
 * summarised), the predictive models (which degrade, never fail, the run), then the pure model. Null
 * when no order was accepted.
 */
export async function ingestAndModel(
  config: JobConfig,
  deps: { readonly openIngest: (options: IngestOptions) => Promise<ExportIngest> },
  files: readonly LocalExportFile[],
  ctx: {
    exportDate: string;
    asOf: string;
    scratch: string;
    timed: Timed;
    checkRejects: (report: IngestReport) => Promise<void>;
  },
): Promise<{ metrics: RunMetrics; predictive: PredictiveReport } | null> {
  const { settings } = config;
  const ingest = await deps.openIngest({
    exportDate: ctx.exportDate,
    mapping: settings.mapping,
    currency: settings.currency,
    customerIds: settings.customerIds,
    segmentDimensions: settings.segmentDimensions,
    workDir: join(ctx.scratch, 'duckdb'),
    memoryLimitMb: settings.duckdbMemoryMb,
  });
  try {
    await ctx.checkRejects(await ctx.timed('ingest', () => ingest.load(files)));
    const range = await ingest.orderDateRange();
    if (!range) return null;
    const window = churnWindow(range.first, ctx.asOf, settings.churnWindowMonths);
    const { summaries, spend } = await ctx.timed('summarise', async () => ({
      summaries: await ingest.customerSummaries(window),
      spend: await ingest.spendByChannelMonth(),
    }));
    const { predictions, report } = await ctx.timed('predict', () =>
      predictStage(ingest, summaries, { first: range.first, asOf: ctx.asOf }, settings.predictive, () =>
        performance.now(),
      ),
    );
    const metrics = await ctx.timed('model', async () =>
      runMetrics(summaries, spend, window, settings, predictions),
    );
    return { metrics, predictive: report };
  } finally {
    await ingest.close();
  }
}
