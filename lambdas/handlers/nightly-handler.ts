import { z } from 'zod';
import { type NightlyJobDeps, runNightlyJob, type SkippedRun } from '../pipeline/nightly-job.js';
import type { JobConfig } from '../platform/config.js';
import { ConfigError, describeIssues } from '../platform/config.js';
import { DEFAULT_LEASE_MS } from '../publish/run-lock.js';
import type { RunRecord } from '../publish/types.js';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD');

/** The event: empty from the schedule; `{ "exportDate": "2026-11-24", "asOf": "..." }` for a manual rerun. */
export const nightlyEventSchema = z
  .object({ exportDate: isoDate.optional(), asOf: isoDate.optional() })
  .passthrough();

/**
 * What the invocation returns (also visible in the Scheduler's and the console's history). A skipped
 * invocation returns normally: throwing would make Lambda retry it and raise the job-errors alarm.
 */
export type NightlyResult =
  | {
      readonly runId: string;
      readonly status: RunRecord['status'];
      readonly exportDate: string;
      readonly customers: number;
      readonly rejectedRows: number;
    }
  | SkippedRun;

/** The Lambda handler over injected configuration and dependencies. */
export function makeNightlyHandler(
  config: JobConfig,
  deps: NightlyJobDeps,
): (event: unknown) => Promise<NightlyResult> {
  return async (event) => {
    const parsed = nightlyEventSchema.safeParse(event ?? {});
    if (!parsed.success) throw new ConfigError(`Invalid event:\n${describeIssues(parsed.error)}`);
    const outcome = await runNightlyJob(config, deps, parsed.data);
    if (outcome.status === 'skipped') return outcome;
    return {
      runId: outcome.runId,
      status: outcome.status,
      exportDate: outcome.exportDate,
      customers: outcome.customers,
      rejectedRows: outcome.rejects.total,
    };
  };
}

/** `RUN_LOCK_LEASE_SECONDS` (set by the stack from the function timeout) as milliseconds; throws ConfigError. */
export function runLockLeaseMs(env: Record<string, string | undefined>): number {
  const raw = env.RUN_LOCK_LEASE_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_LEASE_MS;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 60 || seconds > 86_400) {
    throw new ConfigError(
      `RUN_LOCK_LEASE_SECONDS must be a whole number of seconds from 60 to 86400, got "${raw}"`,
    );
  }
  return seconds * 1000;
}
