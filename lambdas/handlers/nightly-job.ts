import { awsClients } from '../platform/aws-clients.js';
import { jobConfigFromEnv } from '../platform/config.js';
import { powertoolsLogger } from '../platform/powertools-logger.js';
import { nightlyJobDeps } from './job-deps.js';
import { makeNightlyHandler } from './nightly-handler.js';

// Cold start: configuration is parsed once and fails fast; Lambda's writable disk is /tmp only.
const config = jobConfigFromEnv(process.env);
const { s3, ddb } = awsClients();
const log = powertoolsLogger('clv-nightly-job');

export const handler = makeNightlyHandler(
  config,
  nightlyJobDeps({ config, s3, ddb, workDir: '/tmp/clv', log }),
);
