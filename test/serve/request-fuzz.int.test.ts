/**
 * Request fuzzing over real HTTP (bin/local's loopback server → the Lambda handler → dynalite): 1,200
 * fast-check-generated malformed requests on every route, half of them tampered cursors made from
 * cursors the API issued. Every answer must be a 4xx problem+json (or a 200 whose rows belong to the
 * run and segment the request named), never a 5xx, never rows of another segment or run, and never
 * rows of a run that is still publishing. The oracle is fuzz-oracle.ts.
 */
import { type Agent, Agent as HttpAgent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../../bin/local/api-server.js';
import { makeApiHandler } from '../../lambdas/handlers/api-handler.js';
import { silentLogger } from '../../lambdas/platform/logger.js';
import { makeResultsReader } from '../../lambdas/publish/results-reader.js';
import { makeResultsStore } from '../../lambdas/publish/results-store.js';
import { makeApi } from '../../lambdas/serve/api.js';
import { type LocalAws, startLocalAws } from '../support/local-aws.js';
import type { IssuedCursor } from './fuzz-cursors.js';
import { tamperedCursors } from './fuzz-cursors.js';
import { publishFuzzRuns, RUN_A, type Truth } from './fuzz-fixture.js';
import { type FuzzRequest, type FuzzResponse, type RouteKind, violations } from './fuzz-oracle.js';
import { malformedRequests } from './fuzz-requests.js';

const KEY = 'fuzz-test-key';
const REQUESTS = 1200;
const CONCURRENCY = 8;

let aws: LocalAws;
let api: LocalApi;
let agent: Agent;
let truth: Truth;
const issued: IssuedCursor[] = [];
const sentOperations = new Set<string>();

/** Sends the target as it is (no client-side URL normalisation), with the key. */
function send(method: string, target: string): Promise<FuzzResponse> {
  const { port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path: target, agent, headers: { 'x-api-key': KEY } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The first page's cursor of a list, with the run the page declared. */
async function issue(kind: RouteKind, path: string, query: string): Promise<void> {
  const response = await send('GET', `${path}?${query}`);
  expect(response.status, `${path}?${query}`).toBe(200);
  const body = JSON.parse(response.body) as { nextCursor: string | null };
  expect(body.nextCursor, `${path}?${query} has a second page`).toEqual(expect.any(String));
  const runId = response.headers['x-run-id'];
  issued.push({
    kind,
    path,
    query,
    cursor: String(body.nextCursor),
    runId: typeof runId === 'string' ? runId : null,
    explicitRun: query.includes('run='),
  });
}

async function issueCursors(): Promise<void> {
  for (const run of ['', `run=${RUN_A}&`]) {
    for (const segment of ['_all:_all', 'acquisition_channel:ads', 'country:DE']) {
      for (const order of ['sort=clv&order=desc', 'sort=revenue&order=asc', 'sort=orders&order=desc']) {
        await issue(
          'customers',
          '/v1/customers',
          `${run}segment=${encodeURIComponent(segment)}&${order}&limit=7`,
        );
      }
    }
    await issue('segments', '/v1/segments', `${run}limit=2`);
    await issue('segments', '/v1/segments', `${run}dimension=country&limit=1`);
  }
  await issue('runs', '/v1/runs', 'limit=1');
  await issue('segmentHistory', '/v1/segments/acquisition_channel/ads/history', 'limit=1');
  await issue('customer', '/v1/customers/c00001', 'history=true&limit=1');
}

beforeAll(async () => {
  aws = await startLocalAws('fuzz-exports', 'fuzz-results');
  truth = await publishFuzzRuns(makeResultsStore(aws.ddb, aws.table, { shardSize: 25 }));
  // Every DynamoDB operation the API sends from here on, to hold against its IAM grant.
  aws.ddb.middlewareStack.add(
    (next, context) => async (args) => {
      sentOperations.add(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordApiOperations' },
  );
  const handler = makeApiHandler(
    makeApi({ reader: makeResultsReader(aws.ddb, aws.table), log: silentLogger }),
  );
  api = await startLocalApi({ handler, apiKey: KEY, port: 0 });
  agent = new HttpAgent({ keepAlive: true, maxSockets: CONCURRENCY });
  await issueCursors();
});

afterAll(async () => {
  agent?.destroy();
  await api?.close();
  await aws?.close();
});

describe('request fuzzing over HTTP', () => {
  it('answers 1,200 malformed requests with 4xx problem+json or rows of the asked run and segment, never 5xx', async () => {
    // Prepare: a fixed seed, so a failure can be replayed
    const requests: FuzzRequest[] = fc.sample(fc.oneof(malformedRequests(truth), tamperedCursors(issued)), {
      numRuns: REQUESTS,
      seed: 20_260_301,
    });

    // Act
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const byGenerator = new Map<string, number>();
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < requests.length; i = next++) {
        const request = requests[i] as FuzzRequest;
        const response = await send(request.method, request.target);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        byGenerator.set(request.label, (byGenerator.get(request.label) ?? 0) + 1);
        for (const problem of violations(request, response, truth)) {
          failures.push(`${request.label}: ${request.method} ${request.target.slice(0, 300)} → ${problem}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    // Assess
    const sent = [...statuses.values()].reduce((a, b) => a + b, 0);
    console.info(
      `request fuzz: ${sent} requests; by status ${JSON.stringify(Object.fromEntries(statuses))}; ` +
        `by generator ${JSON.stringify(Object.fromEntries([...byGenerator].sort()))}`,
    );
    expect(sent).toBeGreaterThanOrEqual(1000);
    expect(failures.slice(0, 25)).toEqual([]);
    // The oracle's 200 branch ran: some tampered cursors were still legal and were checked row by row.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    // The function's IAM grant (test/infra/query-api.test.ts) is exactly what it needed under fuzzing.
    expect([...sentOperations].map((name) => `dynamodb:${name.replace(/Command$/, '')}`).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
  });

  it('survives request targets no URL parser accepts and a __proto__ parameter, answering 400', async () => {
    // Act: raw request lines, as no HTTP client would write them
    const { port } = new URL(api.url);
    const statusLine = (target: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nx-api-key: ${KEY}\r\nConnection: close\r\n\r\n`),
        );
        let data = '';
        socket.on('data', (chunk) => {
          data += chunk;
        });
        socket.on('close', () => resolve(data.split('\r\n')[0] ?? ''));
        socket.on('error', reject);
      });
    const lines = [
      await statusLine('http://[/v1/runs'),
      await statusLine('http://a:99999/v1/runs'),
      await statusLine('/v1/runs?__proto__=1'),
    ];
    const after = await send('GET', '/v1/runs/current');

    // Assess
    expect(lines).toEqual(Array(3).fill('HTTP/1.1 400 Bad Request'));
    expect(after.status).toBe(200);
  });
});
