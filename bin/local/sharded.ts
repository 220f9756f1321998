/** `npm start -- --shards <n>`: the state machine's stages run in-process by the local runner. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { shardedJobDeps } from '../../lambdas/handlers/sharded-deps.js';
import { runShardedJob } from '../../lambdas/pipeline/sharded/local-runner.js';
import type { PlanRequest } from '../../lambdas/pipeline/sharded/plan-stage.js';
import type { JobConfig } from '../../lambdas/platform/config.js';
import type { FaultRecorder } from '../../lambdas/platform/fault-recorder.js';
import type { Logger } from '../../lambdas/platform/logger.js';

export async function runSharded(
  config: JobConfig,
  clients: {
    s3: S3Client;
    ddb: DynamoDBDocumentClient;
    workDir: string;
    log: Logger;
    faults: FaultRecorder;
  },
  request: PlanRequest,
) {
  // A local run stopped with Ctrl+C must not lock the next one out for the state machine's lease.
  const deps = shardedJobDeps({ config, ...clients, lockLeaseMs: 60_000 });
  const outcome = await runShardedJob(config, deps, request);
  if (outcome.status !== 'skipped' && outcome.stepWallMs) {
    const steps = Object.entries(outcome.stepWallMs).map(
      ([step, ms]) => `${step} ${(ms / 1000).toFixed(2)} s`,
    );
    console.log(`\nSharded run, ${request.shards} shard(s): ${steps.join(', ')}`);
  }
  return outcome;
}
