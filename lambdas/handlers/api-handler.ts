import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Api } from '../serve/api.js';
import type { ApiRequest } from '../serve/http.js';

/**
 * The route path of a REST API proxy event, rebuilt from its resource template and decoded path
 * parameters (re-encoded), so ids holding `/`, `%` or spaces survive whatever `event.path` looks like.
 */
function routePath(event: APIGatewayProxyEvent): string {
  const params = event.pathParameters ?? {};
  return event.resource.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

/**
 * The public URL up to the route: scheme, host, and what precedes the route in the request path —
 * the stage on the execute-api domain, a base-path mapping (or nothing) on a custom domain.
 */
function baseUrl(event: APIGatewayProxyEvent, headers: Record<string, string>): string {
  const context = event.requestContext;
  const proto = headers['x-forwarded-proto'] ?? 'https';
  const host = context.domainName ?? headers.host ?? 'localhost';
  const routeSegments = event.resource.split('/').length - 1;
  const requestSegments = (context.path ?? '').split('/');
  const prefix =
    requestSegments.length - 1 >= routeSegments
      ? requestSegments.slice(0, requestSegments.length - routeSegments).join('/')
      : `/${context.stage}`;
  return `${proto}://${host}${prefix}`;
}

/** API Gateway REST proxy event → ApiRequest → the API → proxy result. */
export function toApiRequest(event: APIGatewayProxyEvent): ApiRequest {
  // No prototypes: a header or parameter named `__proto__` is data (the route refuses an unknown
  // parameter), not a write to Object.prototype that silently drops it.
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const query: Record<string, string> = Object.create(null);
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    const last = values?.at(-1);
    if (last !== undefined) query[name] = last;
  }
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined && !(name in query)) query[name] = value;
  }
  return {
    method: event.httpMethod,
    path: routePath(event),
    query,
    headers,
    baseUrl: baseUrl(event, headers),
    requestId: event.requestContext.requestId,
  };
}

/** The Lambda handler over an API (handlers/query-api.ts for AWS, bin/local for loopback). */
export function makeApiHandler(api: Api): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  return async (event) => {
    const response = await api(toApiRequest(event));
    return { statusCode: response.statusCode, headers: { ...response.headers }, body: response.body };
  };
}
