/**
 * CORS is closed: no response of the function carries an Access-Control-* header, so a browser page on
 * another origin cannot read the API's answers (the gateway side: test/infra/query-api.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lambdas/platform/logger.js';
import { makeApi, ROUTES } from '../../lambdas/serve/api.js';
import type { ApiRequest } from '../../lambdas/serve/http.js';
import { customers } from '../publish/fixture.js';
import { apiRequest } from './api-request.js';
import { memoryReader, memoryRun } from './memory-reader.js';

const RUN = '2026-01-01T020000000Z';
const PARAMS: Record<string, string> = {
  runId: RUN,
  dimension: 'country',
  value: 'DE',
  customerId: 'c00001',
};
const ORIGIN = { origin: 'https://evil.example', 'access-control-request-method': 'GET' };

const api = makeApi({
  reader: memoryReader([memoryRun(RUN, '2026-01-01', customers(30, 1), ['country'])], RUN),
  log: silentLogger,
});

const request = (method: string, path: string, query: Record<string, string> = {}): ApiRequest =>
  apiRequest(path, query, { method, headers: ORIGIN });

const pathOf = (template: string): string =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => PARAMS[name] ?? '');

describe('CORS', () => {
  it.each(ROUTES.map((route) => route.path))(
    'answers GET %s from another origin without CORS headers',
    async (path) => {
      // Act
      const response = await api(request('GET', pathOf(path)));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(Object.keys(response.headers).filter((name) => /^access-control-/i.test(name))).toEqual([]);
    },
  );

  it.each([
    ['a preflight OPTIONS', request('OPTIONS', '/v1/customers'), 405],
    ['an unknown path', request('GET', '/v1/nothing'), 404],
    ['a bad parameter', request('GET', '/v1/customers', { limit: '0' }), 400],
  ])('answers %s with a problem and no CORS headers', async (_, req, status) => {
    // Act
    const response = await api(req);

    // Assess
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(Object.keys(response.headers).filter((name) => /^access-control-/i.test(name))).toEqual([]);
  });
});
