import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportIngest, IngestOptions } from '../ingest/duckdb-ingest.js';
import type { ExportSource } from '../ingest/export-source.js';
import { newestCompleteDate } from '../ingest/export-source.js';
import type { IngestReport, RejectedRow } from '../ingest/types.js';
import type { JobConfig } from '../platform/config.js';
import { type FaultRecorder, faultsSince, NO_FAULTS } from '../platform/fault-recorder.js';
import type { Logger } from '../platform/logger.js';
import type { ResultsStore } from '../publish/results-store.js';
import type { RunLock } from '../publish/run-lock.js';
import type { RunRecord } from '../publish/types.js';
import { NightlyJobError, NoOrdersError } from './errors.js';
import { fetchExportFiles } from './fetch-export.js';
import { locateExport } from './locate-export.js';
import { assertPublishable, gateRejects } from './reject-gate.js';
import { releaseRunLock, type SkippedRun, takeRunLock } from './run-gate.js';
import { makeRunId } from './run-id.js';
import { BUILT_IN_DIMENSIONS, emptyRunRecord, failedRecord, publishedRecord } from './run-record.js';
import { ingestAndModel, stageTimer, type Timed } from './stages.js';

export type { SkippedRun } from './run-gate.js';

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
  /** One run at a time (docs/operations.md); without it nothing stops two runs from overlapping. */
  readonly lock?: RunLock;
  /** Where the S3 and DynamoDB retries are counted; the run record reports those of its own run. */
  readonly faults?: FaultRecorder;
}

/** What a run may be asked: a specific export date and an as-of date (both default to the newest export). */
export interface NightlyJobRequest {
  readonly exportDate?: string;
  readonly asOf?: string;
}

export type NightlyJobOutcome = RunRecord | SkippedRun;

interface RunContext {
  readonly request: NightlyJobRequest;
  readonly exportDate: string;
  readonly asOf: string;
  readonly runId: string;
  readonly startedAt: Date;
  readonly durations: Record<string, number>;
  readonly timed: Timed;
}

/**
 * The nightly use case: locate → lock → fetch → ingest → model → publish. Publishes the run atomically
 * (all items under the run id, then the current-run pointer) or not at all; a failed run is recorded
 * with its stage. Skipped, writing nothing, while another run holds the lock or when a scheduled run
 * finds the current run's export unchanged (run-gate.ts).
 */
export async function runNightlyJob(
  config: JobConfig,
  deps: NightlyJobDeps,
  request: NightlyJobRequest = {},
): Promise<NightlyJobOutcome> {
  const startedAt = deps.clock();
  const durations: Record<string, number> = {};
  const timed = stageTimer(durations);
  const dates = await timed('locate', () => deps.source.listCompleteDates());
  // Throws NoCompleteExportError (ingest/export-source): nothing is recorded, there is no run yet.
  const exportDate = newestCompleteDate(dates, request.exportDate);
  const runId = makeRunId(exportDate, startedAt);
  const { lock } = deps;
  const taken = lock ? await takeRunLock(lock, { runId, exportDate, now: deps.clock() }, deps.log) : null;
  if (taken && 'skipped' in taken) return taken.skipped;
  const lease = taken?.lease ?? null;
  const asOf = request.asOf ?? exportDate;
  try {
    return await lockedRun(config, deps, { request, exportDate, asOf, runId, startedAt, durations, timed });
  } finally {
    if (lock && lease) await releaseRunLock(lock, lease, deps.log);
  }
}

/** The run proper, under the lock. */
async function lockedRun(
  config: JobConfig,
  deps: NightlyJobDeps,
  ctx: RunContext,
): Promise<NightlyJobOutcome> {
  const { settings } = config;
  const { request, exportDate, asOf, runId, startedAt, durations, timed } = ctx;
  let record = emptyRunRecord({ runId, exportDate, asOf, startedAt, settings });
  const faultsAtStart = deps.faults?.snapshot() ?? NO_FAULTS;
  const faultsSoFar = () => faultsSince(faultsAtStart, deps.faults?.snapshot() ?? NO_FAULTS);
  const scratch = join(deps.workDir, runId);
  // A warm Lambda keeps /tmp: an invocation that timed out left its downloads and spill files behind.
  await rm(deps.workDir, { recursive: true, force: true });

  try {
    const requested = request.exportDate !== undefined;
    const located = await locateExport(deps, { runId, exportDate, asOf, requested, settings }, timed);
    if ('skipped' in located) return located.skipped;
    const { listed } = located;
    deps.log.info('run started', { runId, exportDate, asOf });
    if (!listed.some((f) => f.dataset === 'orders')) {
      throw new NoOrdersError('locate', `Export ${exportDate} has no files under orders/`);
    }
    const files = await timed('fetch', () => fetchExportFiles(deps.source, listed, join(scratch, 'files')));
    const etags = new Map(listed.map((f) => [f.key, f.etag]));
    record = {
      ...record,
      inputs: files.map(({ dataset, name, bytes, sha256 }) => {
        const etag = etags.get(name);
        return { dataset, name, bytes, sha256, ...(etag ? { etag } : {}) };
      }),
    };

    // Rejects are written and the threshold checked as soon as the rows are loaded, before any summary.
    const checkRejects = async (report: IngestReport): Promise<void> => {
      const rejects = await gateRejects(report, { runId, settings, writeRejects: deps.writeRejects, timed });
      record = { ...record, counts: report.datasets, rejects };
      assertPublishable(report, rejects, settings.rejectThreshold);
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
      const { customers, segments, business } = metrics;
      const shards = await deps.store.writeCustomers(
        runId,
        exportDate,
        customers,
        dimensions,
        detailExpiresAt,
      );
      await deps.store.writeSegments(runId, exportDate, segments, business, shards, expiresAt);
    });
    const finishedAt = deps.clock();
    record = {
      ...publishedRecord(record, metrics, predictive, 'published'),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      stageDurationsMs: { ...durations },
      faults: faultsSoFar(),
    };
    const { removedRuns, cleanupError } = await timed('publish', () =>
      deps.store.publishRun(record, expiresAt),
    );
    deps.log.info('run published', {
      runId,
      customers: record.customers,
      rejects: record.rejects.total,
      removedRuns,
      retries: record.faults.retries,
      durations,
    });
    // The run is published either way; the next publish sweeps the leftovers again.
    if (cleanupError) deps.log.warn('older runs could not be removed', { runId, cleanupError });
    return record;
  } catch (error) {
    const stage = error instanceof NightlyJobError ? error.stage : 'unknown';
    const failed = {
      ...failedRecord(record, stage, error, deps.clock(), { ...durations }),
      faults: faultsSoFar(),
    };
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
