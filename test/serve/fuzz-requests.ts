/**
 * fast-check generators of malformed requests for the request fuzz test: hostile path segments and
 * query values (injection strings, unicode, lone surrogates and NUL percent-encoded, path traversal),
 * bad limits, unknown parameters and methods. Cursor tampering is in fuzz-cursors.ts. Every request is
 * built invalid on the route it aims at (`mustFail`) unless noted.
 */
import fc from 'fast-check';
import { DIMENSIONS, RUN_A, RUN_FAILED, RUN_PUBLISHING, type Truth } from './fuzz-fixture.js';
import type { FuzzRequest, RouteKind } from './fuzz-oracle.js';
import { INJECTIONS, percentEncode, RAW_PIECES, UNICODE } from './fuzz-strings.js';

const loneSurrogates = fc.string({
  unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 3,
});

/** A hostile value that is none of the fixture's real ids, dimensions or segment values. */
export function hostile(truth: Truth): fc.Arbitrary<string> {
  const real = new Set([
    ...truth.customerIds,
    ...DIMENSIONS,
    ...['_all', 'current', 'ads', 'email', 'organic', 'referral', 'DE', 'FR', 'NL', 'unknown'],
  ]);
  return fc
    .oneof(
      fc.constantFrom(...INJECTIONS),
      fc.constantFrom(...UNICODE),
      fc
        .tuple(fc.constantFrom(...INJECTIONS, ...UNICODE), fc.constantFrom(...UNICODE))
        .map(([a, b]) => a + b),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
      loneSurrogates,
      // Longer than a key part (256 bytes) but inside the request line limits of HTTP servers.
      fc.string({ minLength: 257, maxLength: 1200 }),
    )
    .filter((s) => s.length > 0 && !real.has(s) && !real.has(s.trim()));
}

/** A path segment: a hostile value percent-encoded, a raw traversal piece, or both. */
function segment(truth: Truth): fc.Arbitrary<string> {
  const raw = fc.constantFrom(...RAW_PIECES);
  return fc.oneof(
    hostile(truth).map(percentEncode),
    raw,
    fc.tuple(hostile(truth), raw).map(([h, r]) => percentEncode(h) + r),
  );
}

/** A query value: hostile and percent-encoded, or a raw piece. */
const queryValue = (truth: Truth): fc.Arbitrary<string> =>
  fc.oneof(hostile(truth).map(percentEncode), fc.constantFrom(...RAW_PIECES));

const badLimit = (max: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(
      '0',
      '-1',
      '-0',
      '1.5',
      '1e3',
      '0x10',
      '+5',
      ' 5',
      '5 ',
      '1,000',
      '٣',
      '９',
      'NaN',
      'Infinity',
      '',
    ),
    fc.integer({ min: -2_000_000_000, max: 0 }).map(String),
    fc.integer({ min: max + 1, max: 9_999_999 }).map(String),
    fc.bigInt({ min: 10n ** 8n, max: 10n ** 40n }).map(String),
    fc.double({ noInteger: true, noNaN: true }).map(String),
  );

const badRun = (truth: Truth): fc.Arbitrary<string> =>
  fc.oneof(
    fc
      .constantFrom(RUN_FAILED, RUN_PUBLISHING, '2026-03-09T000000000Z', '2026-03-01T', 'current ', 'CURRENT')
      .map(percentEncode),
    fc
      .constantFrom(`${RUN_A}#DIM#country`, `../${RUN_A}`, `${RUN_A}\u0000`, `${RUN_A}/../x`)
      .map(percentEncode),
    queryValue(truth),
  );

interface Aim {
  readonly kind: RouteKind;
  readonly path: string;
  /** Query parameters the route takes (unknown-parameter requests avoid these names). */
  readonly takes: readonly string[];
  readonly maxLimit?: number;
}

const LIST = ['limit', 'cursor', 'format'];
const AIMS: readonly Aim[] = [
  { kind: 'runs', path: '/v1/runs', takes: LIST, maxLimit: 100 },
  { kind: 'currentRun', path: '/v1/runs/current', takes: ['format'] },
  { kind: 'summary', path: '/v1/summary', takes: ['run', 'format'] },
  { kind: 'segments', path: '/v1/segments', takes: ['dimension', 'run', ...LIST], maxLimit: 1000 },
  {
    kind: 'customers',
    path: '/v1/customers',
    takes: ['segment', 'sort', 'order', 'run', ...LIST],
    maxLimit: 1000,
  },
  { kind: 'openapi', path: '/v1/openapi.json', takes: [] },
  {
    kind: 'segmentHistory',
    path: '/v1/segments/acquisition_channel/ads/history',
    takes: ['from', 'to', ...LIST],
    maxLimit: 1000,
  },
  { kind: 'customer', path: '/v1/customers/c00001', takes: ['run', 'history', ...LIST], maxLimit: 1000 },
];

const get = (label: string, intended: RouteKind, target: string): FuzzRequest => ({
  label,
  method: 'GET',
  target,
  intended,
  mustFail: true,
});

/** Malformed path parameters: no such customer, segment or run (or not a valid one). */
function badPaths(truth: Truth): fc.Arbitrary<FuzzRequest> {
  const seg = segment(truth);
  const history = fc.constantFrom('', '?history=true', `?run=${RUN_A}`, '?limit=2');
  return fc.oneof(
    fc.tuple(seg, history).map(([id, q]) => get('customer id', 'customer', `/v1/customers/${id}${q}`)),
    fc
      .tuple(seg, seg)
      .map(([d, v]) => get('segment path', 'segmentHistory', `/v1/segments/${d}/${v}/history`)),
    seg.map((v) => get('segment value', 'segmentHistory', `/v1/segments/acquisition_channel/${v}/history`)),
    seg.map((d) => get('dimension', 'segmentHistory', `/v1/segments/${d}/ads/history`)),
    seg.map((r) => get('run id', 'run', `/v1/runs/${r}`)),
  );
}

/** One invalid query parameter on a route (other parameters valid or absent). */
function badQueries(truth: Truth): fc.Arbitrary<FuzzRequest> {
  const value = queryValue(truth);
  const realDimension = fc.constantFrom(...DIMENSIONS, '_all');
  return fc.oneof(
    fc
      .tuple(hostile(truth), value)
      .map(([d, v]) =>
        get(
          'segment dimension',
          'customers',
          `/v1/customers?segment=${percentEncode(d.replaceAll(':', ''))}:${v}`,
        ),
      ),
    fc
      .tuple(realDimension, value)
      .map(([d, v]) => get('segment value', 'customers', `/v1/customers?segment=${d}:${v}`)),
    value.map((v) =>
      get('segment without ":"', 'customers', `/v1/customers?segment=${v.replaceAll('%3A', '')}`),
    ),
    fc
      .tuple(fc.constantFrom('sort', 'order'), value)
      .map(([p, v]) => get(p, 'customers', `/v1/customers?${p}=${v}`)),
    value.map((v) => get('dimension', 'segments', `/v1/segments?dimension=${v}`)),
    fc
      .tuple(
        fc.constantFrom('/v1/summary', '/v1/segments', '/v1/customers', '/v1/customers/c00001'),
        badRun(truth),
      )
      .map(([path, run]) => get('run', kindOfPath(path), `${path}?run=${run}`)),
    fc
      .tuple(
        fc.constantFrom('from', 'to'),
        fc.oneof(value, fc.constantFrom('2026-02-30', '2026-13-01', '20260301')),
      )
      .map(([p, v]) => get(p, 'segmentHistory', `/v1/segments/acquisition_channel/ads/history?${p}=${v}`)),
    value.map((v) => get('history', 'customer', `/v1/customers/c00001?history=${v}`)),
    fc.constantFrom(...AIMS).chain((aim) =>
      fc.oneof(
        fc
          .tuple(hostile(truth), value)
          .filter(([k]) => !aim.takes.includes(k))
          .map(([k, v]) => get('unknown parameter', aim.kind, `${aim.path}?${percentEncode(k)}=${v}`)),
        fc
          .constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'LIMIT', 'limit[]', '')
          .map((k) => get('unknown parameter', aim.kind, `${aim.path}?${k}=1`)),
        fc
          .constantFrom('xml', 'CSV', 'json ', 'text/csv', '')
          .map((f) => get('format', aim.kind, `${aim.path}?format=${percentEncode(f)}`)),
      ),
    ),
    fc
      .constantFrom(...AIMS.filter((a) => a.maxLimit))
      .chain((aim) =>
        fc
          .tuple(badLimit(aim.maxLimit ?? 0), fc.boolean())
          .map(([limit, twice]) =>
            get('limit', aim.kind, `${aim.path}?${twice ? 'limit=5&' : ''}limit=${percentEncode(limit)}`),
          ),
      ),
  );
}

function kindOfPath(path: string): RouteKind {
  return AIMS.find((a) => a.path === path)?.kind ?? 'customer';
}

/** Methods other than GET (and HEAD) on every route: 405. */
const badMethods: fc.Arbitrary<FuzzRequest> = fc
  .tuple(fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), fc.constantFrom(...AIMS))
  .map(([method, aim]) => ({ ...get('method', aim.kind, aim.path), label: `method ${method}`, method }));

/** Every malformed request that needs no issued cursor. */
export function malformedRequests(truth: Truth): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { arbitrary: badPaths(truth), weight: 3 },
    { arbitrary: badQueries(truth), weight: 4 },
    { arbitrary: badMethods, weight: 1 },
  );
}
