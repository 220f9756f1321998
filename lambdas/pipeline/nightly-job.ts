import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportIngest, IngestOptions } from '../ingest/duckdb-ingest.js';
import type { ExportSource } from '../ingest/export-source.js';
import { newestCompleteDate } from '../ingest/export-source.js';
import type { IngestReport, LocalExportFile, RejectedRow } from '../ingest/types.js';
import { churnWindow } from '../model/churn.js';
import { runMetrics } from '../model/run-metrics.js';
import type { RunMetrics } from '../model/types.js';
import type { JobConfig } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import type { ResultsStore } from '../publish/results-store.js';
import type { PredictiveReport, RunRecord } from '../publish/types.js';
import { NightlyJobError, NoOrdersError, RejectThresholdError } from './errors.js';
import { fetchExportFiles } from './fetch-export.js';
import { predictStage } from './predict-stage.js';
import { makeRunId } from './run-id.js';
import {
  BUILT_IN_DIMENSIONS,
  emptyRunRecord,
  failedRecord,
  publishedRecord,
  rejectSummary,
} from './run-record.js';

/** Everything the job talks to, injected: AWS in Lambda, local servers in `npm start` and tests. */
export interface NightlyJobDeps {
  readonly source: ExportSource;
  readonly openIngest: (options: IngestOptions) => Promise<ExportIngest>;
  readonly store: ResultsStore;
  readonly writeRejects: (key: string, rejects: readonly RejectedRow[]) => Promise<void>;
  /** Scratch directory for downloads and DuckDB spill files (Lambda: under /tmp). */
  readonly workDir: string;
  readonly clock: () => Date;
  readonly log: Logger;
}

/** What a run may be asked: a specific export date and an as-of date (both default to the newest export). */
export interface NightlyJobRequest {
  readonly exportDate?: string;
  readonly asOf?: string;
}

type Timed = <T>(stage: string, work: () => Promise<T>) => Promise<T>;

/**
 * The nightly use case: locate → fetch → ingest → model → publish. Publishes the run atomically (all items
 * under the run id, then the current-run pointer) or not at all; a failed run is recorded with its stage.
 */
export async function runNightlyJob(
  config: JobConfig,
  deps: NightlyJobDeps,
  request: NightlyJobRequest = {},
): Promise<RunRecord> {
  const { settings } = config;
  const startedAt = deps.clock();
  const durations: Record<string, number> = {};
  const timed = async <T>(stage: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work();
    } catch (error) {
      if (error instanceof NightlyJobError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new NightlyJobError(stage, `${stage} failed: ${message}`, { cause: error });
    } finally {
      // A stage may be timed in several steps (locate: list dates, then files): they add up.
      durations[stage] = (durations[stage] ?? 0) + Math.round(performance.now() - t0);
    }
  };

  const dates = await timed('locate', () => deps.source.listCompleteDates());
  // Throws NoCompleteExportError (ingest/export-source): nothing is recorded, there is no run yet.
  const exportDate = newestCompleteDate(dates, request.exportDate);
  const asOf = request.asOf ?? exportDate;
  const runId = makeRunId(exportDate, startedAt);
  let record = emptyRunRecord({ runId, exportDate, asOf, startedAt, settings });
  deps.log.info('run started', { runId, exportDate, asOf });
  const scratch = join(deps.workDir, runId);
  // A warm Lambda keeps /tmp: an invocation that timed out left its downloads and spill files behind.
  await rm(deps.workDir, { recursive: true, force: true });

  try {
    const listed = await timed('locate', () => deps.source.listFiles(exportDate));
    if (!listed.some((f) => f.dataset === 'orders')) {
      throw new NoOrdersError('locate', `Export ${exportDate} has no files under orders/`);
    }
    const files = await timed('fetch', () => fetchExportFiles(deps.source, listed, join(scratch, 'files')));
    record = {
      ...record,
      inputs: files.map(({ dataset, name, bytes, sha256 }) => ({ dataset, name, bytes, sha256 })),
    };

    // Rejects are written and the threshold checked as soon as the rows are loaded, before any summary.
    const checkRejects = async (report: IngestReport): Promise<void> => {
      const rejectsKey = report.rejects.length > 0 ? `${settings.runsPrefix}${runId}/rejects.csv` : null;
      if (rejectsKey) await timed('rejects', () => deps.writeRejects(rejectsKey, report.rejects));
      const rejects = rejectSummary(report, settings.rejectThreshold, rejectsKey);
      record = { ...record, counts: report.datasets, rejects };
      if (rejects.share > settings.rejectThreshold) {
        throw new RejectThresholdError(
          'validate',
          `${rejects.total} of the export's rows were rejected (${(rejects.share * 100).toFixed(2)}%), above the ` +
            `threshold of ${(settings.rejectThreshold * 100).toFixed(2)}%; nothing was published. See ${rejectsKey}.`,
        );
      }
    };
    const modelled = await ingestAndModel(config, deps, files, {
      exportDate,
      asOf,
      scratch,
      timed,
      checkRejects,
    });
    if (modelled === null || modelled.metrics.customers.length === 0) {
      throw new NoOrdersError('validate', `Export ${exportDate} has no valid orders on or before ${asOf}`);
    }
    const { metrics, predictive } = modelled;
    if (predictive.status === 'failed') {
      deps.log.warn('predictive models not fitted; publishing historic metrics only', {
        runId,
        reason: predictive.reason,
      });
    }

    record = publishedRecord(record, metrics, predictive, 'publishing');
    const startSeconds = Math.floor(startedAt.getTime() / 1000);
    const expiresAt = startSeconds + settings.retentionDays * 86_400;
    // Per-customer items are most of the storage and expire sooner (docs/storage.md).
    const detailExpiresAt = startSeconds + settings.detailRetentionDays * 86_400;
    const dimensions = [...BUILT_IN_DIMENSIONS, ...settings.segmentDimensions];
    await timed('publish', async () => {
      await deps.store.writeRunRecord(record, expiresAt);
      const shards = await deps.store.writeCustomers(
        runId,
        exportDate,
        metrics.customers,
        dimensions,
        detailExpiresAt,
      );
      await deps.store.writeSegments(
        runId,
        exportDate,
        metrics.segments,
        metrics.business,
        shards,
        expiresAt,
      );
    });
    const finishedAt = deps.clock();
    record = {
      ...publishedRecord(record, metrics, predictive, 'published'),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      stageDurationsMs: { ...durations },
    };
    await timed('publish', () => deps.store.publishRun(record, expiresAt));
    deps.log.info('run published', {
      runId,
      customers: record.customers,
      rejects: record.rejects.total,
      durations,
    });
    return record;
  } catch (error) {
    const stage = error instanceof NightlyJobError ? error.stage : 'unknown';
    const finishedAt = deps.clock();
    const failed = failedRecord(record, stage, error, finishedAt, { ...durations });
    deps.log.error('run failed', { runId, stage, error });
    try {
      await deps.store.writeRunRecord(failed);
    } catch (recordError) {
      deps.log.error('could not record the failed run', { runId, error: recordError });
    }
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Stages 2–4: DuckDB ingest of the local files (`checkRejects` sees the report before anything is
 * summarised), the predictive models (which degrade, never fail, the run), then the pure model. Null
 * when no order was accepted.
 */
async function ingestAndModel(
  config: JobConfig,
  deps: NightlyJobDeps,
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
