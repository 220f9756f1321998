/**
 * The Lambda entry of every stage of the sharded nightly job: one bundle, one export per stage
 * (`index.plan`, `index.partition`, ...), each function of the state machine naming its own.
 */
import { awsClients } from '../platform/aws-clients.js';
import { jobConfigFromEnv } from '../platform/config.js';
import { faultRecorder } from '../platform/fault-recorder.js';
import { powertoolsLogger } from '../platform/powertools-logger.js';
import { runLockLeaseMs } from './nightly-handler.js';
import { shardedJobDeps } from './sharded-deps.js';
import { makeShardedStageHandlers } from './sharded-stage-handlers.js';

// Cold start: configuration is parsed once and fails fast; Lambda's writable disk is /tmp only.
const config = jobConfigFromEnv(process.env);
// One recorder per container: a stage reports the retries between its start and its end.
const faults = faultRecorder();
const { s3, ddb } = awsClients({ faults });
const log = powertoolsLogger('clv-nightly-job');
// The stack sets the lease to the state machine's timeout + a margin: the lock is taken by the plan stage
// and given back by the finish or fail stage, so it must outlive the whole execution, not one function.
const lockLeaseMs = runLockLeaseMs(process.env);

const handlers = makeShardedStageHandlers(
  config,
  shardedJobDeps({ config, s3, ddb, workDir: '/tmp/clv', log, faults, lockLeaseMs }),
);

export const { plan, partition, validate, gate, summarise, fit, score, publish, finish, fail } = handlers;
