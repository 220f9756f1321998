import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEPLOYED_SERVER_URL,
  OPENAPI_PATH,
  publishedOpenApiDocument,
  publishedOpenApiJson,
} from '../../bin/openapi.js';
import { ROUTES } from '../../lambdas/serve/api.js';
import { openApiDocument } from '../../lambdas/serve/openapi-route.js';

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema?: unknown;
}

interface Operation {
  readonly operationId: string;
  readonly parameters: readonly Parameter[];
  readonly responses: Readonly<Record<string, unknown>>;
}

interface Document {
  readonly openapi: string;
  readonly servers: ReadonlyArray<{ url: string; variables?: Record<string, { default?: unknown }> }>;
  readonly paths: Readonly<Record<string, { get?: Operation }>>;
}

const templateNames = (template: string): string[] =>
  [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);

function committedText(): string {
  try {
    return readFileSync(OPENAPI_PATH, 'utf8');
  } catch {
    return '';
  }
}

describe('docs/openapi.json', () => {
  it('is what the generator produces now', () => {
    // Prepare
    const committed = committedText();

    // Act
    const generated = publishedOpenApiJson();

    // Assess
    expect(committed, 'docs/openapi.json is out of date: run npm run openapi and commit it').toBe(generated);
  });

  it('is the document the API serves, with deployment server variables', () => {
    // Prepare
    const served = openApiDocument(ROUTES, 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod');

    // Act
    const { servers, ...published } = publishedOpenApiDocument() as unknown as Document;
    const { servers: _servedServers, ...servedRest } = served;

    // Assess
    expect(published).toEqual(servedRest);
    const deployed = servers.find((s) => s.url === DEPLOYED_SERVER_URL);
    // OpenAPI 3.1 requires a default for every variable the URL template names.
    expect(Object.keys(deployed?.variables ?? {}).sort()).toEqual(templateNames(DEPLOYED_SERVER_URL).sort());
    for (const variable of Object.values(deployed?.variables ?? {})) {
      expect(typeof variable.default).toBe('string');
    }
    expect(deployed?.variables?.stage?.default).toBe('prod');
  });
});

describe('the OpenAPI document is structurally OpenAPI 3.1', () => {
  const document = publishedOpenApiDocument() as unknown as Document;
  const operations = Object.values(document.paths).flatMap((item) => (item.get ? [item.get] : []));

  it('declares version 3.1', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
  });

  it.each(ROUTES.map((route) => [route.path]))('has GET %s', (path) => {
    expect(document.paths[path]?.get, `paths["${path}"].get`).toBeDefined();
  });

  it('lists no path the API does not route', () => {
    expect(Object.keys(document.paths).sort()).toEqual(ROUTES.map((route) => route.path).sort());
  });

  it.each(Object.keys(document.paths).map((path) => [path]))(
    'declares every template parameter of %s as a required path parameter, and no other',
    (path) => {
      // Prepare
      const parameters = document.paths[path]?.get?.parameters ?? [];

      // Act
      const declared = parameters.filter((p) => p.in === 'path');

      // Assess
      expect(declared.map((p) => p.name).sort()).toEqual(templateNames(path).sort());
      for (const parameter of declared) expect(parameter.required, parameter.name).toBe(true);
    },
  );

  it('gives every operation a 200, 400 and 429 response, and 404 to every data route', () => {
    const missing = operations.flatMap((op) =>
      ['200', '400', '429', ...(op.operationId === 'getOpenApi' ? [] : ['404'])]
        .filter((status) => !(status in op.responses))
        .map((status) => `${op.operationId} ${status}`),
    );
    expect(missing).toEqual([]);
  });

  it('declares 410 exactly on the routes that page with a cursor', () => {
    const pagedWith410 = operations.map((op) => [op.operationId, '410' in op.responses]);
    const pagedByCursor = operations.map((op) => [
      op.operationId,
      op.parameters.some((p) => p.name === 'cursor'),
    ]);
    expect(pagedWith410).toEqual(pagedByCursor);
  });

  it('documents limit as the integer it is, with its bounds and default', () => {
    const limits = operations.flatMap((op) =>
      op.parameters.filter((p) => p.name === 'limit').map((p) => [op.operationId, p.schema]),
    );
    expect(Object.fromEntries(limits)).toEqual({
      listRuns: { type: 'integer', minimum: 1, maximum: 100, default: 100 },
      listSegments: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
      getSegmentHistory: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
      listCustomers: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
      getCustomer: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    });
  });

  it('has unique operationIds, the routes’ ids', () => {
    const ids = operations.map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(ROUTES.map((route) => route.id).sort());
  });
});
