/** The run record: what one nightly run read, rejected, computed and published. */
import type { Dataset, DatasetCounts, RejectedRow } from '../ingest/types.js';
import type { PredictiveResult } from '../model/predictive.js';
import type { ChurnWindow, SegmentMetrics } from '../model/types.js';
import type { FaultReport } from '../platform/fault-recorder.js';

export type RunStatus = 'publishing' | 'published' | 'failed';

export interface RunInput {
  readonly dataset: Dataset;
  /** S3 key (or relative path for local folders). */
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
  /** S3's entity tag as listed: a scheduled run compares it to see a rewrite of the same size. */
  readonly etag?: string;
}

export interface RunRejects {
  readonly total: number;
  /** Rejected rows ÷ rows read, over all datasets. */
  readonly share: number;
  readonly threshold: number;
  /** Rejects by reason (a row with two problems counts under both; row-0 file notices count once each). */
  readonly byReason: Readonly<Record<string, number>>;
  /** The first few rejects of every reason (at most 3 each), so a rare reason is not hidden by a common one. */
  readonly examples: Readonly<Record<string, readonly RejectedRow[]>>;
  /** The first rejects (at most 100), for a quick look; the full list is at `objectKey`. */
  readonly sample: readonly RejectedRow[];
  /** Bucket key of the complete rejects CSV, or null when there were none. */
  readonly objectKey: string | null;
}

/** The backtest's split: histories cut at `calibrationEnd`, purchases counted over the next `days` days. */
export interface RunHoldout {
  readonly days: number;
  readonly calibrationEnd: string;
  /** Customers whose first purchase is on or before calibrationEnd (those the backtest scores). */
  readonly customers: number;
}

/**
 * What the predictive stage did (docs/metrics.md, "Predictive CLV"): both purchase models with their fit
 * and backtest, Gamma-Gamma, the chosen model and its warnings. `failed` keeps the reason; the run
 * still publishes its historic metrics and is marked `degraded`.
 */
export type PredictiveReport =
  | { readonly status: 'disabled' }
  | {
      readonly status: 'failed';
      readonly reason: string;
      readonly holdout: RunHoldout | null;
      readonly durationMs: number;
    }
  | ({
      readonly status: 'fitted';
      readonly holdout: RunHoldout | null;
      readonly durationMs: number;
      readonly horizonMonths: number;
      readonly annualDiscountRate: number;
      readonly atRiskBelow: number;
    } & Omit<PredictiveResult, 'customers' | 'holdoutDays'>);

export interface RunRecord {
  /** `<exportDate>T<start instant, base-36 epoch ms>`, e.g. `2026-11-24T0mwvh7i80`; unique per attempt, sortable (run-id.ts). */
  readonly runId: string;
  readonly exportDate: string;
  readonly asOf: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly stageDurationsMs: Readonly<Record<string, number>>;
  readonly inputs: readonly RunInput[];
  readonly counts: Readonly<Record<Dataset, DatasetCounts>>;
  readonly rejects: RunRejects;
  readonly customers: number;
  /** Dimension → number of segment values. */
  readonly dimensions: Readonly<Record<string, number>>;
  readonly business: SegmentMetrics | null;
  readonly churnWindow: ChurnWindow | null;
  readonly annualChurn: number | null;
  readonly expectedLifespanYears: number | null;
  /** Model fits, backtest and warnings of the predictive stage; null until it has run. */
  readonly predictive: PredictiveReport | null;
  /** The job settings used, as parsed (defaults filled in). */
  readonly settings: unknown;
  readonly failure: { readonly stage: string; readonly message: string } | null;
  /** Transient S3 and DynamoDB faults the run survived, and the retries that got it past them. */
  readonly faults: FaultReport;
  /** A published run missing part of its results (e.g. predictions after a failed fit), and why. */
  readonly degraded: { readonly stage: string; readonly reason: string } | null;
}
