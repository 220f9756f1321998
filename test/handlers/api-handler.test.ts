import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeApiHandler, toApiRequest } from '../../lambdas/handlers/api-handler.js';
import { silentLogger } from '../../lambdas/platform/logger.js';
import { makeApi } from '../../lambdas/serve/api.js';
import { customers } from '../publish/fixture.js';
import { memoryReader, memoryRun } from '../serve/memory-reader.js';

const fixture = (name: string): APIGatewayProxyEvent =>
  JSON.parse(readFileSync(new URL(`../fixtures/apigw/${name}`, import.meta.url), 'utf8'));

describe('API Gateway REST proxy events → ApiRequest', () => {
  it('takes the stage into the base URL and the last value of a repeated parameter', () => {
    // Act
    const request = toApiRequest(fixture('customers-page.json'));

    // Assess
    expect(request).toMatchObject({
      method: 'GET',
      path: '/v1/customers',
      baseUrl: 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod',
      query: { segment: 'acquisition_channel:paid search', limit: '2', sort: 'revenue' },
      requestId: '5f0e1c2a-8d3b-4e6f-9a7c-1b2d3e4f5a6b',
    });
    expect(request.headers['x-api-key']).toBe('redacted-key');
  });

  it('keeps a custom domain base path and a customer id holding "/" and a space', () => {
    const request = toApiRequest(fixture('customer-custom-domain.json'));
    expect(request.baseUrl).toBe('https://analytics.example.com/clv');
    expect(request.path).toBe('/v1/customers/ACME%2F42%20b');
    expect(request.headers.accept).toBe('text/csv');
  });
});

describe('the handler on API Gateway events', () => {
  const CUSTOMER = 'ACME/42 b';
  const list = customers(40, 7).map((c, i) => (i === 3 ? { ...c, customerId: CUSTOMER } : c));
  const reader = memoryReader(
    [memoryRun('2026-01-01T020000000Z', '2026-01-01', list, ['acquisition_channel'])],
    '2026-01-01T020000000Z',
  );
  const handler = makeApiHandler(makeApi({ reader, log: silentLogger }));

  it('answers a page with a Link to the same stage URL and an unknown segment with a 404 problem', async () => {
    // Prepare
    const event = fixture('customers-page.json');
    const known = {
      ...event,
      queryStringParameters: { segment: 'acquisition_channel:ads', limit: '2' },
      multiValueQueryStringParameters: { segment: ['acquisition_channel:ads'], limit: ['2'] },
    };

    // Act
    const page = await handler(known);
    const missing = await handler(event);

    // Assess
    expect(page.statusCode).toBe(200);
    expect(JSON.parse(page.body).items).toHaveLength(2);
    expect(page.headers?.link).toMatch(
      /^<https:\/\/abc123defg\.execute-api\.eu-west-1\.amazonaws\.com\/prod\/v1\/customers\?segment=acquisition_channel%3Aads&limit=2&cursor=[A-Za-z0-9_-]+>; rel="next"$/,
    );
    expect(missing.statusCode).toBe(404);
    expect(missing.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(missing.body).detail).toContain('acquisition_channel=paid search');
  });

  it('finds the customer whose id holds "/" and answers its history as CSV', async () => {
    // Act
    const response = await handler(fixture('customer-custom-domain.json'));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toMatch(/^text\/csv/);
    const lines = response.body.trimEnd().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]?.startsWith(`${CUSTOMER},2026-01-01T020000000Z,`)).toBe(true);
  });
});
