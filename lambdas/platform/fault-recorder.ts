/**
 * Counts the transient faults a run survived by retrying (S3 resets and 503 SlowDown, DynamoDB
 * throttling and unprocessed items, …). Retry loops call `retried(kind)` once per retry; the run record
 * reports the difference between the snapshot taken when the run started and the one when it ended, so
 * one recorder can live as long as the Lambda container (the SDK clients are built once per container).
 */

/** Retries by kind, e.g. `{ "s3:SlowDown": 2, "dynamodb:UnprocessedItems": 14 }`. */
export interface FaultReport {
  /** Retries performed (the sum over kinds). */
  readonly retries: number;
  /** Retries by the fault that caused them, `<service>:<error name or condition>`. */
  readonly byKind: Readonly<Record<string, number>>;
}

export interface FaultRecorder {
  /** One retry performed after a transient fault of `kind`. */
  retried(kind: string, count?: number): void;
  /** Everything recorded so far. */
  snapshot(): FaultReport;
}

export const NO_FAULTS: FaultReport = { retries: 0, byKind: {} };

/** A recorder counting in memory. */
export function faultRecorder(): FaultRecorder {
  const byKind = new Map<string, number>();
  return {
    retried(kind, count = 1) {
      if (count > 0) byKind.set(kind, (byKind.get(kind) ?? 0) + count);
    },
    snapshot() {
      const kinds = Object.fromEntries([...byKind].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      return { retries: [...byKind.values()].reduce((sum, n) => sum + n, 0), byKind: kinds };
    },
  };
}

/** What happened between two snapshots of one recorder. */
export function faultsSince(before: FaultReport, after: FaultReport): FaultReport {
  const byKind: Record<string, number> = {};
  for (const [kind, n] of Object.entries(after.byKind)) {
    const delta = n - (before.byKind[kind] ?? 0);
    if (delta > 0) byKind[kind] = delta;
  }
  return { retries: Object.values(byKind).reduce((sum, n) => sum + n, 0), byKind };
}

/** A recorder that forgets everything (tests that do not look at faults). */
export const ignoreFaults: FaultRecorder = { retried() {}, snapshot: () => NO_FAULTS };
