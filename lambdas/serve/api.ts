/**
 * The query API as one function from ApiRequest to ApiResponse: match the route, validate its
 * parameters, pick JSON or CSV, run it, and page with an opaque cursor and a `Link: rel="next"` that
 * keeps the URL (only `cursor` changes). Errors become RFC 9457 problem+json. Adapters: handlers/.
 */
import type { Logger } from '../platform/logger.js';
import type { ResultsReader } from '../publish/results-store.js';
import { toCsv } from './csv.js';
import type { ApiRequest, ApiResponse } from './http.js';
import { openApiRoute } from './openapi-route.js';
import { decodeCursor, encodeCursor, queryFingerprint } from './paging.js';
import { DEFAULT_LIMIT } from './params.js';
import { problemResponse } from './problem.js';
import type { Route, RouteOutput } from './route-types.js';
import { DATA_ROUTES } from './routes.js';
import {
  BadRequestError,
  MethodNotAllowedError,
  NotAcceptableError,
  NotFoundError,
  ServeError,
  ThrottledError,
} from './serve-errors.js';
import { parseParams } from './validate.js';

export interface ApiDeps {
  readonly reader: ResultsReader;
  readonly log: Logger;
}

export type Api = (request: ApiRequest) => Promise<ApiResponse>;

/** Every route: the data routes and GET /v1/openapi.json. */
export const ROUTES: readonly Route[] = [...DATA_ROUTES, openApiRoute(DATA_ROUTES)];

const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
]);

/** The route whose template matches `path`, with its decoded path parameters. */
export function matchRoute(
  path: string,
): { route: Route; params: Record<string, string> } | { route: null; params: null } {
  const parts = path.replace(/\/+$/, '').split('/');
  for (const route of ROUTES) {
    const template = route.path.split('/');
    if (template.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const matches = template.every((segment, i) => {
      const part = parts[i] ?? '';
      if (!segment.startsWith('{')) return segment === part;
      if (part === '') return false;
      try {
        params[segment.slice(1, -1)] = decodeURIComponent(part);
        return true;
      } catch {
        return false;
      }
    });
    // A literal segment wins over a parameter (`/v1/runs/current` is not run id "current").
    if (matches) return { route, params };
  }
  return { route: null, params: null };
}

function wantsCsv(request: ApiRequest, format: unknown): boolean {
  if (format === 'csv' || format === 'json') return format === 'csv';
  const accept = (request.headers.accept ?? '').toLowerCase();
  return accept.includes('text/csv') && !accept.includes('application/json');
}

function nextLink(request: ApiRequest, cursor: string): string {
  const query = new URLSearchParams({ ...request.query, cursor });
  return `${request.baseUrl}${request.path}?${query.toString()}`;
}

function render(route: Route, request: ApiRequest, output: RouteOutput, csv: boolean, next: string | null) {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (output.kind === 'list' && output.run) headers['x-run-id'] = output.run.runId;
  if (output.kind === 'object' && typeof output.row.runId === 'string')
    headers['x-run-id'] = output.row.runId;
  if (next) headers.link = `<${nextLink(request, next)}>; rel="next"`;
  if (output.kind === 'document') {
    return {
      statusCode: 200,
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(output.body),
    };
  }
  if (csv && route.csv) {
    const rows = output.kind === 'list' ? output.rows : [output.row];
    const columns = route.csv.columns(output.kind === 'list' ? (output.columnRows ?? rows) : rows);
    return {
      statusCode: 200,
      headers: { ...headers, 'content-type': 'text/csv; charset=utf-8; header=present' },
      body: toCsv(columns, rows.map(route.csv.row)),
    };
  }
  const body =
    output.kind === 'list'
      ? { ...(output.run ? { run: output.run } : {}), items: output.rows, nextCursor: next }
      : output.row;
  return {
    statusCode: 200,
    headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  };
}

async function answer(
  deps: ApiDeps,
  request: ApiRequest,
  { route, params }: ReturnType<typeof matchRoute>,
): Promise<ApiResponse> {
  if (!route) throw new NotFoundError(`No route ${request.path}; GET /v1/openapi.json lists them`);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    throw new MethodNotAllowedError(`${request.method} is not allowed; every route is GET`);
  }
  const query = parseParams(route.query, request.query) as Record<string, unknown>;
  const pathParams = parseParams(route.params, params);
  const csv = wantsCsv(request, query.format);
  if (csv && !route.csv) throw new NotAcceptableError(`${route.path} is JSON only`);
  const fingerprint = queryFingerprint(
    route.id,
    Object.fromEntries(route.shapedBy.map((k) => [k, query[k] ?? null]).concat([['path', pathParams]])),
  );
  const cursor = typeof query.cursor === 'string' ? decodeCursor(query.cursor, fingerprint) : undefined;
  const limit = typeof query.limit === 'number' ? query.limit : DEFAULT_LIMIT;
  const output = await route.handle({
    query,
    params: pathParams,
    reader: deps.reader,
    cursor,
    limit,
    baseUrl: request.baseUrl,
  });
  const next = output.kind === 'list' && output.next ? encodeCursor(output.next, fingerprint) : null;
  return render(route, request, output, csv, next);
}

function problemFor(error: unknown, request: ApiRequest): ApiResponse {
  const base = { requestId: request.requestId, instance: request.path };
  if (error instanceof BadRequestError) {
    return problemResponse({ ...base, status: 400, detail: error.message, errors: error.problems });
  }
  if (error instanceof ServeError)
    return problemResponse({ ...base, status: error.status, detail: error.message });
  if (error instanceof Error && THROTTLING.has(error.name)) {
    const throttled = new ThrottledError('The results table is busy; retry in a second', { cause: error });
    return problemResponse({
      ...base,
      status: throttled.status,
      detail: throttled.message,
      headers: { 'retry-after': '1' },
    });
  }
  return problemResponse({
    ...base,
    status: 500,
    detail: `Unexpected error; quote request id ${request.requestId}`,
  });
}

/** The API over a results reader. Logs route, status and duration per request: never parameters or rows. */
export function makeApi(deps: ApiDeps): Api {
  return async (request) => {
    const started = Date.now();
    const matched = matchRoute(request.path);
    const route = matched.route?.id ?? 'unmatched';
    let response: ApiResponse;
    try {
      response = await answer(deps, request, matched);
    } catch (error) {
      response = problemFor(error, request);
      if (response.statusCode >= 500) {
        deps.log.error('request failed', {
          route,
          error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
          requestId: request.requestId,
        });
      }
    }
    deps.log.info('request', {
      route,
      status: response.statusCode,
      bytes: Buffer.byteLength(response.body, 'utf8'),
      durationMs: Date.now() - started,
      requestId: request.requestId,
    });
    return request.method === 'HEAD' ? { ...response, body: '' } : response;
  };
}
