/**
 * `npm run openapi`: writes the Query API's OpenAPI 3.1 document to docs/openapi.json. The document is the
 * one GET /v1/openapi.json serves, with `servers` describing every deployment instead of one request's URL.
 * test/serve/openapi-doc.test.ts fails when the committed file differs from what this produces.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTES } from '../lambdas/serve/api.js';
import { openApiDocument } from '../lambdas/serve/openapi-route.js';

/** Where the committed document lives, from the project root. */
export const OPENAPI_PATH = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));

/** The deployed URL template; `ApiUrl` (a stack output) is one value of it. */
export const DEPLOYED_SERVER_URL = 'https://{apiId}.execute-api.{region}.amazonaws.com/{stage}';

/** The variables of DEPLOYED_SERVER_URL (OpenAPI requires a default for each). */
const SERVER_VARIABLES = {
  apiId: {
    default: 'abc123defg',
    description: 'REST API id: the first label of the `ApiUrl` stack output',
  },
  region: { default: 'us-east-1', description: 'AWS region the stack is deployed in' },
  stage: { default: 'prod', description: 'API Gateway stage (`api.stageName` in the CDK context `clv`)' },
};

/** The committed document: the served one, with server variables and the local server of `npm start`. */
export function publishedOpenApiDocument(): Record<string, unknown> {
  const document = openApiDocument(ROUTES, DEPLOYED_SERVER_URL);
  return {
    ...document,
    servers: [
      {
        url: DEPLOYED_SERVER_URL,
        description: 'Deployed stack (`npx cdk deploy`); the `ApiUrl` output',
        variables: SERVER_VARIABLES,
      },
      { url: 'http://127.0.0.1:8787', description: '`npm start` (key printed at start-up)' },
    ],
  };
}

/** The file's exact text: 2-space JSON and a trailing newline. */
export function publishedOpenApiJson(): string {
  return `${JSON.stringify(publishedOpenApiDocument(), null, 2)}\n`;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  await writeFile(OPENAPI_PATH, publishedOpenApiJson());
  console.log(`Wrote ${OPENAPI_PATH}`);
}
