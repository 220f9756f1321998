import { z } from 'zod';
import { ConfigError, describeIssues, jobSettingsSchema } from '../lambdas/platform/config.js';

/** The CDK context key that holds the deployment configuration (`cdk.json` or `-c clv='{...}'`). */
export const CONTEXT_KEY = 'clv';

const isTimeZone = (value: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
};

/** EventBridge Scheduler expression forms: cron (6 fields), rate, or a one-off at(). */
const scheduleExpression = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const cron = /^cron\((.+)\)$/.exec(value);
    if (cron) {
      const fields = (cron[1] ?? '').trim().split(/\s+/);
      if (fields.length !== 6) {
        ctx.addIssue({
          code: 'custom',
          message: `cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
        });
      } else if (fields[2] !== '?' && fields[4] !== '?') {
        ctx.addIssue({ code: 'custom', message: 'cron: day-of-month or day-of-week must be "?"' });
      }
      return;
    }
    if (/^rate\(\d+ (minute|minutes|hour|hours|day|days)\)$/.test(value)) return;
    if (/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/.test(value)) return;
    ctx.addIssue({
      code: 'custom',
      message:
        'expected an EventBridge Scheduler expression: cron(...), rate(...) or at(yyyy-mm-ddThh:mm:ss)',
    });
  });

/** The sharded nightly job's stages, one Lambda function each, in the order the state machine runs them. */
export const NIGHTLY_STAGES = [
  'plan',
  'partition',
  'validate',
  'gate',
  'summarise',
  'fit',
  'score',
  'publish',
  'finish',
  'fail',
] as const;
export type NightlyStage = (typeof NIGHTLY_STAGES)[number];

/** Stages that open DuckDB: they get `job.memoryMb` and `job.ephemeralStorageMb`. */
export const DUCKDB_STAGES: readonly NightlyStage[] = [
  'partition',
  'validate',
  'gate',
  'summarise',
  'fit',
  'score',
  'publish',
];

/** Sizes of the stages without DuckDB (plan, finish, fail): they list, delete and write a few items. */
const LIGHT_STAGE = { memoryMb: 1024, ephemeralStorageMb: 512 } as const;

const stageSizeSchema = z
  .object({
    memoryMb: z.number().int().min(128).max(10240).optional(),
    timeoutMinutes: z.number().int().min(1).max(15).optional(),
    ephemeralStorageMb: z.number().int().min(512).max(10240).optional(),
  })
  .strict();

/** One stage function's size. */
export interface StageSize {
  readonly memoryMb: number;
  readonly timeoutMinutes: number;
  readonly ephemeralStorageMb: number;
}

/** Every stage's size: its `job.stages` override, else `job` (DuckDB stages) or a light default. */
export function stageSizes(job: ClvConfig['job']): Record<NightlyStage, StageSize> {
  const sizeOf = (stage: NightlyStage): StageSize => {
    const base = DUCKDB_STAGES.includes(stage)
      ? { memoryMb: job.memoryMb, ephemeralStorageMb: job.ephemeralStorageMb }
      : LIGHT_STAGE;
    return { ...base, timeoutMinutes: job.timeoutMinutes, ...job.stages[stage] };
  };
  return Object.fromEntries(NIGHTLY_STAGES.map((stage) => [stage, sizeOf(stage)])) as Record<
    NightlyStage,
    StageSize
  >;
}

/** Deployment configuration read from CDK context `clv`; every field has a default. */
export const clvConfigSchema = z
  .object({
    /** CloudFormation stack name. */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'letters, digits and hyphens, starting with a letter')
      .default('ClvEngine'),
    schedule: z
      .object({
        /** When the nightly job runs, evaluated in `timezone`. */
        expression: scheduleExpression.default('cron(0 2 * * ? *)'),
        /** IANA time zone of the expression, e.g. `Europe/Paris`. */
        timezone: z
          .string()
          .refine(isTimeZone, { message: 'unknown time zone; use an IANA name such as UTC or Europe/Paris' })
          .default('UTC'),
      })
      .strict()
      .prefault({}),
    job: z
      .object({
        /** Memory of the DuckDB stages; DuckDB's cap (`settings.duckdbMemoryMb`) must stay below it. */
        memoryMb: z.number().int().min(128).max(10240).default(3008),
        /** Timeout of every stage function; Lambda's own ceiling is 15 minutes. */
        timeoutMinutes: z.number().int().min(1).max(15).default(15),
        /** /tmp of the DuckDB stages: downloads, Parquet parts and DuckDB spill files. */
        ephemeralStorageMb: z.number().int().min(512).max(10240).default(10240),
        /**
         * The whole state machine execution's limit. The run lock's lease is this plus a margin, and the
         * lease must stay under a day (run-lock), hence at most 23 hours.
         */
        executionTimeoutHours: z.number().int().min(1).max(23).default(4),
        /** Per-stage overrides of memory, timeout and /tmp, e.g. `{ "score": { "memoryMb": 1769 } }`. */
        stages: z.partialRecord(z.enum(NIGHTLY_STAGES), stageSizeSchema).default({}),
      })
      .strict()
      .prefault({}),
    api: z
      .object({
        /** API Gateway stage name; it is also the first path segment of the API URL. */
        stageName: z
          .string()
          .regex(/^[A-Za-z0-9_]{1,128}$/, 'letters, digits and underscores, at most 128')
          .default('prod'),
        /**
         * How callers authenticate: an API key (`x-api-key`), IAM SigV4 signatures, or both. Every route needs
         * credentials in every mode.
         */
        auth: z.enum(['apiKey', 'iam', 'apiKeyAndIam']).default('apiKey'),
        /** Memory of the API function (its CPU share grows with it). */
        memoryMb: z.number().int().min(128).max(10240).default(1024),
        throttle: z
          .object({
            /** Steady-state requests per second, for the stage and for the API key's usage plan. */
            rateLimit: z.number().positive().default(50),
            /** Requests allowed in a burst above the steady rate. */
            burstLimit: z.number().int().positive().default(100),
          })
          .strict()
          .prefault({}),
        quota: z
          .object({
            /** Requests one API key may make per `period`. */
            limit: z.number().int().positive().default(1_000_000),
            /** The quota window: the count restarts at the start of each day, week or month. */
            period: z.enum(['DAY', 'WEEK', 'MONTH']).default('DAY'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** Where alarm notifications go; no subscription when absent. */
    alarmEmail: z.email().optional(),
    /** Job settings (lambdas/platform/config.ts), passed to the function as CLV_SETTINGS. */
    settings: jobSettingsSchema.prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const duckdbMb = config.settings.duckdbMemoryMb;
    // One issue per memory setting that is too small (job.memoryMb stands for every stage it sizes).
    const tooSmall = new Map<string, number>();
    for (const stage of DUCKDB_STAGES) {
      const override = config.job.stages[stage]?.memoryMb;
      const field = override === undefined ? 'job.memoryMb' : `job.stages.${stage}.memoryMb`;
      const memoryMb = override ?? config.job.memoryMb;
      if (duckdbMb >= memoryMb) tooSmall.set(field, memoryMb);
    }
    for (const [field, memoryMb] of tooSmall) {
      ctx.addIssue({
        code: 'custom',
        path: ['settings', 'duckdbMemoryMb'],
        message: `must be below ${field} (${duckdbMb} >= ${memoryMb}); raise ${field} or lower settings.duckdbMemoryMb`,
      });
    }
    // IAM grants are scoped to these prefixes, so they must be real, disjoint folders.
    const { exportsPrefix, runsPrefix } = config.settings;
    for (const [key, prefix] of [
      ['exportsPrefix', exportsPrefix],
      ['runsPrefix', runsPrefix],
    ] as const) {
      if (!/^[A-Za-z0-9_.\-/]+\/$/.test(prefix) || prefix.startsWith('/')) {
        ctx.addIssue({
          code: 'custom',
          path: ['settings', key],
          message: `must be a folder such as "${key === 'runsPrefix' ? 'runs/' : 'exports/'}" (non-empty, ends with "/")`,
        });
      }
    }
    if (exportsPrefix.startsWith(runsPrefix) || runsPrefix.startsWith(exportsPrefix)) {
      ctx.addIssue({
        code: 'custom',
        path: ['settings', 'runsPrefix'],
        message: `must not overlap settings.exportsPrefix ("${runsPrefix}" vs "${exportsPrefix}")`,
      });
    }
  });

export type ClvConfig = z.infer<typeof clvConfigSchema>;

/**
 * Validates the `clv` context value (an object from cdk.json, or a JSON string from `-c clv=...`);
 * throws ConfigError listing every invalid path.
 */
export function parseClvConfig(input: unknown): ClvConfig {
  let raw = input ?? {};
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch (cause) {
      throw new ConfigError(`CDK context "${CONTEXT_KEY}" is not valid JSON: ${(cause as Error).message}`, {
        cause,
      });
    }
  }
  const parsed = clvConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`Invalid CDK context "${CONTEXT_KEY}":\n${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}
