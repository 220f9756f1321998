import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { s3ExportSource } from '../ingest/export-source.js';
import type { ReadRetryPolicy } from '../ingest/s3-object-read.js';
import type { ShardedJobDeps } from '../pipeline/sharded/index.js';
import type { JobConfig } from '../platform/config.js';
import type { FaultRecorder } from '../platform/fault-recorder.js';
import type { Logger } from '../platform/logger.js';
import { s3WorkStore } from '../platform/s3-work-store.js';
import { writeRejectsCsv } from '../publish/rejects-writer.js';
import { makeResultsStore } from '../publish/results-store.js';
import { DEFAULT_LEASE_MS, makeRunLock } from '../publish/run-lock.js';

/**
 * Wires the sharded stages to S3, DynamoDB and the run's work prefix: the same in every stage Lambda,
 * `npm start -- --shards` and the tests. Mirrors `nightlyJobDeps` (job-deps.ts).
 */
export function shardedJobDeps(args: {
  readonly config: JobConfig;
  readonly s3: S3Client;
  readonly ddb: DynamoDBDocumentClient;
  readonly workDir: string;
  readonly log: Logger;
  readonly clock?: () => Date;
  /** Counts retries after transient S3 and DynamoDB faults for the run record. @default none kept */
  readonly faults?: FaultRecorder;
  /**
   * How long the run lock's lease lasts: longer than the whole state machine execution, since the plan
   * stage takes the lock and the finish or fail stage gives it back hours later. Runs that started longer
   * ago than this and never published are dead for sure, so the publish sweep removes their items.
   * @default DEFAULT_LEASE_MS (20 minutes)
   */
  readonly lockLeaseMs?: number;
  /** Overrides of the download retry policy (tests shorten the backoff). @default DEFAULT_READ_RETRY */
  readonly s3Retry?: Partial<ReadRetryPolicy>;
}): ShardedJobDeps {
  const { config, s3, ddb } = args;
  const leaseMs = args.lockLeaseMs ?? DEFAULT_LEASE_MS;
  const faults = args.faults ? { faults: args.faults } : {};
  return {
    source: s3ExportSource(s3, config.bucket, config.settings.exportsPrefix, {
      ...faults,
      ...(args.s3Retry ? { retry: args.s3Retry } : {}),
    }),
    work: s3WorkStore(s3, config.bucket),
    store: makeResultsStore(ddb, config.table, {
      retentionDays: config.settings.retentionDays,
      abandonedAfterMs: leaseMs,
      ...faults,
    }),
    writeRejects: (key, rejects) => writeRejectsCsv(s3, config.bucket, key, rejects),
    workDir: args.workDir,
    clock: args.clock ?? (() => new Date()),
    log: args.log,
    lock: makeRunLock(ddb, config.table, { leaseMs }),
    ...faults,
  };
}
