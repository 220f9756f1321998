import type { JobConfig } from '../../platform/config.js';
import { releaseRunLock } from '../run-gate.js';
import { emptyRunRecord, failedRecord } from '../run-record.js';
import type { ShardedJobDeps } from './deps.js';
import type { GateRecord } from './gate-stage.js';
import type { ShardedRun } from './run-state.js';
import { workKeys } from './work-keys.js';

async function endRun(deps: ShardedJobDeps, run: ShardedRun): Promise<void> {
  try {
    const removed = await deps.work.removePrefix(run.workPrefix);
    deps.log.info('work prefix removed', { runId: run.runId, objects: removed });
  } catch (error) {
    // The bucket's lifecycle rule expires run artefacts; a leftover work prefix costs storage, not results.
    deps.log.warn('could not remove the work prefix', { runId: run.runId, error });
  }
  if (deps.lock && run.lease) await releaseRunLock(deps.lock, run.lease, deps.log);
}

/** Last stage of a run that published: remove the work prefix and give the lock back. */
export async function finishRun(_config: JobConfig, deps: ShardedJobDeps, run: ShardedRun): Promise<void> {
  await endRun(deps, run);
}

/** The stage a failure came from: stage errors say `<stage> failed: …` or carry NightlyJobError's stage. */
export function failedStage(failure: { readonly error: string; readonly cause: string }): {
  stage: string;
  message: string;
} {
  let message = failure.cause;
  try {
    const parsed = JSON.parse(failure.cause) as { errorMessage?: unknown; stage?: unknown };
    if (typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // Not Lambda's JSON error: Step Functions' own (States.Timeout…) cause text.
  }
  const match = /^([a-z]+) failed: /.exec(message);
  return { stage: match?.[1] ?? failure.error, message: message || failure.error };
}

/**
 * Any stage failed (the state machine's catch passes Step Functions' `Error` and `Cause`): record the
 * run as failed with the failing stage, remove the work prefix, give the lock back. The previous run
 * stays current: only the publish stage moves the pointer, and it is the last thing that stage does.
 */
export async function failRun(
  config: JobConfig,
  deps: ShardedJobDeps,
  run: ShardedRun,
  failure: { readonly error: string; readonly cause: string },
): Promise<void> {
  const { stage, message } = failedStage(failure);
  let record = emptyRunRecord({ ...run, startedAt: new Date(run.startedAt), settings: config.settings });
  try {
    const gate = await deps.work.getJson<GateRecord>(workKeys(run).gate);
    record = { ...record, counts: gate.counts, rejects: gate.rejects, inputs: gate.inputs };
  } catch {
    // The run failed before the gate: no counts yet.
  }
  deps.log.error('run failed', { runId: run.runId, stage, error: failure.error });
  try {
    await deps.store.writeRunRecord(failedRecord(record, stage, new Error(message), deps.clock(), {}));
  } catch (error) {
    deps.log.error('could not record the failed run', { runId: run.runId, error });
  }
  await endRun(deps, run);
}
