/**
 * The OpenAPI 3.1 document, generated from the routes' zod schemas (parameters and rows), served at
 * GET /v1/openapi.json and written to docs/openapi.json (`npm run openapi`).
 */
import { z } from 'zod';
import { noPath, noQuery } from './params.js';
import { defineRoute, type Route } from './route-types.js';

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
};

const shapeOf = (schema: z.ZodType): Record<string, z.ZodType> =>
  (schema as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};

const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      description: '400 only: every invalid parameter',
      items: {
        type: 'object',
        required: ['parameter', 'message'],
        properties: {
          parameter: { type: 'string' },
          message: { type: 'string' },
          allowed: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
};

const OPENAPI_ID = 'getOpenApi';

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

function operation(route: Route, isList: boolean): Record<string, unknown> {
  const pathParameters = Object.entries(shapeOf(route.params)).map(([name, schema]) => ({
    name,
    in: 'path',
    required: true,
    schema: jsonSchema(schema, 'input'),
  }));
  const queryParameters = Object.entries(shapeOf(route.query)).map(([name, schema]) => {
    // A parameter whose wire string parses to another type documents that type (`openapi` in its meta).
    const { description, openapi, ...rest } = jsonSchema(schema, 'input');
    return {
      name,
      in: 'query',
      required: false,
      ...(description ? { description } : {}),
      schema: openapi ?? rest,
    };
  });
  const pages = 'cursor' in shapeOf(route.query);
  const errors: Record<string, unknown> = {
    '400': problem('Invalid parameter: `errors` names each one and what it allows'),
    '403': problem('Missing or invalid API key (API Gateway); also any path not listed here'),
  };
  if (route.id !== OPENAPI_ID) errors['404'] = problem('Unknown run, segment or customer');
  if (!route.csv) errors['406'] = problem('Accept asks for CSV; this route is JSON only');
  if (pages) errors['410'] = problem('The run a cursor was paging has been replaced; start again');
  errors['429'] = problem('Throttled: usage plan rate or quota, or the table is busy; see Retry-After');
  errors['500'] = problem('Unexpected error; quote requestId');
  const row = jsonSchema(route.row, 'output');
  const body = isList
    ? {
        type: 'object',
        required: ['items', 'nextCursor'],
        properties: {
          run: {
            type: 'object',
            description: 'The run every item belongs to (run-scoped lists)',
            properties: { runId: { type: 'string' }, exportDate: { type: 'string', format: 'date' } },
          },
          items: { type: 'array', items: row },
          nextCursor: {
            type: ['string', 'null'],
            description: 'Pass back as `cursor`; null on the last page',
          },
        },
      }
    : row;
  const content: Record<string, unknown> = { 'application/json': { schema: body } };
  if (route.csv)
    content['text/csv'] = { schema: { type: 'string', description: 'RFC 4180 with a header row' } };
  return {
    operationId: route.id,
    summary: route.summary,
    description: route.description,
    parameters: [...pathParameters, ...queryParameters],
    responses: {
      '200': {
        description: isList ? 'A page; `Link: <...>; rel="next"` when there is more' : 'OK',
        content,
      },
      ...errors,
    },
  };
}

/** The OpenAPI 3.1 document of `routes` served under `serverUrl`. */
export function openApiDocument(routes: readonly Route[], serverUrl: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const route of routes) {
    const isList = 'limit' in shapeOf(route.query);
    paths[route.path] = { get: operation(route, isList) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'CLV engine query API',
      version: '1.0.0',
      description:
        'Customer lifetime value and acquisition cost by customer, segment and run. Definitions: docs/metrics.md.',
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
      schemas: { Problem: problemSchema },
    },
  };
}

/** GET /v1/openapi.json over the given data routes. */
export function openApiRoute(dataRoutes: readonly Route[]): Route {
  const self: Route = defineRoute({
    id: OPENAPI_ID,
    path: '/v1/openapi.json',
    summary: 'This API as OpenAPI 3.1',
    description: 'Generated from the same zod schemas that validate requests.',
    query: noQuery,
    params: noPath,
    row: z.object({}).passthrough(),
    shapedBy: [],
    handle: async ({ baseUrl }) => ({
      kind: 'document',
      body: openApiDocument([...dataRoutes, self], baseUrl),
    }),
  });
  return self;
}
