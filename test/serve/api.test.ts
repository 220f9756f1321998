import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lambdas/platform/logger.js';
import { makeApi } from '../../lambdas/serve/api.js';
import type { ApiRequest, ApiResponse } from '../../lambdas/serve/http.js';
import { customers } from '../publish/fixture.js';
import { type MemoryReader, memoryReader, memoryRun } from './memory-reader.js';

const BASE = 'https://api.example.test/prod';
const RUN_1 = '2026-01-01T020000000Z';
const RUN_2 = '2026-01-02T020000000Z';
const DIMENSIONS = ['acquisition_channel', 'country'];

function request(
  path: string,
  query: Record<string, string> = {},
  headers: Record<string, string> = {},
): ApiRequest {
  return { method: 'GET', path, query, headers, baseUrl: BASE, requestId: 'req-1' };
}

function setup(): { reader: MemoryReader; call: (r: ApiRequest) => Promise<ApiResponse> } {
  const reader = memoryReader(
    [
      memoryRun(RUN_1, '2026-01-01', customers(120, 1), DIMENSIONS),
      memoryRun(RUN_2, '2026-01-02', customers(150, 2), DIMENSIONS),
    ],
    RUN_2,
  );
  return { reader, call: makeApi({ reader, log: silentLogger }) };
}

const json = (response: ApiResponse): Record<string, unknown> => JSON.parse(response.body);

/** The `cursor` of a Link header's next URL, checking the rest of the URL equals `expectedWithout`. */
function nextFromLink(response: ApiResponse): URL | null {
  const link = response.headers.link;
  if (!link) return null;
  const match = /^<([^>]+)>; rel="next"$/.exec(link);
  expect(match).not.toBeNull();
  return new URL(match?.[1] ?? '');
}

describe('routing and formats', () => {
  it('answers the summary of the current run as JSON numbers', async () => {
    // Prepare
    const { call, reader } = setup();

    // Act
    const response = await call(request('/v1/summary'));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = json(response);
    const business = reader.runs[1]?.record.business;
    expect(body).toMatchObject({
      runId: RUN_2,
      customers: 150,
      meanClv: business?.meanClv,
      annualChurn: 0.25,
    });
    expect(typeof body.netRevenue).toBe('number');
  });

  it('treats /v1/runs/current as the current run, not a run id', async () => {
    const { call } = setup();
    const response = await call(request('/v1/runs/current'));
    expect(response.statusCode).toBe(200);
    expect(json(response)).toMatchObject({ runId: RUN_2, current: true, status: 'published' });
  });

  it('gives CSV with a header row for format=csv and for Accept: text/csv', async () => {
    // Prepare
    const { call } = setup();

    // Act
    const byParam = await call(request('/v1/segments', { dimension: 'country', format: 'csv' }));
    const byHeader = await call(request('/v1/segments', { dimension: 'country' }, { accept: 'text/csv' }));

    // Assess
    expect(byParam.headers['content-type']).toMatch(/^text\/csv/);
    expect(byHeader.body).toBe(byParam.body);
    const lines = byParam.body.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^dimension,value,runId,exportDate,customers,/);
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[1])
        .sort(),
    ).toEqual(['DE', 'FR', 'NL', 'unknown']);
  });

  it('lists every dimension, _all first, when no dimension is given', async () => {
    const { call } = setup();
    const body = json(await call(request('/v1/segments')));
    const items = body.items as Array<{ dimension: string; customers: number }>;
    expect(items[0]).toMatchObject({ dimension: '_all', customers: 150 });
    for (const d of DIMENSIONS) {
      expect(items.filter((s) => s.dimension === d).reduce((n, s) => n + s.customers, 0)).toBe(150);
    }
  });

  it('404s an unknown route, run, dimension, segment and customer with problem+json', async () => {
    const { call } = setup();
    const cases = [
      request('/v1/nothing'),
      request('/v1/runs/2020-01-01T000000Z'),
      request('/v1/segments', { dimension: 'planet' }),
      request('/v1/customers', { segment: 'country:XX' }),
      request('/v1/customers/nobody'),
      request('/v1/segments/country/XX/history'),
    ];
    for (const r of cases) {
      const response = await call(r);
      expect(response.statusCode, r.path).toBe(404);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(json(response)).toMatchObject({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        instance: r.path,
      });
    }
  });

  it('refuses to serve a run that is not published', async () => {
    // Prepare
    const { call, reader } = setup();
    reader.runs.push(memoryRun('2026-01-03T020000000Z', '2026-01-03', customers(5, 3), [], 'publishing'));

    // Act
    const response = await call(request('/v1/summary', { run: '2026-01-03T020000000Z' }));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(json(response).detail).toMatch(/publishing, not published/);
  });
});

describe('400s name the parameter and what it allows', () => {
  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '1001' }, 'limit'],
    [{ limit: '10.5' }, 'limit'],
    [{ sort: 'name' }, 'sort'],
    [{ order: 'up' }, 'order'],
    [{ segment: 'country' }, 'segment'],
    [{ run: 'yesterday' }, 'run'],
    [{ format: 'xml' }, 'format'],
    [{ cursor: 'not-a-cursor' }, 'cursor'],
    [{ colour: 'red' }, 'colour'],
  ])('GET /v1/customers?%o → 400 naming %s', async (query, parameter) => {
    // Prepare
    const { call } = setup();

    // Act
    const response = await call(request('/v1/customers', query));

    // Assess
    expect(response.statusCode).toBe(400);
    const body = json(response) as { errors: Array<{ parameter: string; allowed?: string[] }> };
    expect(body.errors.map((e) => e.parameter)).toContain(parameter);
    if (parameter === 'sort') expect(body.errors[0]?.allowed).toEqual(['clv', 'revenue', 'orders']);
  });

  it('rejects from after to, and history combined with run', async () => {
    const { call } = setup();
    const range = await call(
      request('/v1/segments/country/DE/history', { from: '2026-02-01', to: '2026-01-01' }),
    );
    expect(range.statusCode).toBe(400);
    const both = await call(request('/v1/customers/c00001', { history: 'true', run: RUN_1 }));
    expect(json(both)).toMatchObject({ status: 400, errors: [{ parameter: 'run' }] });
  });
});

describe('paging', () => {
  it('pages every customer of a segment through Link headers, none skipped or repeated, same URL but cursor', async () => {
    // Prepare
    const { call, reader } = setup();
    const expected = reader.runs[1]?.customers.filter((c) => c.acquisitionChannel === 'ads') ?? [];
    const query = { segment: 'acquisition_channel:ads', limit: '7', sort: 'revenue', order: 'asc' };

    // Act
    const seen: Array<{ customerId: string; netRevenue: number }> = [];
    let next: URL | null = null;
    let pages = 0;
    do {
      const q: Record<string, string> = next ? Object.fromEntries(next.searchParams) : query;
      if (next) {
        expect(`${next.origin}${next.pathname}`).toBe(`${BASE}/v1/customers`);
        const { cursor: _cursor, ...rest } = q;
        expect(rest).toEqual(query);
      }
      const response = await call(request('/v1/customers', q));
      expect(response.statusCode).toBe(200);
      const body = json(response) as { items: typeof seen; nextCursor: string | null };
      seen.push(...body.items);
      next = nextFromLink(response);
      expect(next?.searchParams.get('cursor') ?? null).toBe(body.nextCursor);
      pages++;
    } while (next);

    // Assess
    expect(pages).toBe(Math.ceil(expected.length / 7));
    expect(seen.map((c) => c.customerId).sort()).toEqual(expected.map((c) => c.customerId).sort());
    const revenue = seen.map((c) => Math.round(c.netRevenue * 100));
    expect(revenue).toEqual([...revenue].sort((a, b) => a - b));
  });

  it('keeps paging the run it started on when the pointer moves, and says 410 once that run is gone', async () => {
    // Prepare
    const { call, reader } = setup();
    reader.pointer = RUN_1;
    const first = await call(request('/v1/customers', { limit: '50' }));
    const cursor = String(json(first).nextCursor);

    // Act: the nightly job publishes RUN_2 between page 1 and page 2
    reader.pointer = RUN_2;
    const second = await call(request('/v1/customers', { limit: '50', cursor }));
    reader.runs.splice(0, 1);
    const gone = await call(request('/v1/customers', { limit: '50', cursor }));

    // Assess
    expect(first.headers['x-run-id']).toBe(RUN_1);
    expect(second.headers['x-run-id']).toBe(RUN_1);
    expect(json(second).run).toEqual({ runId: RUN_1, exportDate: '2026-01-01' });
    expect(gone.statusCode).toBe(410);
  });

  it('refuses a cursor replayed with other parameters', async () => {
    const { call } = setup();
    const first = await call(request('/v1/customers', { limit: '5', sort: 'clv' }));
    const cursor = String(json(first).nextCursor);
    const replay = await call(request('/v1/customers', { limit: '5', sort: 'orders', cursor }));
    expect(replay.statusCode).toBe(400);
    expect(json(replay)).toMatchObject({ errors: [{ parameter: 'cursor' }] });
    const otherLimit = await call(request('/v1/customers', { limit: '9', sort: 'clv', cursor }));
    expect(otherLimit.statusCode).toBe(200);
  });

  it('pages in-memory lists (runs, segments, histories) by offset and ends with nextCursor null', async () => {
    const { call } = setup();
    const first = json(await call(request('/v1/segments', { limit: '3' })));
    expect((first.items as unknown[]).length).toBe(3);
    const all: unknown[] = [...(first.items as unknown[])];
    let cursor = first.nextCursor as string | null;
    while (cursor) {
      const page = json(await call(request('/v1/segments', { limit: '3', cursor })));
      all.push(...(page.items as unknown[]));
      cursor = page.nextCursor as string | null;
    }
    const full = json(await call(request('/v1/segments', { limit: '1000' })));
    expect(all).toEqual(full.items);
    expect(full.nextCursor).toBeNull();
  });
});

describe('customers', () => {
  it('gives one customer with attributes, and its history newest first', async () => {
    const { call } = setup();
    const one = json(await call(request('/v1/customers/c00001')));
    expect(one).toMatchObject({
      customerId: 'c00001',
      runId: RUN_2,
      attributes: { country: 'FR', plan: 'pro' },
    });
    expect(one).toHaveProperty('rfmSegment');
    const history = json(await call(request('/v1/customers/c00001', { history: 'true' })));
    expect((history.items as Array<{ runId: string }>).map((h) => h.runId)).toEqual([RUN_2, RUN_1]);
  });

  it('keeps one CSV header on every page of a history whose attributes change between runs', async () => {
    // Prepare: the customer has no attributes in the older run
    const { call, reader } = setup();
    const older = reader.runs[0] as (typeof reader.runs)[number];
    reader.runs[0] = {
      ...older,
      customers: older.customers.map((c) => (c.customerId === 'c00001' ? { ...c, attributes: {} } : c)),
    };

    // Act
    const first = await call(request('/v1/customers/c00001', { history: 'true', format: 'csv', limit: '1' }));
    const cursor = new URL(/<([^>]+)>/.exec(first.headers.link ?? '')?.[1] ?? 'http://x').searchParams.get(
      'cursor',
    );
    const second = await call(
      request('/v1/customers/c00001', { history: 'true', format: 'csv', limit: '1', cursor: cursor ?? '' }),
    );

    // Assess
    const header = (r: ApiResponse) => r.body.split('\r\n')[0];
    expect(header(first)).toBe(header(second));
    expect(header(second)).toMatch(/,attribute\.country,attribute\.plan$/);
    expect(second.body.split('\r\n')[1]?.endsWith(',,')).toBe(true);
  });

  it('spreads attributes into attribute.<name> CSV columns', async () => {
    const { call } = setup();
    const csv = (await call(request('/v1/customers/c00001', { format: 'csv' }))).body.trimEnd().split('\r\n');
    const header = csv[0]?.split(',') ?? [];
    expect(header.slice(-2)).toEqual(['attribute.country', 'attribute.plan']);
    expect(csv[1]?.split(',').slice(-2)).toEqual(['FR', 'pro']);
  });
});

describe('failures', () => {
  it('turns DynamoDB throttling into 429 with Retry-After', async () => {
    // Prepare
    const { reader, call } = setup();
    reader.currentRun = async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    };

    // Act
    const response = await call(request('/v1/summary'));

    // Assess
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('1');
  });

  it('answers 500 without internals and logs the failure', async () => {
    // Prepare
    const { reader } = setup();
    const logged: Array<Record<string, unknown>> = [];
    const log = {
      ...silentLogger,
      error: (_m: string, f?: Record<string, unknown>) => void logged.push(f ?? {}),
    };
    reader.getRun = async () => {
      throw new Error('socket hang up at 10.0.0.1');
    };
    const call = makeApi({ reader, log });

    // Act
    const response = await call(request('/v1/runs/current'));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('10.0.0.1');
    expect(json(response).requestId).toBe('req-1');
    expect(logged[0]).toMatchObject({
      route: 'getCurrentRun',
      error: { message: 'socket hang up at 10.0.0.1' },
    });
  });
});
