import { newestCompleteDate } from '../../ingest/export-source.js';
import type { JobConfig } from '../../platform/config.js';
import { NightlyJobError, NoOrdersError } from '../errors.js';
import { locateExport } from '../locate-export.js';
import { releaseRunLock, type SkippedRun, takeRunLock } from '../run-gate.js';
import { makeRunId } from '../run-id.js';
import { emptyRunRecord, failedRecord } from '../run-record.js';
import type { ShardedJobDeps } from './deps.js';
import type { FileItem, ShardedRun, ShardItem } from './run-state.js';
import { runLayout } from './sizing.js';
import { workKeys } from './work-keys.js';

export type PlanOutcome = { readonly status: 'run'; readonly run: ShardedRun } | SkippedRun;

export interface PlanRequest {
  readonly exportDate?: string;
  readonly asOf?: string;
  /** Overrides the shard count for this run (`npm start -- --shards 8`, an execution input). */
  readonly shards?: number;
}

/**
 * Stage 1: locate the export, take the lock, list its files, size the run and write the Map manifests.
 * The same gates as the single-pass job (run-gate.ts): one run at a time, never replacing a newer run,
 * nothing to do when the current run's export is unchanged. A refusal after the lock is taken is recorded
 * as a failed run and gives the lock back.
 */
export async function plan(
  config: JobConfig,
  deps: ShardedJobDeps,
  request: PlanRequest,
): Promise<PlanOutcome> {
  const { settings } = config;
  const startedAt = deps.clock();
  const exportDate = newestCompleteDate(await deps.source.listCompleteDates(), request.exportDate);
  const runId = makeRunId(exportDate, startedAt);
  const taken = deps.lock
    ? await takeRunLock(deps.lock, { runId, exportDate, now: deps.clock() }, deps.log)
    : null;
  if (taken && 'skipped' in taken) return taken.skipped;
  const lease = taken?.lease ?? null;
  const asOf = request.asOf ?? exportDate;
  const release = async (): Promise<void> => {
    if (deps.lock && lease) await releaseRunLock(deps.lock, lease, deps.log);
  };
  try {
    const requested = request.exportDate !== undefined;
    const located = await locateExport(deps, { runId, exportDate, asOf, requested, settings });
    if ('skipped' in located) {
      await release();
      return located.skipped;
    }
    const { listed } = located;
    if (!listed.some((f) => f.dataset === 'orders')) {
      throw new NoOrdersError('locate', `Export ${exportDate} has no files under orders/`);
    }
    const files: FileItem[] = listed.map((f, i) => ({
      fileIdx: i + 1,
      dataset: f.dataset,
      key: f.key,
      bytes: f.bytes,
      ...(f.etag ? { etag: f.etag } : {}),
    }));
    const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
    const layout = runLayout(bytes, files.length, settings.sharding, request.shards);
    const workPrefix = `${settings.runsPrefix}${runId}/work/`;
    const keys = workKeys({ workPrefix });
    const run: ShardedRun = {
      runId,
      exportDate,
      asOf,
      startedAt: startedAt.toISOString(),
      workPrefix,
      layout,
      manifests: { files: keys.files, shards: keys.shards, scoreParts: keys.scoreParts },
      lease,
    };
    const shards: ShardItem[] = Array.from({ length: layout.shards }, (_, shard) => ({ shard }));
    await deps.work.putJson(keys.files, files);
    await deps.work.putJson(keys.shards, shards);
    deps.log.info('run started', {
      runId,
      exportDate,
      asOf,
      shards: layout.shards,
      files: files.length,
      bytes,
    });
    return { status: 'run', run };
  } catch (error) {
    const stage = error instanceof NightlyJobError ? error.stage : 'locate';
    const record = emptyRunRecord({ runId, exportDate, asOf, startedAt, settings });
    deps.log.error('run failed', { runId, stage, error });
    try {
      await deps.store.writeRunRecord(failedRecord(record, stage, error, deps.clock(), {}));
    } catch (recordError) {
      deps.log.error('could not record the failed run', { runId, error: recordError });
    }
    await release();
    throw error;
  }
}
