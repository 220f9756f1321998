/**
 * Whether a run should go ahead, decided before anything is fetched or written: one run at a time (the
 * run lock), a run never replaces a newer current run, and a scheduled run does not redo the export that
 * is already current with the same files and settings (tonight's export is still uploading, or the
 * schedule fired twice). Skipping writes nothing and is not an error: a thrown error would make Lambda
 * retry the invocation twice and raise the job-errors alarm.
 */
import type { ExportSource } from '../ingest/export-source.js';
import { addDays } from '../model/dates.js';
import { messageOf } from '../platform/error-message.js';
import type { Logger } from '../platform/logger.js';
import type { CurrentRun } from '../publish/results-store.js';
import { RunInProgressError, type RunLease, type RunLock } from '../publish/run-lock.js';
import type { RunRecord } from '../publish/types.js';
import { NightlyJobError } from './errors.js';
import type { ListedExportFile } from './fetch-export.js';

/** An invocation that did nothing on purpose and wrote nothing: another run is busy, or nothing is new. */
export interface SkippedRun {
  readonly status: 'skipped';
  readonly reason: 'run-in-progress' | 'already-published';
  readonly exportDate: string;
  /** The run that made this invocation unnecessary: the lock's holder, or the current run. */
  readonly runId: string;
  readonly message: string;
}

/** Takes the run lock for `runId`; while another run's lease is live, this invocation is skipped. */
export async function takeRunLock(
  lock: RunLock,
  run: { runId: string; exportDate: string; now: Date },
  log: Logger,
): Promise<{ lease: RunLease } | { skipped: SkippedRun }> {
  let lease: RunLease;
  try {
    lease = await lock.acquire(run.runId, run.now);
  } catch (error) {
    if (!(error instanceof RunInProgressError)) {
      throw new NightlyJobError('lock', `Cannot take the run lock: ${messageOf(error)}`, { cause: error });
    }
    log.warn('another run is in progress; this invocation does nothing', { ...run, holder: error.holder });
    const skipped: SkippedRun = {
      status: 'skipped',
      reason: 'run-in-progress',
      exportDate: run.exportDate,
      runId: error.holder.owner,
      message: error.message,
    };
    return { skipped };
  }
  if (lease.tookOverFrom) {
    log.warn('took over the run lock of a run whose lease had expired (killed or timed out)', {
      runId: run.runId,
      previous: lease.tookOverFrom,
    });
  }
  return { lease };
}

/** Gives the lock back; a failure only delays the next run until the lease ends, so it is logged, not thrown. */
export async function releaseRunLock(lock: RunLock, lease: RunLease, log: Logger): Promise<void> {
  const fields = { owner: lease.owner, leaseExpiresAt: lease.leaseExpiresAt };
  try {
    if (!(await lock.release(lease))) {
      log.warn(
        'the run lock expired and was taken over before this run ended: the lease is too short',
        fields,
      );
    }
  } catch (error) {
    log.error('could not release the run lock; the next run takes it over when the lease ends', {
      ...fields,
      error,
    });
  }
}

/** Why a run may not process `exportDate`, or null when it may: the current run's export is newer. */
export function newerCurrentRun(
  exportDate: string,
  requested: boolean,
  current: CurrentRun | null,
): string | null {
  if (!current || current.exportDate <= exportDate) return null;
  const currentRun = `the current run ${current.runId} (export ${current.exportDate})`;
  return requested
    ? `Export ${exportDate} is older than ${currentRun}: a rerun of an old date cannot replace a newer ` +
        'run. Nothing was fetched or published.'
    : `The newest complete export ${exportDate} is older than ${currentRun}: was the ${current.exportDate} ` +
        'export or its _SUCCESS marker removed? Nothing was fetched or published.';
}

/**
 * What differs between the files listed now and the ones a run read (its `inputs`): added, removed,
 * resized or rewritten keys (a rewrite of the same size shows in the S3 entity tag, which runs recorded
 * before inputs carried it lack). An explicit rerun (`exportDate` in the request) always runs.
 */
export function inputChanges(listed: readonly ListedExportFile[], inputs: RunRecord['inputs']): string[] {
  const before = new Map(inputs.map((i) => [i.name, i]));
  const changes: string[] = [];
  for (const { key, bytes, etag } of listed) {
    const old = before.get(key);
    if (old === undefined) changes.push(`added ${key} (${bytes} bytes)`);
    else if (old.bytes !== bytes) changes.push(`resized ${key} (${old.bytes} → ${bytes} bytes)`);
    // A rewrite of the same size: S3 gives the new object a new entity tag.
    else if (old.etag !== undefined && etag !== undefined && old.etag !== etag)
      changes.push(`rewrote ${key}`);
  }
  const now = new Set(listed.map((f) => f.key));
  for (const key of before.keys()) if (!now.has(key)) changes.push(`removed ${key}`);
  return changes.sort();
}

/** What makes a scheduled run a repeat of `published`: same files (keys, sizes), as-of date and settings. */
export function repeatOf(
  published: RunRecord,
  next: { listed: readonly ListedExportFile[]; asOf: string; settings: unknown },
): { repeat: true } | { repeat: false; changes: string[] } {
  const changes = inputChanges(next.listed, published.inputs);
  if (published.asOf !== next.asOf) changes.push(`as-of date ${published.asOf} → ${next.asOf}`);
  if (canonicalJson(published.settings) !== canonicalJson(next.settings))
    changes.push('job settings changed');
  return changes.length === 0 ? { repeat: true } : { repeat: false, changes };
}

/** A newer export folder that has files but no `_SUCCESS` marker yet. */
export interface PendingExport {
  readonly date: string;
  readonly files: number;
  readonly bytes: number;
}

/**
 * Export folders dated after `after`, up to the day after `today` (an export may be dated in a zone
 * ahead of UTC), that hold data files but are not complete: at most `maxDays` listings, newest first.
 */
export async function pendingExports(
  source: ExportSource,
  after: string,
  today: string,
  maxDays = 3,
): Promise<PendingExport[]> {
  const dates: string[] = [];
  for (let d = addDays(today, 1); d > after && dates.length < maxDays; d = addDays(d, -1)) dates.push(d);
  const pending: PendingExport[] = [];
  for (const date of dates) {
    const files = await source.listFiles(date);
    if (files.length > 0) {
      pending.push({ date, files: files.length, bytes: files.reduce((sum, f) => sum + f.bytes, 0) });
    }
  }
  return pending;
}

/**
 * A scheduled run whose export is the current run's (`published`), with the same files, as-of date and
 * settings, has nothing new to compute: it is skipped, naming any newer export still without its marker.
 * Changed files (a second export for the same date) mean a rerun that replaces the current run.
 */
export async function skipIfUnchanged(
  published: RunRecord,
  next: {
    runId: string;
    listed: readonly ListedExportFile[];
    asOf: string;
    settings: unknown;
    today: string;
  },
  deps: { source: ExportSource; log: Logger },
): Promise<SkippedRun | null> {
  const verdict = repeatOf(published, next);
  const { exportDate, runId: currentRunId } = published;
  if (!verdict.repeat) {
    deps.log.info("the current run's export changed since it was published; it is rerun and replaced", {
      runId: next.runId,
      replaces: currentRunId,
      changes: verdict.changes.slice(0, 20),
    });
    return null;
  }
  let pending: PendingExport[] | null = null;
  try {
    pending = await pendingExports(deps.source, exportDate, next.today);
  } catch (error) {
    deps.log.warn('could not look for newer exports without a _SUCCESS marker', { error });
  }
  const message = waitingMessage(exportDate, currentRunId, pending);
  // A warning: one such night is normal (a late export), several in a row mean the exports stopped.
  deps.log.warn(message, { exportDate, currentRunId, pending });
  return { status: 'skipped', reason: 'already-published', exportDate, runId: currentRunId, message };
}

/** The message of a scheduled run that found nothing new to do. */
export function waitingMessage(
  exportDate: string,
  runId: string,
  pending: readonly PendingExport[] | null,
): string {
  const base = `export ${exportDate} already published as ${runId}; waiting for a newer export with _SUCCESS`;
  if (pending === null) return base;
  if (pending.length === 0) return `${base} (no newer export folder has data files yet)`;
  const described = pending.map((p) => `${p.date} has ${p.files} data file(s), ${p.bytes} bytes`);
  return `${base} (no _SUCCESS marker yet: ${described.join('; ')})`;
}

/** JSON with object keys sorted: a record read back from DynamoDB need not keep its key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
