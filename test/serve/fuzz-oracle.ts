/**
 * The request fuzz test's oracle: what any answer to any request must satisfy. Errors are 4xx
 * problem+json, never 5xx; a request the generator built to be malformed is refused; and every 200
 * holds only rows of the run and segment the request asked for, checked against the published
 * fixture (not against what the API says about itself). Routes are recognised with regular
 * expressions of their own, on the path as URL parsing (RFC 3986 dot segments) leaves it.
 */
import { dimensionValue } from '../../lambdas/publish/items.js';
import { ALL } from '../../lambdas/publish/keys.js';
import { segmentKeyOf, type Truth, type TruthRun } from './fuzz-fixture.js';

export type RouteKind =
  | 'runs'
  | 'currentRun'
  | 'run'
  | 'summary'
  | 'segments'
  | 'segmentHistory'
  | 'customers'
  | 'customer'
  | 'openapi';

export interface FuzzRequest {
  /** Which generator built it, for the failure report. */
  readonly label: string;
  readonly method: string;
  /** The request target exactly as sent: path and query, already percent-encoded. */
  readonly target: string;
  /** The route the generator aimed at. */
  readonly intended: RouteKind;
  /** Built to be invalid on `intended`: must be refused with a 4xx (unless dot segments moved it). */
  readonly mustFail: boolean;
  /** Built valid (a cursor passed back unchanged): must be answered 200. */
  readonly mustSucceed?: boolean;
}

export interface FuzzResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

type Row = Record<string, unknown>;

const ROUTES: ReadonlyArray<[RouteKind, RegExp]> = [
  ['runs', /^\/v1\/runs$/],
  ['currentRun', /^\/v1\/runs\/current$/],
  ['run', /^\/v1\/runs\/([^/]+)$/],
  ['summary', /^\/v1\/summary$/],
  ['segments', /^\/v1\/segments$/],
  ['segmentHistory', /^\/v1\/segments\/([^/]+)\/([^/]+)\/history$/],
  ['customers', /^\/v1\/customers$/],
  ['customer', /^\/v1\/customers\/([^/]+)$/],
  ['openapi', /^\/v1\/openapi\.json$/],
];

/** The route a path names (trailing slashes ignored) and its decoded parameters; null for none. */
export function routeOf(pathname: string): { kind: RouteKind; params: string[] } | null {
  const path = pathname.replace(/\/+$/, '');
  for (const [kind, pattern] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    try {
      return { kind, params: match.slice(1).map((p) => decodeURIComponent(p)) };
    } catch {
      return null;
    }
  }
  return null;
}

/** The JSON inside a base64url string, or undefined. */
export function decodeJson(text: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export const encodeJson = (value: unknown): string =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** The run a run-scoped read must answer from: the cursor's run on lists, else `run`, else current. */
function requestedRun(kind: RouteKind, query: URLSearchParams, truth: Truth): string {
  const cursor = query.get('cursor');
  if ((kind === 'segments' || kind === 'customers') && cursor) {
    const envelope = decodeJson(cursor) as { r?: unknown } | undefined;
    if (typeof envelope?.r === 'string') return envelope.r;
  }
  const run = query.get('run');
  return run && run !== 'current' ? run : truth.current;
}

function checkRow(row: Row, run: TruthRun | undefined, problems: string[], what: string): void {
  if (run?.status !== 'published') {
    problems.push(`${what}: row of run ${String(row.runId)}, which is not a published run`);
    return;
  }
  if (row.runId !== run.runId || row.exportDate !== run.exportDate) {
    problems.push(
      `${what}: row of run ${String(row.runId)}/${String(row.exportDate)}, asked for ${run.runId}`,
    );
  }
}

function checkCustomer(row: Row, run: TruthRun | undefined, problems: string[]): void {
  checkRow(row, run, problems, 'customer');
  const truth = run?.customers.get(String(row.customerId));
  if (!truth) problems.push(`customer ${String(row.customerId)} is not in run ${run?.runId}`);
  else if (row.historicClv !== truth.historicClv) {
    problems.push(
      `customer ${truth.customerId}: historicClv ${String(row.historicClv)} is not run ${run?.runId}'s`,
    );
  }
}

/** Checks a 200 JSON body against the published data of what the request asked for. */
function checkBody(
  kind: RouteKind,
  params: string[],
  query: URLSearchParams,
  body: Row,
  truth: Truth,
): string[] {
  const problems: string[] = [];
  const items = (body.items ?? []) as Row[];
  const run = truth.runs.get(requestedRun(kind, query, truth));
  switch (kind) {
    case 'runs':
      for (const item of items) {
        if (truth.runs.get(String(item.runId))?.status !== item.status)
          problems.push(`unknown run ${String(item.runId)}`);
      }
      break;
    case 'currentRun':
      if (body.runId !== truth.current) problems.push(`current run ${String(body.runId)}`);
      break;
    case 'run':
      if (body.runId !== params[0] || !truth.runs.has(String(body.runId)))
        problems.push(`run ${String(body.runId)}`);
      break;
    case 'summary':
      checkRow(body, run, problems, 'summary');
      if (body.customers !== run?.customers.size)
        problems.push(`summary of ${String(body.customers)} customers`);
      break;
    case 'segments': {
      if ((body.run as Row | undefined)?.runId !== run?.runId) problems.push('segments list of another run');
      const only = query.get('dimension');
      for (const item of items) {
        checkRow(item, run, problems, 'segment');
        if (!run?.segments.has(segmentKeyOf(String(item.dimension), String(item.value)))) {
          problems.push(
            `segment ${String(item.dimension)}=${String(item.value)} is not in run ${run?.runId}`,
          );
        }
        if (only !== null && item.dimension !== only)
          problems.push(`segment of dimension ${String(item.dimension)}`);
      }
      break;
    }
    case 'segmentHistory':
      for (const item of items) {
        const itemRun = truth.runs.get(String(item.runId));
        checkRow(item, itemRun, problems, 'segment history');
        if (item.dimension !== params[0] || item.value !== params[1])
          problems.push('history of another segment');
        if (!itemRun?.segments.has(segmentKeyOf(String(params[0]), String(params[1])))) {
          problems.push(`run ${String(item.runId)} has no segment ${params[0]}=${params[1]}`);
        }
      }
      break;
    case 'customers': {
      if ((body.run as Row | undefined)?.runId !== run?.runId) problems.push('customer list of another run');
      const segment = query.get('segment') ?? `${ALL}:${ALL}`;
      const dimension = segment.slice(0, segment.indexOf(':'));
      const value = segment.slice(segment.indexOf(':') + 1);
      for (const item of items) {
        checkCustomer(item, run, problems);
        const customer = run?.customers.get(String(item.customerId));
        if (customer && dimension !== ALL && dimensionValue(customer, dimension) !== value) {
          problems.push(`customer ${customer.customerId} is not in segment ${segment}`);
        }
      }
      break;
    }
    case 'customer':
      for (const row of query.get('history') === 'true' ? items : [body]) {
        const rowRun = query.get('history') === 'true' ? truth.runs.get(String(row.runId)) : run;
        checkCustomer(row, rowRun, problems);
        if (row.customerId !== params[0])
          problems.push(`customer ${String(row.customerId)}, asked for ${params[0]}`);
      }
      break;
    case 'openapi':
      if (body.openapi !== '3.1.0') problems.push('not the OpenAPI document');
      break;
  }
  return problems;
}

const header = (response: FuzzResponse, name: string): string => String(response.headers[name] ?? '');

/** Everything wrong with `response` as an answer to `request` (empty when it is a fine answer). */
export function violations(request: FuzzRequest, response: FuzzResponse, truth: Truth): string[] {
  const url = new URL(request.target, 'http://127.0.0.1');
  const route = routeOf(url.pathname);
  const { status } = response;
  if (status >= 500) return [`${status}: ${response.body.slice(0, 300)}`];
  if (request.mustSucceed && status !== 200)
    return [`${status} to a valid request: ${response.body.slice(0, 300)}`];
  if (response.headers['access-control-allow-origin'] !== undefined) return ['CORS header on a response'];
  if (status >= 400 && status < 500) {
    if (header(response, 'content-type') !== 'application/problem+json') {
      return [`${status} as ${header(response, 'content-type')}, not application/problem+json`];
    }
    const problem = JSON.parse(response.body) as Row;
    const wellFormed =
      problem.type === 'about:blank' &&
      typeof problem.title === 'string' &&
      typeof problem.detail === 'string';
    return wellFormed && (problem.status ?? status) === status
      ? []
      : [`malformed problem body ${response.body}`];
  }
  if (status !== 200) return [`status ${status}`];
  if (!route) return [`200 for ${url.pathname}, which is no route`];
  if (request.mustFail && route.kind === request.intended) return ['200 to a request built to be invalid'];
  if (!header(response, 'content-type').startsWith('application/json')) {
    return [`200 as ${header(response, 'content-type')}`];
  }
  return checkBody(route.kind, route.params, url.searchParams, JSON.parse(response.body) as Row, truth);
}
