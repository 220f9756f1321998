import type { ShardedJobDeps } from '../pipeline/sharded/index.js';
import { s3WorkStore } from '../platform/s3-work-store.js';
import { nightlyJobDeps } from './job-deps.js';

/**
 * Wires the sharded stages to S3, DynamoDB and the run's work prefix: the same in every stage Lambda,
 * `npm start -- --shards` and the tests. Takes nightlyJobDeps' arguments; `lockLeaseMs` must outlive the
 * whole state machine execution (the plan takes the lock, the finish or fail stage gives it back hours
 * later), and the publish sweep treats unpublished runs older than it as dead.
 */
export function shardedJobDeps(args: Parameters<typeof nightlyJobDeps>[0]): ShardedJobDeps {
  // The single pass's wiring (source, store, lock, rejects), minus its DuckDB opener, plus the work prefix.
  const { openIngest: _, ...deps } = nightlyJobDeps(args);
  return { ...deps, work: s3WorkStore(args.s3, args.config.bucket) };
}
