import type { WorkStore } from '../../platform/work-store.js';
import type { NightlyJobDeps } from '../nightly-job.js';

/**
 * What the sharded stages talk to: the single-pass job's dependencies (each stage opens its own DuckDB,
 * so not `openIngest`) plus the run's work prefix. `workDir` is one stage invocation's scratch space; the
 * plan takes the lock, the finish or fail stage gives it back.
 */
export interface ShardedJobDeps extends Omit<NightlyJobDeps, 'openIngest'> {
  /** The run's intermediate objects (rows by shard, summaries, partial aggregates) in the bucket. */
  readonly work: WorkStore;
}
