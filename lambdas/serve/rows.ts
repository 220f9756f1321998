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
    z.object({ dataset: z.string(), name: z.string(), bytes: z.number().int(), sha256: z.string() }),
  ),
  counts: z.record(z.string(), datasetCounts),
  rejects: z.object({
    total: z.number().int(),
    share: z.number(),
    threshold: z.number(),
    byReason: z.record(z.string(), z.number().int()),
    sample: z
      .array(rejectedRow)
      .meta({ description: 'First rejects (at most 100); empty in run lists, full CSV at objectKey' }),
    objectKey: z.string().nullable(),
  }),
  customers: z.number().int(),
  dimensions: z.record(z.string(), z.number().int()).meta({ description: 'Dimension → segment values' }),
  settings: z.record(z.string(), z.unknown()).meta({ description: 'Job settings used (defaults filled)' }),
  failure: z.object({ stage: z.string(), message: z.string() }).nullable(),
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
