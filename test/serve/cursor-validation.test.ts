/**
 * The API cursor is readable and its fingerprint computable by anyone, so it is validated rather than
 * trusted: its shape and run id (paging.ts), and that the run it pins is one the query may read
 * (cursor-checks.ts, run-resolution.ts). Store positions are checked in store-cursor.test.ts.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { toApiRequest } from '../../lambdas/handlers/api-handler.js';
import { silentLogger } from '../../lambdas/platform/logger.js';
import type { ResultsReader } from '../../lambdas/publish/results-store.js';
import { makeApi } from '../../lambdas/serve/api.js';
import type { ApiRequest, ApiResponse } from '../../lambdas/serve/http.js';
import { decodeCursor, encodeCursor } from '../../lambdas/serve/paging.js';
import { BadRequestError } from '../../lambdas/serve/serve-errors.js';
import { customers } from '../publish/fixture.js';
import { apiRequest } from './api-request.js';
import { memoryReader, memoryRun } from './memory-reader.js';

const RUN_1 = '2026-01-01T020000000Z';
const RUN_2 = '2026-01-02T020000000Z';
const FAILED = '2026-01-03T020000000Z';
const FINGERPRINT = 'abcdefghijklmnop';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const envelope = (r: unknown, p: unknown, q: unknown = FINGERPRINT) => b64({ v: 1, r, q, p });

function refusal(cursor: string): string {
  try {
    decodeCursor(cursor, FINGERPRINT);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    return (error as BadRequestError).problems.map((p) => `${p.parameter}: ${p.message}`).join('; ');
  }
  return 'accepted';
}

describe('decodeCursor', () => {
  it.each([
    [{ runId: RUN_1, position: 'eyJ2IjoyfQ' }],
    [{ runId: null, position: 0 }],
    [{ runId: RUN_2, position: 2 ** 40 }],
  ])('reads back what encodeCursor wrote: %o', (cursor) => {
    expect(decodeCursor(encodeCursor(cursor, FINGERPRINT), FINGERPRINT)).toEqual(cursor);
  });

  it.each([
    ['base64 padding', `${envelope(RUN_1, 3)}==`],
    ['a "." the decoder would skip', `${envelope(RUN_1, 3)}.`],
    ['standard base64 characters', envelope(RUN_1, 3).replace(/./, '+')],
    ['no JSON inside', 'bm90IGpzb24'],
    ['another version', b64({ v: 2, r: RUN_1, q: FINGERPRINT, p: 3 })],
    ['an empty run id', envelope('', 3)],
    ['a run id with a key separator', envelope(`${RUN_1}#DIM#country`, 3)],
    ['a run id with traversal', envelope(`../${RUN_1}`, 3)],
    ['a run id longer than any key', envelope(`2026-01-01T${'x'.repeat(3000)}`, 3)],
    ['a run id that is a number', envelope(20260101, 3)],
    ['a negative offset', envelope(RUN_1, -1)],
    ['a fractional offset', envelope(RUN_1, 1.5)],
    ['an offset beyond 2^53', envelope(RUN_1, 2 ** 53)],
    ['a position that is an object', envelope(RUN_1, { k: [] })],
  ])('refuses a cursor with %s as not issued by the API', (_, cursor) => {
    expect(refusal(cursor)).toBe('cursor: not a cursor this API issued; pass nextCursor back unchanged');
  });

  it('refuses a well-formed cursor of another query, saying so', () => {
    expect(refusal(envelope(RUN_1, 3, 'ponmlkjihgfedcba'))).toMatch(
      /^cursor: issued for other query parameters/,
    );
  });
});

function setup(reader: ResultsReader = defaultReader()): (r: ApiRequest) => Promise<ApiResponse> {
  return makeApi({ reader, log: silentLogger });
}

function defaultReader() {
  return memoryReader(
    [
      memoryRun(RUN_1, '2026-01-01', customers(40, 1), ['country']),
      memoryRun(RUN_2, '2026-01-02', customers(50, 2), ['country']),
      memoryRun(FAILED, '2026-01-03', customers(30, 3), ['country'], 'failed'),
    ],
    RUN_2,
  );
}

const get = (path: string, query: Record<string, string>): ApiRequest => apiRequest(path, query);

/** A real cursor of the list, with its envelope fields replaced. */
async function edited(
  call: (r: ApiRequest) => Promise<ApiResponse>,
  path: string,
  query: Record<string, string>,
  change: Record<string, unknown>,
): Promise<string> {
  const first = JSON.parse((await call(get(path, query))).body) as { nextCursor: string };
  const decoded = JSON.parse(Buffer.from(first.nextCursor, 'base64url').toString('utf8')) as object;
  return b64({ ...decoded, ...change });
}

const problem = (response: ApiResponse) => ({
  status: response.statusCode,
  type: response.headers['content-type'],
  errors: (JSON.parse(response.body) as { errors?: Array<{ parameter: string }> }).errors?.map(
    (e) => e.parameter,
  ),
});

describe('cursors whose run the query may not read', () => {
  it.each([
    ['a segment list, without its run', '/v1/segments', { limit: '2' }, { r: null }],
    ['a segment list, pinned to a failed run', '/v1/segments', { limit: '2' }, { r: FAILED }],
    ['a customer list, pinned to a failed run', '/v1/customers', { limit: '5' }, { r: FAILED }],
    ['a customer list of run 1, pinned to run 2', '/v1/customers', { limit: '5', run: RUN_1 }, { r: RUN_2 }],
    ['a segment history, with a run', '/v1/segments/country/DE/history', { limit: '1' }, { r: RUN_1 }],
    ['a customer history, with a run', '/v1/customers/c00001', { history: 'true', limit: '1' }, { r: RUN_1 }],
    ['the run list, with a run', '/v1/runs', { limit: '1' }, { r: RUN_1 }],
  ])('refuses %s with 400 problem+json naming cursor', async (_, path, query, change) => {
    // Prepare
    const call = setup();
    const cursor = await edited(call, path, query, change);

    // Act
    const response = await call(get(path, { ...query, cursor }));

    // Assess
    expect(problem(response)).toEqual({ status: 400, type: 'application/problem+json', errors: ['cursor'] });
  });

  it('lets a cursor of the current run pin another published run: what run=<id> would read anyway', async () => {
    // Prepare
    const call = setup();
    const cursor = await edited(call, '/v1/segments', { limit: '2' }, { r: RUN_1 });

    // Act
    const response = await call(get('/v1/segments', { limit: '2', cursor }));

    // Assess
    const body = JSON.parse(response.body) as { run: { runId: string }; items: Array<{ runId: string }> };
    expect(response.statusCode).toBe(200);
    expect(body.run.runId).toBe(RUN_1);
    expect(body.items.map((i) => i.runId)).toEqual([RUN_1, RUN_1]);
  });

  it('answers 400, not 500, when DynamoDB refuses the start key of a cursor, and 500 without a cursor', async () => {
    // Prepare: a store that lets a position through which DynamoDB then refuses
    const reader = defaultReader();
    const refusing: ResultsReader = {
      ...reader,
      segmentCustomers: async () => {
        throw Object.assign(new Error('The provided starting key is invalid'), {
          name: 'ValidationException',
        });
      },
    };
    const cursor = await edited(setup(), '/v1/customers', { limit: '5' }, {});

    // Act
    const withCursor = await setup(refusing)(get('/v1/customers', { limit: '5', cursor }));
    const without = await setup(refusing)(get('/v1/customers', { limit: '5' }));

    // Assess
    expect(problem(withCursor)).toEqual({
      status: 400,
      type: 'application/problem+json',
      errors: ['cursor'],
    });
    expect(without.statusCode).toBe(500);
  });

  it('refuses a cursor longer than 16,384 characters before decoding it', async () => {
    const response = await setup()(get('/v1/customers', { cursor: 'A'.repeat(16_385) }));
    expect(problem(response)).toEqual({ status: 400, type: 'application/problem+json', errors: ['cursor'] });
  });
});

describe('parameter names that are Object.prototype properties', () => {
  it.each(['__proto__', 'constructor', 'toString'])('refuses ?%s=1 as an unknown parameter', async (name) => {
    // Prepare: API Gateway's event is parsed JSON, where "__proto__" is an ordinary key
    const event = JSON.parse(
      `{"resource":"/v1/summary","path":"/v1/summary","httpMethod":"GET","headers":{"${name}":"x"},` +
        `"multiValueQueryStringParameters":{"${name}":["1"]},"queryStringParameters":{"${name}":"1"},` +
        '"pathParameters":null,"requestContext":{"requestId":"r","path":"/prod/v1/summary","stage":"prod"}}',
    ) as APIGatewayProxyEvent;

    // Act
    const response = await setup()(toApiRequest(event));

    // Assess
    expect(problem(response)).toEqual({ status: 400, type: 'application/problem+json', errors: [name] });
  });
});
