import { awsClients } from '../platform/aws-clients.js';
import { jobConfigFromEnv } from '../platform/config.js';
import { faultRecorder } from '../platform/fault-recorder.js';
import { powertoolsLogger } from '../platform/powertools-logger.js';
import { nightlyJobDeps } from './job-deps.js';
import { makeNightlyHandler, runLockLeaseMs } from './nightly-handler.js';

// Cold start: configuration is parsed once and fails fast; Lambda's writable disk is /tmp only.
const config = jobConfigFromEnv(process.env);
// One recorder per container: each run reports the retries between its start and its end.
const faults = faultRecorder();
const { s3, ddb } = awsClients({ faults });
const log = powertoolsLogger('clv-nightly-job');
// The lease outlives the function timeout by a margin shorter than Lambda's first retry delay (1 minute),
// so a retry after a timeout takes over the dead run's lock instead of being skipped.
const lockLeaseMs = runLockLeaseMs(process.env);

export const handler = makeNightlyHandler(
  config,
  nightlyJobDeps({ config, s3, ddb, workDir: '/tmp/clv', log, faults, lockLeaseMs }),
);
