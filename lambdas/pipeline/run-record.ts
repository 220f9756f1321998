import type { Dataset, DatasetCounts, IngestReport, RejectedRow } from '../ingest/types.js';
import type { RunMetrics } from '../model/types.js';
import type { JobSettings } from '../platform/config.js';
import { messageOf } from '../platform/error-message.js';
import { NO_FAULTS } from '../platform/fault-recorder.js';
import type { PredictiveReport, RunRecord, RunRejects } from '../publish/types.js';

/** Segment dimensions every run publishes, before the configured customer columns. */
export const BUILT_IN_DIMENSIONS = ['acquisition_channel', 'cohort_month', 'rfm_segment'] as const;

const SAMPLE_SIZE = 100;
const EXAMPLES_PER_REASON = 3;
const NO_COUNTS: DatasetCounts = { files: 0, rowsRead: 0, rowsAccepted: 0, rowsRejected: 0 };

/** The record of a run that has just started: nothing read yet. */
export function emptyRunRecord(args: {
  runId: string;
  exportDate: string;
  asOf: string;
  startedAt: Date;
  settings: JobSettings;
}): RunRecord {
  const counts: Record<Dataset, DatasetCounts> = {
    orders: NO_COUNTS,
    customers: NO_COUNTS,
    marketing_spend: NO_COUNTS,
  };
  return {
    runId: args.runId,
    exportDate: args.exportDate,
    asOf: args.asOf,
    status: 'publishing',
    startedAt: args.startedAt.toISOString(),
    finishedAt: null,
    durationMs: null,
    stageDurationsMs: {},
    inputs: [],
    counts,
    rejects: {
      total: 0,
      share: 0,
      threshold: args.settings.rejectThreshold,
      byReason: {},
      examples: {},
      sample: [],
      objectKey: null,
    },
    customers: 0,
    dimensions: {},
    business: null,
    churnWindow: null,
    annualChurn: null,
    expectedLifespanYears: null,
    predictive: null,
    settings: args.settings,
    failure: null,
    degraded: null,
    faults: NO_FAULTS,
  };
}

/** Reject counts by reason, the share of rows read, and a sample for the run record. */
export function rejectSummary(report: IngestReport, threshold: number, objectKey: string | null): RunRejects {
  const byReason: Record<string, number> = {};
  const examples: Record<string, RejectedRow[]> = {};
  for (const reject of report.rejects) {
    byReason[reject.reason] = (byReason[reject.reason] ?? 0) + 1;
    const some = examples[reject.reason] ?? [];
    if (some.length < EXAMPLES_PER_REASON) examples[reject.reason] = [...some, reject];
  }
  const counts = Object.values(report.datasets);
  const read = counts.reduce((sum, c) => sum + c.rowsRead, 0);
  const rejected = counts.reduce((sum, c) => sum + c.rowsRejected, 0);
  return {
    total: rejected,
    share: read === 0 ? 0 : rejected / read,
    threshold,
    byReason,
    examples,
    sample: report.rejects.slice(0, SAMPLE_SIZE),
    objectKey,
  };
}

/** The record with the model's headline figures filled in; a failed predictive stage degrades the run. */
export function publishedRecord(
  record: RunRecord,
  metrics: Omit<RunMetrics, 'customers'> & { readonly customers: { readonly length: number } },
  predictive: PredictiveReport,
  status: RunRecord['status'],
): RunRecord {
  return {
    ...record,
    status,
    predictive,
    degraded:
      predictive.status === 'failed'
        ? { stage: 'predict', reason: `no predictions this run: ${predictive.reason}` }
        : null,
    customers: metrics.customers.length,
    dimensions: Object.fromEntries(Object.entries(metrics.segments).map(([dim, rows]) => [dim, rows.length])),
    business: metrics.business,
    churnWindow: metrics.churnWindow,
    annualChurn: metrics.annualChurn,
    expectedLifespanYears: metrics.expectedLifespanYears,
  };
}

/** The record of a run that failed at `stage`. */
export function failedRecord(
  record: RunRecord,
  stage: string,
  error: unknown,
  finishedAt: Date,
  stageDurationsMs: Record<string, number>,
): RunRecord {
  const message = messageOf(error);
  return {
    ...record,
    status: 'failed',
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - Date.parse(record.startedAt),
    stageDurationsMs,
    failure: { stage, message },
  };
}
