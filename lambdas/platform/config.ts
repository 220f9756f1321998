import { z } from 'zod';

/** Thrown when configuration is missing or invalid; the message lists every problem with its path. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Contract field → the column name in the user's files. Unmapped fields use the contract name. */
const columnMap = z.record(z.string().min(1), z.string().min(1));

/** How one dataset's files map onto the contract (docs/exports.md, "Column mapping"). */
export const datasetMappingSchema = z
  .object({
    columns: columnMap.default({}),
    /**
     * strptime format of date fields, e.g. `%d/%m/%Y` or `%m/%d/%Y %H:%M`. When absent, ISO-8601
     * dates (`2024-03-01`) and timestamps with an offset (`2024-03-01T10:00:00+02:00`) are accepted.
     */
    dateFormat: z.string().min(2).optional(),
    /** Decimal separator of money fields. `,` also strips `.` thousands separators. */
    decimalSeparator: z.enum(['.', ',']).default('.'),
    /** Strip currency symbols and thousands separators ("$1,234.50") from money fields. */
    lenientMoney: z.boolean().default(false),
  })
  .strict();
export type DatasetMapping = z.infer<typeof datasetMappingSchema>;

export const mappingSchema = z
  .object({
    orders: datasetMappingSchema.default(datasetMappingSchema.parse({})),
    customers: datasetMappingSchema.default(datasetMappingSchema.parse({})),
    marketing_spend: datasetMappingSchema.default(datasetMappingSchema.parse({})),
  })
  .strict();
export type ColumnMapping = z.infer<typeof mappingSchema>;

/** An ISO 4217 currency code as written in settings: three upper-case letters. */
const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code: 3 upper-case letters');

/**
 * Currencies of the orders (docs/exports.md, "Currencies"). Without `rates`, the accepted orders must
 * carry at most one currency code. With them, amounts are converted into `base`.
 */
export const currencySettingsSchema = z
  .object({
    /** The currency every amount is reported in; orders without a currency are taken to be in it. */
    base: currencyCode.optional(),
    /** Code → how many units of `base` one unit of it is worth (`{ "USD": 0.92 }` with base EUR). */
    rates: z
      .record(currencyCode, z.number().positive(), {
        error: (issue) =>
          issue.code === 'invalid_key' ? 'keys must be ISO 4217 codes: 3 upper-case letters' : undefined,
      })
      .optional(),
  })
  .strict()
  .refine((c) => c.rates === undefined || c.base !== undefined, {
    path: ['base'],
    message: 'is required when rates are set (rates convert into base)',
  })
  .refine((c) => c.base === undefined || c.rates?.[c.base] === undefined || c.rates[c.base] === 1, {
    path: ['rates'],
    message: 'the rate of the base currency itself must be 1',
  });
export type CurrencySettings = z.infer<typeof currencySettingsSchema>;

/** How customer ids from orders and customers files are compared (after trimming). */
export const customerIdSettingsSchema = z
  .object({
    /** `lower`/`upper` make `ABC` and `abc` one customer; `preserve` keeps them apart. */
    case: z.enum(['preserve', 'lower', 'upper']).default('preserve'),
  })
  .strict();
export type CustomerIdSettings = z.infer<typeof customerIdSettingsSchema>;

/** The predictive models' settings (docs/metrics.md, "Predictive CLV"). */
export const predictiveSettingsSchema = z
  .object({
    /** Fit BG/NBD, Pareto/NBD and Gamma-Gamma every run. When false the predicted fields are null. */
    enabled: z.boolean().default(true),
    /** `auto` keeps the purchase model with the better backtest; or fix one. */
    model: z.enum(['auto', 'bg-nbd', 'pareto-nbd']).default('auto'),
    /** Time unit of the fitted parameters (results are identical up to the unit). */
    timeUnit: z.enum(['day', 'week']).default('day'),
    /** Predicted CLV horizon in months. */
    horizonMonths: z.number().int().min(1).max(120).default(12),
    /** Annual discount rate of predicted CLV (monthly: (1 + annual)^(1/12) − 1). */
    annualDiscountRate: z.number().min(0).max(1).default(0.1),
    /** A customer whose P(alive) is below this counts as at risk. */
    atRiskBelow: z.number().gt(0).max(1).default(0.5),
    /**
     * Backtest holdout in days.
     * @default a quarter of the history, at least 56 days (and at most the history − 1)
     */
    holdoutDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();
export type PredictiveJobSettings = z.infer<typeof predictiveSettingsSchema>;

/** Settings of the nightly job. Every field has a documented default; see docs/operations.md. */
/** The sharded run's layout: S from the export's bytes, each number overridable. */
export const shardingSettingsSchema = z
  .object({
    /** Fixed shard count S; by default ⌈export bytes ÷ bytesPerShard⌉, at most maxShards. */
    shards: z.number().int().min(1).max(10_000).optional(),
    /** Export bytes (as stored, compressed or not) per shard when S is derived. @default 512 MiB */
    bytesPerShard: z
      .number()
      .int()
      .min(1)
      .default(512 * 1024 * 1024),
    maxShards: z.number().int().min(1).max(10_000).default(1000),
    /** Most files read at once (the file Map's MaxConcurrency). */
    fileConcurrency: z.number().int().min(1).max(10_000).default(100),
    /** Most shards validated or summarised at once (those Maps' MaxConcurrency). */
    shardConcurrency: z.number().int().min(1).max(10_000).default(40),
    /**
     * Most score parts writing to DynamoDB at once. They share the table's write throughput (a new
     * on-demand table takes about 4,000 WCU/s, docs/scale.md); one writer keeps about 1,000 WCU/s busy,
     * so more writers than throughput ÷ 1,000 only throttle each other. Raise it with the table's warm
     * throughput. @default 4
     */
    scoreConcurrency: z.number().int().min(1).max(10_000).default(4),
    /**
     * Customers scored and written by one invocation of the score stage: 5 items each with the built-in
     * dimensions, so 50,000 customers are 250,000 writes, ≈ 250 s at a quarter of 4,000 WCU/s, well inside
     * Lambda's 15 minutes. A shard of more customers is scored in several parts. @default 50,000
     */
    customersPerScorePart: z.number().int().min(1).default(50_000),
  })
  .strict();
export type ShardingSettings = z.infer<typeof shardingSettingsSchema>;

export const jobSettingsSchema = z
  .object({
    /** Key prefix under which `<yyyy-mm-dd>/<dataset>/<files>` export folders live. */
    exportsPrefix: z.string().default('exports/'),
    /** Key prefix for run artefacts written back to the bucket (rejects). */
    runsPrefix: z.string().default('runs/'),
    /** Gross margin rate for orders without a cost column. */
    marginRate: z.number().gt(0).max(1).default(0.3),
    /** A run whose rejected-row share exceeds this fails without publishing. */
    rejectThreshold: z.number().min(0).max(1).default(0.05),
    /** Run records, segment rows and segment trends expire this many days after their run (DynamoDB TTL). */
    retentionDays: z.number().int().min(1).max(3650).default(400),
    /**
     * Per-customer items (a customer's metrics and the segment-member rows that page customers by CLV)
     * expire sooner: they are most of the storage (docs/storage.md). At most `retentionDays`.
     * @default the smaller of 35 and retentionDays
     */
    detailRetentionDays: z.number().int().min(1).max(3650).optional(),
    /** Churn is measured over two consecutive windows of this many months (shortened for short histories). */
    churnWindowMonths: z.number().int().min(1).max(24).default(12),
    /** Cap of the expected lifespan, in years. */
    maxLifespanYears: z.number().gt(0).max(100).default(10),
    /** Prior exposure (years) in the purchase-rate shrinkage. */
    frequencyPriorYears: z.number().min(0).max(10).default(1),
    /** Customer columns that become segment dimensions (besides channel, cohort month and RFM). */
    // Dimension names go into the keys of every member item unshortened (docs/storage.md): kept short.
    segmentDimensions: z
      .array(
        z
          .string()
          .regex(/^[a-z][a-z0-9_]*$/)
          .max(64, 'a segment dimension name has at most 64 characters'),
      )
      .default([]),
    mapping: mappingSchema.default(mappingSchema.parse({})),
    predictive: predictiveSettingsSchema.default(predictiveSettingsSchema.parse({})),
    currency: currencySettingsSchema.default({}),
    customerIds: customerIdSettingsSchema.default(customerIdSettingsSchema.parse({})),
    /** DuckDB memory cap in MB; keep it below the function's memory. */
    duckdbMemoryMb: z.number().int().min(128).default(1024),
    /** How a sharded run is cut up (docs/scale.md): derived from the export's size unless set. */
    sharding: shardingSettingsSchema.prefault({}),
  })
  .strict()
  .refine((s) => s.detailRetentionDays === undefined || s.detailRetentionDays <= s.retentionDays, {
    path: ['detailRetentionDays'],
    message: 'must not exceed retentionDays (customer detail would outlive its run record)',
  })
  .transform((s) => ({ ...s, detailRetentionDays: s.detailRetentionDays ?? Math.min(35, s.retentionDays) }));
export type JobSettings = z.infer<typeof jobSettingsSchema>;

/** Where the job reads and writes: from the environment in Lambda, from bin/local.ts locally. */
export const jobEnvironmentSchema = z.object({
  EXPORTS_BUCKET: z.string().min(3),
  RESULTS_TABLE: z.string().min(3),
  /** JSON of JobSettings; absent means all defaults. */
  CLV_SETTINGS: z.string().optional(),
});

export interface JobConfig {
  readonly bucket: string;
  readonly table: string;
  readonly settings: JobSettings;
}

/** Formats zod issues as `path: message` lines so a user sees every problem at once. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
}

/** Parses job settings (e.g. from CDK context or the CLV_SETTINGS variable); throws ConfigError. */
export function parseJobSettings(input: unknown): JobSettings {
  const parsed = jobSettingsSchema.safeParse(input ?? {});
  if (!parsed.success) throw new ConfigError(`Invalid job settings:\n${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Reads the job configuration from an environment once (cold start); throws ConfigError. */
export function jobConfigFromEnv(env: Record<string, string | undefined>): JobConfig {
  const parsed = jobEnvironmentSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid job environment:\n${describeIssues(parsed.error)}`);
  let raw: unknown = {};
  if (parsed.data.CLV_SETTINGS) {
    try {
      raw = JSON.parse(parsed.data.CLV_SETTINGS);
    } catch (cause) {
      throw new ConfigError('CLV_SETTINGS is not valid JSON', { cause });
    }
  }
  return {
    bucket: parsed.data.EXPORTS_BUCKET,
    table: parsed.data.RESULTS_TABLE,
    settings: parseJobSettings(raw),
  };
}

/** The query API's environment: it only reads the results table. */
export const apiEnvironmentSchema = z.object({ RESULTS_TABLE: z.string().min(3) });

export interface ApiConfig {
  readonly table: string;
}

/** Reads the API configuration from an environment once (cold start); throws ConfigError. */
export function apiConfigFromEnv(env: Record<string, string | undefined>): ApiConfig {
  const parsed = apiEnvironmentSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid API environment:\n${describeIssues(parsed.error)}`);
  return { table: parsed.data.RESULTS_TABLE };
}
