import type { ExportSource } from '../../ingest/export-source.js';
import type { RejectedRow } from '../../ingest/types.js';
import type { FaultRecorder } from '../../platform/fault-recorder.js';
import type { Logger } from '../../platform/logger.js';
import type { WorkStore } from '../../platform/work-store.js';
import type { ResultsStore } from '../../publish/results-store.js';
import type { RunLock } from '../../publish/run-lock.js';

/** Everything the sharded stages talk to, injected: AWS in Lambda, local servers in `npm start` and tests. */
export interface ShardedJobDeps {
  readonly source: ExportSource;
  /** The run's intermediate objects (rows by shard, summaries, partial aggregates) in the bucket. */
  readonly work: WorkStore;
  readonly store: ResultsStore;
  readonly writeRejects: (key: string, rejects: readonly RejectedRow[]) => Promise<void>;
  /** Scratch directory of one stage invocation (Lambda: under /tmp); emptied before and after each stage. */
  readonly workDir: string;
  readonly clock: () => Date;
  readonly log: Logger;
  /** One run at a time; the plan takes it, the finish or fail stage gives it back. */
  readonly lock?: RunLock;
  readonly faults?: FaultRecorder;
}
