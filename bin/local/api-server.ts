/**
 * The query API on 127.0.0.1 for `npm start`: node:http in front of the same Lambda handler, fed
 * API Gateway REST proxy events. Like API Gateway, it refuses requests without the API key.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { matchRoute } from '../../lambdas/serve/api.js';

export interface LocalApi {
  /** `http://127.0.0.1:<port>`: routes are under it (`/v1/...`). */
  readonly url: string;
  close(): Promise<void>;
}

export interface LocalApiOptions {
  readonly handler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
  /** Required in `x-api-key`, as the deployed usage plan requires it. */
  readonly apiKey: string;
  /** 0 picks a free port. */
  readonly port: number;
}

const sameKey = (given: string | undefined, expected: string): boolean => {
  const a = Buffer.from(given ?? '', 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
};

let requestCount = 0;

/** The REST proxy event API Gateway would send for this request. */
export function proxyEvent(request: IncomingMessage, host: string): APIGatewayProxyEvent {
  const url = new URL(request.url ?? '/', `http://${host}`);
  const matched = matchRoute(url.pathname);
  const headers: Record<string, string> = { 'x-forwarded-proto': 'http' };
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') headers[name] = value;
  }
  // No prototype: a parameter named `__proto__` must be a parameter, not Object.prototype.
  const multi: Record<string, string[]> = Object.create(null);
  for (const [name, value] of url.searchParams) {
    const values = multi[name] ?? [];
    values.push(value);
    multi[name] = values;
  }
  const single = Object.fromEntries(Object.entries(multi).map(([n, v]) => [n, v.at(-1) as string]));
  requestCount += 1;
  const requestId = `local-${Date.now().toString(36)}-${requestCount.toString(36)}`;
  return {
    resource: matched.route?.path ?? url.pathname,
    path: url.pathname,
    httpMethod: request.method ?? 'GET',
    headers,
    multiValueHeaders: {},
    queryStringParameters: Object.keys(single).length ? single : null,
    multiValueQueryStringParameters: Object.keys(multi).length ? multi : null,
    pathParameters: matched.params,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      requestId,
      path: url.pathname,
      stage: '',
      domainName: host,
      httpMethod: request.method ?? 'GET',
      resourcePath: matched.route?.path ?? url.pathname,
    } as APIGatewayProxyEvent['requestContext'],
  };
}

function forbidden(response: ServerResponse): void {
  response.writeHead(403, { 'content-type': 'application/problem+json' });
  response.end(
    JSON.stringify({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: 'Missing or invalid x-api-key header (npm start prints the local key)',
    }),
  );
}

/** Starts the API on 127.0.0.1. */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const server = createServer((request, response) => {
    const address = server.address() as AddressInfo;
    if (!sameKey(request.headers['x-api-key'] as string | undefined, options.apiKey)) {
      forbidden(response);
      return;
    }
    let event: APIGatewayProxyEvent;
    try {
      event = proxyEvent(request, `127.0.0.1:${address.port}`);
    } catch {
      // An absolute-form target that is no URL (`GET http://[/v1/runs`) must not take the server down.
      response.writeHead(400, { 'content-type': 'application/problem+json' });
      response.end(
        JSON.stringify({ type: 'about:blank', title: 'Bad Request', status: 400, detail: 'Not a URL' }),
      );
      return;
    }
    options
      .handler(event)
      .then((result) => {
        response.writeHead(result.statusCode, result.headers as Record<string, string>);
        response.end(result.body);
      })
      .catch((error: unknown) => {
        response.writeHead(502, { 'content-type': 'application/problem+json' });
        response.end(
          JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: String(error) }),
        );
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
