import { describe, expect, it } from 'vitest';
import { makeApiHandler } from '../../lambdas/handlers/api-handler.js';
import type { CustomerMetrics } from '../../lambdas/model/types.js';
import { silentLogger } from '../../lambdas/platform/logger.js';
import { makeApi } from '../../lambdas/serve/api.js';
import { MAX_LIMIT } from '../../lambdas/serve/params.js';
import { customers } from '../publish/fixture.js';
import { memoryReader, memoryRun } from './memory-reader.js';

/** Lambda's synchronous response limit: the JSON of the proxy result, body escaped inside it. */
const LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024;
const RUN = '2026-01-01T020000000Z';

/** Customers whose every string is `width` characters of what JSON and CSV escape most: quotes and control characters. */
function widest(n: number, width: number): CustomerMetrics[] {
  const wide = (tag: string, i: number) => `${tag}${i}${'"\u0001'.repeat(width)}`.slice(0, width);
  return customers(n, 9).map((c, i) => ({
    ...c,
    customerId: wide('c', i),
    acquisitionChannel: 'ads',
    cohortMonth: '2025-01',
    historicClv: -123456789.12345679 - i / 7,
    netRevenue: -98765432.19876543,
    averageOrderValue: 1.2345678901234568e-7,
    cac: 12345.678901234567,
    clvToCac: -1.2345678901234568e-300,
    rfm: { ...c.rfm, segment: 'potential_loyalist' },
  }));
}

async function pages(list: CustomerMetrics[], format: 'json' | 'csv') {
  const handler = makeApiHandler(
    makeApi({ reader: memoryReader([memoryRun(RUN, '2026-01-01', list, [])], RUN), log: silentLogger }),
  );
  const sizes: number[] = [];
  const counts: number[] = [];
  let cursor: string | null = null;
  do {
    const query: Record<string, string> = { limit: String(MAX_LIMIT), format, ...(cursor ? { cursor } : {}) };
    const result = await handler({
      resource: '/v1/customers',
      path: '/v1/customers',
      httpMethod: 'GET',
      headers: {},
      multiValueHeaders: {},
      queryStringParameters: query,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
      requestContext: { requestId: 'size', path: '/prod/v1/customers', stage: 'prod' } as never,
    });
    expect(result.statusCode).toBe(200);
    sizes.push(Buffer.byteLength(JSON.stringify(result), 'utf8'));
    const link = result.headers?.link as string | undefined;
    cursor = link ? new URL(/<([^>]+)>/.exec(link)?.[1] ?? '').searchParams.get('cursor') : null;
    counts.push(
      format === 'json'
        ? (JSON.parse(result.body) as { items: unknown[] }).items.length
        : (result.body.match(/\r\n/g) ?? []).length - 1,
    );
  } while (cursor);
  return { sizes, counts };
}

describe('responses stay below the 6 MB Lambda limit at the maximum page size', () => {
  it.each(['json', 'csv'] as const)(
    'a full %s page of 1,000 rows with 256-character strings fits',
    async (format) => {
      // Act
      const { sizes, counts } = await pages(widest(MAX_LIMIT, 256), format);

      // Assess: one page of all 1,000 rows, and room to spare
      expect(counts).toEqual([MAX_LIMIT]);
      expect(sizes[0]).toBeLessThan(LAMBDA_RESPONSE_LIMIT);
    },
  );

  it.each(['json', 'csv'] as const)(
    '%s rows far wider than any export cuts pages short instead of failing',
    async (format) => {
      // Prepare: 4 KB ids of quotes and control characters, about 100 KB per row once escaped twice
      const list = widest(MAX_LIMIT, 4096);

      // Act
      const { sizes, counts } = await pages(list, format);

      // Assess
      expect(counts.length).toBeGreaterThan(1);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(MAX_LIMIT);
      for (const size of sizes) expect(size).toBeLessThan(LAMBDA_RESPONSE_LIMIT);
    },
  );
});
