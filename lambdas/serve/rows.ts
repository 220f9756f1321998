/**
 * The rows the API returns, as zod schemas: one source for the JSON field names, the CSV columns (the
 * schema's keys, in order) and the OpenAPI document. Field names are stable; docs/api.md lists them.
 */
import { z } from 'zod';

const isoDate = z.string().meta({ format: 'date', description: 'ISO-8601 calendar date (UTC)' });
const isoTime = z.string().meta({ format: 'date-time', description: 'ISO-8601 timestamp (UTC)' });
const nullableNumber = (description: string) => z.number().nullable().meta({ description });

/** Which run a row belongs to. */
const runRef = {
  runId: z.string().meta({ description: 'Run id: `<exportDate>T<start time>`' }),
  exportDate: isoDate,
};

/** One customer in one run, flat (RFM scores spread out). */
export const customerRow = z.object({
  customerId: z.string(),
  ...runRef,
  firstOrderDate: isoDate,
  lastOrderDate: isoDate,
  orders: z.number().int().meta({ description: 'Non-cancelled orders' }),
  frequency: z.number().int().meta({ description: 'Repeat purchase days (distinct order days − 1)' }),
  recencyDays: z.number().int().meta({ description: 'Days from first to last purchase' }),
  ageDays: z.number().int().meta({ description: 'Days from first purchase to the as-of date' }),
  daysSinceLastOrder: z.number().int(),
  netRevenue: z.number().meta({ description: 'Revenue minus refunds, export currency' }),
  averageOrderValue: z.number(),
  marginRate: z.number(),
  grossMargin: z.number(),
  purchasesPerYear: z.number(),
  expectedLifespanYears: z.number(),
  historicClv: z.number().meta({ description: 'AOV × purchases/year × lifespan × margin (docs/metrics.md)' }),
  acquisitionChannel: z.string(),
  cohortMonth: z.string().meta({ description: '`YYYY-MM` of acquisition' }),
  cac: nullableNumber('Spend of channel × cohort month ÷ its new customers; null without spend'),
  clvToCac: nullableNumber('historicClv ÷ cac; null without a CAC'),
  rfmR: z.number().int(),
  rfmF: z.number().int(),
  rfmM: z.number().int(),
  rfmSegment: z.string(),
  probabilityAlive: nullableNumber(
    'P(alive | history) of the run’s purchase model (BG/NBD or Pareto/NBD); null when the run has no predictions',
  ),
  expectedPurchases30: nullableNumber('Expected purchases in the next 30 days'),
  expectedPurchases90: nullableNumber('Expected purchases in the next 90 days'),
  expectedPurchases365: nullableNumber('Expected purchases in the next 365 days'),
  expectedAverageOrderValue: nullableNumber(
    'Gamma-Gamma expected order value (population mean without repeat spend)',
  ),
  predictedClv: nullableNumber('Discounted predicted CLV over the horizon, as margin (revenue × marginRate)'),
  predictedClvRevenue: nullableNumber('Discounted predicted CLV over the horizon, as revenue'),
  predictedClvToCac: nullableNumber('predictedClv ÷ cac'),
});

/** A customer with its customer-file attributes (single customer and its history). */
export const customerDetail = customerRow.extend({
  attributes: z
    .record(z.string(), z.string())
    .meta({ description: 'Customer columns from the export; in CSV, one `attribute.<name>` column each' }),
  attributesTruncated: z.boolean(),
});

/** Metrics of one segment (or, with dimension `_all`, of the whole business) in one run. */
export const segmentRow = z.object({
  dimension: z.string(),
  value: z.string(),
  ...runRef,
  customers: z.number().int(),
  newCustomers: z.number().int().meta({ description: 'Acquired in months with marketing spend' }),
  netRevenue: z.number(),
  meanClv: z.number(),
  medianClv: z.number(),
  totalClv: z.number(),
  marketingSpend: z.number(),
  cac: nullableNumber('marketingSpend ÷ newCustomers'),
  clvToCac: nullableNumber('meanClv ÷ cac; 3 or more is healthy'),
  health: z.enum(['healthy', 'watch', 'losing']).nullable(),
  paybackMonths: nullableNumber('Months of gross margin to recover the CAC'),
  repeatRate: z.number(),
  retention: nullableNumber('Annualised retention between the two churn windows'),
  churn: nullableNumber('1 − retention'),
  meanPredictedClv: nullableNumber(
    'Mean discounted predicted CLV (margin); null when the run has no predictions',
  ),
  totalPredictedClv: nullableNumber('Sum of the customers’ predicted CLV (margin)'),
  atRiskShare: nullableNumber('Share of customers whose P(alive) is below the configured at-risk line'),
  predictedClvToCac: nullableNumber('meanPredictedClv ÷ cac'),
});

/** The whole business in one run: the `_all` segment plus the run-level churn figures. */
export const summaryRow = segmentRow.omit({ dimension: true, value: true }).extend({
  asOf: isoDate,
  annualChurn: nullableNumber('Business churn, floored at 1 ÷ maxLifespanYears'),
  expectedLifespanYears: nullableNumber('1 ÷ annualChurn'),
});

const datasetCounts = z.object({
  files: z.number().int(),
  rowsRead: z.number().int(),
  rowsAccepted: z.number().int(),
  rowsRejected: z.number().int(),
});

const rejectedRow = z.object({
  file: z.string(),
  row: z.number().int(),
  field: z.string().nullable(),
  reason: z.string(),
  message: z.string(),
  value: z.string().nullable(),
});

const backtest = z
  .object({
    customers: z.number().int(),
    predictedPurchases: z.number(),
    actualPurchases: z.number(),
    meanAbsoluteError: z.number(),
    correlation: z.number().nullable(),
    byFrequency: z.array(
      z.object({
        frequency: z.string().meta({ description: 'Calibration repeat purchases: `0`..`6` or `7+`' }),
        customers: z.number().int(),
        meanPredicted: z.number(),
        meanActual: z.number(),
      }),
    ),
  })
  .nullable()
  .meta({ description: 'Holdout backtest: fit on the calibration period, predicted vs actual purchases' });

const purchaseModel = z.union([
  z.object({
    status: z.literal('fitted'),
    params: z
      .record(z.string(), z.number())
      .meta({ description: 'r, alpha, a, b (BG/NBD) or r, alpha, s, beta' }),
    logLikelihood: z.number(),
    iterations: z.number().int(),
    converged: z.boolean(),
    message: z.string(),
    fitMs: z.number(),
    backtest,
  }),
  z.object({ status: z.literal('failed'), reason: z.string(), fitMs: z.number() }),
]);

const holdout = z
  .object({ days: z.number().int(), calibrationEnd: isoDate, customers: z.number().int() })
  .nullable();

/** The predictive stage of a run (docs/metrics.md, "Predictive CLV"). */
const predictiveReport = z
  .union([
    z.object({ status: z.literal('disabled') }),
    z.object({ status: z.literal('failed'), reason: z.string(), holdout, durationMs: z.number() }),
    z.object({
      status: z.literal('fitted'),
      model: z
        .enum(['bg-nbd', 'pareto-nbd'])
        .meta({ description: 'The purchase model behind the predictions' }),
      timeUnit: z.enum(['day', 'week']),
      horizonMonths: z.number().int(),
      annualDiscountRate: z.number(),
      atRiskBelow: z.number(),
      holdout,
      durationMs: z.number(),
      uniqueHistories: z.number().int(),
      models: z.object({ bgNbd: purchaseModel, paretoNbd: purchaseModel }),
      gammaGamma: z.object({
        params: z.record(z.string(), z.number()).meta({ description: 'p, q, gamma' }),
        logLikelihood: z.number(),
        iterations: z.number().int(),
        converged: z.boolean(),
        message: z.string(),
        fitMs: z.number(),
        customers: z
          .number()
          .int()
          .meta({ description: 'Customers with repeat purchases and positive spend' }),
        spendFrequencyCorrelation: z.number().nullable(),
      }),
      warnings: z.array(z.string()),
    }),
  ])
  .nullable();

/** A run record as JSON (nested): inputs, counts, rejects, durations and the settings used. */
export const runDetail = z.object({
  ...runRef,
  asOf: isoDate,
  status: z.enum(['publishing', 'published', 'failed']),
  current: z.boolean().meta({ description: 'True for the run readers are pointed at' }),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  durationMs: z.number().nullable(),
  stageDurationsMs: z.record(z.string(), z.number()),
  inputs: z.array(
    z.object({
      dataset: z.string(),
      name: z.string(),
      bytes: z.number().int(),
      sha256: z.string(),
      etag: z.string().optional().meta({ description: 'S3 entity tag as listed' }),
    }),
  ),
  counts: z.record(z.string(), datasetCounts),
  rejects: z.object({
    total: z.number().int(),
    share: z.number(),
    threshold: z.number(),
    byReason: z.record(z.string(), z.number().int()),
    examples: z
      .record(z.string(), z.array(rejectedRow))
      .meta({ description: 'First rejects (at most 3) of every reason; empty in run lists' }),
    sample: z
      .array(rejectedRow)
      .meta({ description: 'First rejects (at most 100); empty in run lists, full CSV at objectKey' }),
    objectKey: z.string().nullable(),
  }),
  customers: z.number().int(),
  dimensions: z.record(z.string(), z.number().int()).meta({ description: 'Dimension → segment values' }),
  predictive: predictiveReport,
  settings: z.record(z.string(), z.unknown()).meta({ description: 'Job settings used (defaults filled)' }),
  failure: z.object({ stage: z.string(), message: z.string() }).nullable(),
  degraded: z
    .object({ stage: z.string(), reason: z.string() })
    .nullable()
    .meta({ description: 'Published without part of its results (e.g. predictions), and why' }),
  faults: z
    .object({ retries: z.number().int(), byKind: z.record(z.string(), z.number().int()) })
    .nullable()
    .meta({
      description:
        'Transient S3 and DynamoDB faults the run retried past: retries by kind, e.g. s3:SlowDown (null for runs recorded before this field existed)',
    }),
});

/** A run record as one flat CSV row. */
export const runRow = z.object({
  ...runRef,
  asOf: isoDate,
  status: z.enum(['publishing', 'published', 'failed']),
  current: z.boolean(),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  durationMs: z.number().nullable(),
  customers: z.number().int(),
  ordersRowsRead: z.number().int(),
  ordersRowsRejected: z.number().int(),
  customersRowsRead: z.number().int(),
  customersRowsRejected: z.number().int(),
  spendRowsRead: z.number().int(),
  spendRowsRejected: z.number().int(),
  rejectsTotal: z.number().int(),
  rejectShare: z.number(),
  failureStage: z.string().nullable(),
  failureMessage: z.string().nullable(),
  degradedReason: z.string().nullable(),
  retries: z.number().int().nullable(),
  predictiveModel: z.enum(['bg-nbd', 'pareto-nbd']).nullable(),
  backtestPredictedPurchases: z.number().nullable(),
  backtestActualPurchases: z.number().nullable(),
  backtestMeanAbsoluteError: z.number().nullable(),
});

export type CustomerRow = z.infer<typeof customerRow>;
export type CustomerDetail = z.infer<typeof customerDetail>;
export type SegmentRow = z.infer<typeof segmentRow>;
export type SummaryRow = z.infer<typeof summaryRow>;
export type RunDetail = z.infer<typeof runDetail>;
export type RunRow = z.infer<typeof runRow>;

/** A row with exactly the schema's fields, in the schema's order (stable JSON and CSV columns). */
export function project<T extends z.ZodRawShape>(
  schema: z.ZodObject<T>,
  value: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) out[key] = value[key] ?? null;
  return out;
}
