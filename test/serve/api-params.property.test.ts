import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lambdas/platform/logger.js';
import { makeApi } from '../../lambdas/serve/api.js';
import type { ApiRequest } from '../../lambdas/serve/http.js';
import { customers } from '../publish/fixture.js';
import { apiRequest } from './api-request.js';
import { memoryReader, memoryRun } from './memory-reader.js';

const RUN = '2026-01-01T020000000Z';
const api = makeApi({
  reader: memoryReader([memoryRun(RUN, '2026-01-01', customers(30, 5), ['acquisition_channel'])], RUN),
  log: silentLogger,
});
const get = (path: string, query: Record<string, string>): ApiRequest => apiRequest(path, query);

/** Values each parameter must refuse: generated, then filtered by an independent statement of the rule. */
const malformed: Record<string, fc.Arbitrary<string>> = {
  limit: fc.oneof(
    fc.string().filter((s) => !/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 1000),
    fc.integer({ min: 1001, max: 10_000_000 }).map(String),
    fc.constantFrom('0', '-1', '1e3', ' 5', '5 ', '0x10', '12.0'),
  ),
  sort: fc.string().filter((s) => !['clv', 'revenue', 'orders'].includes(s)),
  order: fc.string().filter((s) => s !== 'asc' && s !== 'desc'),
  format: fc.string().filter((s) => s !== 'json' && s !== 'csv'),
  segment: fc.string().filter((s) => !/^[^:]+:.+$/s.test(s) || s.indexOf(':') > 256),
  run: fc.string().filter((s) => s !== 'current' && !/^\d{4}-\d{2}-\d{2}T[0-9A-Za-z]{1,32}$/.test(s)),
  cursor: fc.string({ minLength: 1, maxLength: 200 }),
};

describe('malformed parameters (property)', () => {
  it.each(Object.keys(malformed))(
    'GET /v1/customers answers 400 naming %s for any malformed value',
    (name) => {
      return fc.assert(
        fc.asyncProperty(malformed[name] as fc.Arbitrary<string>, async (value) => {
          const response = await api(get('/v1/customers', { [name]: value }));
          expect(response.statusCode).toBe(400);
          expect(response.headers['content-type']).toBe('application/problem+json');
          const body = JSON.parse(response.body) as { errors: Array<{ parameter: string }> };
          expect(body.errors.map((e) => e.parameter)).toContain(name);
        }),
        { numRuns: 150 },
      );
    },
  );

  it('never answers 5xx to any query string on any route', () => {
    const names = [
      'limit',
      'cursor',
      'format',
      'run',
      'segment',
      'sort',
      'order',
      'dimension',
      'from',
      'to',
      'history',
    ];
    const paths = [
      '/v1/runs',
      '/v1/runs/current',
      `/v1/runs/${RUN}`,
      '/v1/summary',
      '/v1/segments',
      '/v1/segments/acquisition_channel/ads/history',
      '/v1/customers',
      '/v1/customers/c00001',
      '/v1/openapi.json',
    ];
    const query = fc.dictionary(
      fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 8 })),
      fc.string(),
      {
        maxKeys: 5,
      },
    );
    return fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), query, async (path, q) => {
        const response = await api(get(path, q));
        expect(response.statusCode).toBeLessThan(500);
        if (response.statusCode >= 400) {
          const body = JSON.parse(response.body) as { status: number; errors?: Array<{ parameter: string }> };
          expect(body.status).toBe(response.statusCode);
          for (const e of body.errors ?? []) expect(Object.keys(q)).toContain(e.parameter);
        }
      }),
      { numRuns: 400 },
    );
  });
});
