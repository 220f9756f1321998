import { z } from 'zod';
import { type NightlyJobDeps, runNightlyJob } from '../pipeline/nightly-job.js';
import type { JobConfig } from '../platform/config.js';
import { ConfigError, describeIssues } from '../platform/config.js';
import type { RunRecord } from '../publish/types.js';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD');

/** The event: empty from the schedule; `{ "exportDate": "2026-11-24", "asOf": "..." }` for a manual rerun. */
export const nightlyEventSchema = z
  .object({ exportDate: isoDate.optional(), asOf: isoDate.optional() })
  .passthrough();

/** What the invocation returns (also visible in the Scheduler's and the console's history). */
export interface NightlyResult {
  readonly runId: string;
  readonly status: RunRecord['status'];
  readonly exportDate: string;
  readonly customers: number;
  readonly rejectedRows: number;
}

/** The Lambda handler over injected configuration and dependencies. */
export function makeNightlyHandler(
  config: JobConfig,
  deps: NightlyJobDeps,
): (event: unknown) => Promise<NightlyResult> {
  return async (event) => {
    const parsed = nightlyEventSchema.safeParse(event ?? {});
    if (!parsed.success) throw new ConfigError(`Invalid event:\n${describeIssues(parsed.error)}`);
    const record = await runNightlyJob(config, deps, parsed.data);
    return {
      runId: record.runId,
      status: record.status,
      exportDate: record.exportDate,
      customers: record.customers,
      rejectedRows: record.rejects.total,
    };
  };
}
