/**
 * The sharded nightly job's Lambda handlers, one per state of the state machine
 * (lib/constructs/nightly-state-machine.ts), over injected configuration, dependencies and stages. Each
 * checks its event against what the state machine sends and calls one stage function; the stages read and
 * write everything large under the run's work prefix, so events and results stay small.
 */
import { z } from 'zod';
import { DATASETS } from '../ingest/types.js';
import {
  failRun,
  finishRun,
  fitRun,
  gateRun,
  type OrderDateRange,
  type PlanOutcome,
  partitionFile,
  plan,
  publishShardedRun,
  type ShardedJobDeps,
  type ShardedRun,
  scorePart,
  summariseShard,
  validateShard,
} from '../pipeline/sharded/index.js';
import type { JobConfig } from '../platform/config.js';
import { describeIssues } from '../platform/config.js';
import type { RunRecord } from '../publish/types.js';

/** The event does not have the shape the state machine sends: a bug or a hand-started execution. */
export class StageEventError extends Error {
  override readonly name = 'StageEventError';
}

/** The stage functions the handlers call; tests pass fakes. */
export const SHARDED_STAGES = {
  plan,
  partitionFile,
  validateShard,
  gateRun,
  summariseShard,
  fitRun,
  scorePart,
  publishShardedRun,
  finishRun,
  failRun,
};
export type ShardedStages = typeof SHARDED_STAGES;

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((d) => {
    const time = Date.parse(`${d}T00:00:00Z`);
    // Date.parse rolls 2026-02-31 over to March; the round trip catches it.
    return Number.isFinite(time) && new Date(time).toISOString().startsWith(d);
  }, 'not a calendar date');
const text = z.string().min(1);
const positive = z.number().int().min(1);

const holderSchema = z.object({ owner: text, acquiredAt: text, leaseExpiresAt: text });
// `loose`: fields a later stage version adds pass through to the stage untouched.
const runSchema: z.ZodType<ShardedRun> = z
  .object({
    runId: text,
    exportDate: isoDate,
    asOf: isoDate,
    startedAt: text,
    workPrefix: text.regex(/\/$/, 'must end with "/"'),
    layout: z
      .object({
        shards: positive,
        fileConcurrency: positive,
        shardConcurrency: positive,
        scoreConcurrency: positive,
      })
      .loose(),
    manifests: z.object({ files: text, shards: text, scoreParts: text }).loose(),
    lease: holderSchema.extend({ token: text, tookOverFrom: holderSchema.nullable() }).loose().nullable(),
  })
  .loose();
const fileItemSchema = z
  .object({
    fileIdx: positive,
    dataset: z.enum(DATASETS),
    key: text,
    bytes: z.number().int().min(0),
    etag: z.string().optional(),
  })
  .loose();
const shardItemSchema = z.object({ shard: z.number().int().min(0) }).loose();
const scorePartSchema = z
  .object({
    shard: z.number().int().min(0),
    part: z.number().int().min(0),
    first: z.number().int().min(0),
    count: z.number().int().min(0),
  })
  .loose();
const rangeSchema: z.ZodType<OrderDateRange> = z.object({ first: isoDate, last: isoDate }).loose();

/** What the schedule (`{}`) or an operator (`{"exportDate": "2026-11-24"}`) starts an execution with. */
export const planEventSchema = z
  .object({
    exportDate: isoDate.optional(),
    asOf: isoDate.optional(),
    /** Overrides the shard count derived from the export's size. */
    shards: z.number().int().min(1).max(1000).optional(),
  })
  // Strict: a mistyped key in a hand-started execution would otherwise run the newest date instead.
  .strict();
const runEvent = z.object({ run: runSchema }).strict();
const fileEvent = z.object({ run: runSchema, item: fileItemSchema }).strict();
/** Shards are numbered 0 to S − 1 (the plan's shard manifest). */
const shardInRun = {
  check: (e: { run: ShardedRun; item: { shard: number } }) => e.item.shard < e.run.layout.shards,
  params: { path: ['item', 'shard'], message: 'must be below run.layout.shards' },
};
const shardEvent = z
  .object({ run: runSchema, item: shardItemSchema })
  .strict()
  .refine(shardInRun.check, shardInRun.params);
const rangeShardEvent = z
  .object({ run: runSchema, item: shardItemSchema, range: rangeSchema })
  .strict()
  .refine(shardInRun.check, shardInRun.params);
const scorePartEvent = z
  .object({ run: runSchema, item: scorePartSchema })
  .strict()
  .refine(shardInRun.check, shardInRun.params);
const rangeEvent = z.object({ run: runSchema, range: rangeSchema }).strict();
/** What a Catch puts at its ResultPath: Step Functions' error name and cause (often the Lambda's error JSON). */
const failEvent = z
  .object({ run: runSchema, error: z.object({ Error: text, Cause: z.string().default('') }).loose() })
  .strict();

/** The publish state's result: small, since a state's output is limited to 256 KB. */
export interface PublishSummary {
  readonly runId: string;
  readonly status: RunRecord['status'];
  readonly exportDate: string;
  readonly customers: number;
  readonly rejectedRows: number;
}

export interface ShardedStageHandlers {
  readonly plan: (event: unknown) => Promise<PlanOutcome>;
  readonly partition: (event: unknown) => Promise<{ readonly fileIdx: number; readonly rowsRead: number }>;
  readonly validate: (event: unknown) => Promise<{ readonly shard: number; readonly ordersAccepted: number }>;
  readonly gate: (event: unknown) => Promise<{ readonly range: OrderDateRange }>;
  readonly summarise: (event: unknown) => Promise<{ readonly shard: number; readonly customers: number }>;
  readonly fit: (event: unknown) => Promise<{ readonly customers: number }>;
  readonly score: (
    event: unknown,
  ) => Promise<{ readonly shard: number; readonly part: number; readonly customers: number }>;
  readonly publish: (event: unknown) => Promise<PublishSummary>;
  readonly finish: (event: unknown) => Promise<void>;
  readonly fail: (event: unknown) => Promise<void>;
}

/** One handler per stage; each refuses an event of any other shape with a StageEventError naming the fields. */
export function makeShardedStageHandlers(
  config: JobConfig,
  deps: ShardedJobDeps,
  stages: ShardedStages = SHARDED_STAGES,
): ShardedStageHandlers {
  return {
    plan: async (event) => stages.plan(config, deps, parse('plan', planEventSchema, event ?? {})),
    partition: async (event) => {
      const { run, item } = parse('partition', fileEvent, event);
      return stages.partitionFile(config, deps, run, item);
    },
    validate: async (event) => {
      const { run, item } = parse('validate', shardEvent, event);
      return stages.validateShard(config, deps, run, item);
    },
    gate: async (event) => stages.gateRun(config, deps, parse('gate', runEvent, event).run),
    summarise: async (event) => {
      const { run, item, range } = parse('summarise', rangeShardEvent, event);
      return stages.summariseShard(config, deps, run, item, range);
    },
    fit: async (event) => {
      const { run, range } = parse('fit', rangeEvent, event);
      return stages.fitRun(config, deps, run, range);
    },
    score: async (event) => {
      const { run, item } = parse('score', scorePartEvent, event);
      return stages.scorePart(config, deps, run, item);
    },
    publish: async (event) => {
      const record = await stages.publishShardedRun(config, deps, parse('publish', runEvent, event).run);
      return {
        runId: record.runId,
        status: record.status,
        exportDate: record.exportDate,
        customers: record.customers,
        rejectedRows: record.rejects.total,
      };
    },
    finish: async (event) => stages.finishRun(config, deps, parse('finish', runEvent, event).run),
    fail: async (event) => {
      const { run, error } = parse('fail', failEvent, event);
      // Returns normally: the state machine moves on to its Fail state, which fails the execution.
      await stages.failRun(config, deps, run, { error: error.Error, cause: error.Cause });
    },
  };
}

function parse<T>(stage: string, schema: z.ZodType<T>, event: unknown): T {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new StageEventError(`Invalid ${stage} event:\n${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}
