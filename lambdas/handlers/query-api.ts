import { awsClients } from '../platform/aws-clients.js';
import { apiConfigFromEnv } from '../platform/config.js';
import { powertoolsLogger } from '../platform/powertools-logger.js';
import { makeResultsReader } from '../publish/results-reader.js';
import { makeApi } from '../serve/api.js';
import { makeApiHandler } from './api-handler.js';

// Cold start: configuration is parsed once and fails fast.
const config = apiConfigFromEnv(process.env);
const { ddb } = awsClients();

export const handler = makeApiHandler(
  makeApi({ reader: makeResultsReader(ddb, config.table), log: powertoolsLogger('clv-api') }),
);
