/**
 * Tampered cursors for the request fuzz test, made from cursors the API really issued: flipped,
 * truncated or junk bytes; the run swapped for the other published run, the failed run or the run
 * still publishing (in the API envelope alone, or consistently in the store cursor inside too); the
 * store position moved to another segment, sort order or partition; another query's fingerprint.
 * A tampered cursor is `mustFail` unless the result is a cursor the API could have issued itself.
 */
import fc from 'fast-check';
import { RUN_A, RUN_B, RUN_FAILED, RUN_PUBLISHING } from './fuzz-fixture.js';
import { decodeJson, encodeJson, type FuzzRequest, type RouteKind } from './fuzz-oracle.js';
import { percentEncode } from './fuzz-strings.js';

/** A cursor the API issued on the first page of a list. */
export interface IssuedCursor {
  readonly kind: RouteKind;
  readonly path: string;
  /** The page's query without cursor, percent-encoded (`a=1&b=2`). */
  readonly query: string;
  readonly cursor: string;
  /** The run the page declared (x-run-id); null for lists across runs. */
  readonly runId: string | null;
  /** The query names its run (`run=<id>`) instead of reading the current run. */
  readonly explicitRun: boolean;
}

interface Envelope {
  readonly v: unknown;
  readonly r: unknown;
  readonly q: unknown;
  readonly p: unknown;
}

interface StoreCursor {
  readonly v: unknown;
  readonly r: unknown;
  readonly d: unknown;
  readonly s: unknown;
  readonly o: unknown;
  readonly a: unknown;
  readonly k: unknown[];
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const PUBLISHED = new Set([RUN_A, RUN_B]);
const otherRun = (runId: string | null): string => (runId === RUN_A ? RUN_B : RUN_A);

const envelopeOf = (c: IssuedCursor): Envelope => decodeJson(c.cursor) as Envelope;
const storeOf = (c: IssuedCursor): StoreCursor => decodeJson(String(envelopeOf(c).p)) as StoreCursor;
const withStore = (c: IssuedCursor, store: Partial<StoreCursor>): string =>
  encodeJson({ ...envelopeOf(c), p: encodeJson({ ...storeOf(c), ...store }) });
const withEnvelope = (c: IssuedCursor, envelope: Partial<Envelope>): string =>
  encodeJson({ ...envelopeOf(c), ...envelope });

function tampered(label: string, c: IssuedCursor, cursor: string, mustFail: boolean): FuzzRequest {
  const target = `${c.path}?${c.query}${c.query ? '&' : ''}cursor=${percentEncode(cursor)}`;
  return { label: `cursor: ${label}`, method: 'GET', target, intended: c.kind, mustFail };
}

/** Legal iff it still decodes to this query's fingerprint and a run the cursor could pin. */
function stillLegal(c: IssuedCursor, cursor: string): boolean {
  const envelope = decodeJson(cursor) as Envelope | undefined;
  const original = envelopeOf(c);
  if (!envelope || envelope.q !== original.q) return false;
  return envelope.r === original.r || mayPinOtherRun(c, envelope.r);
}

/**
 * A segment list of the current run pages by offset, so its cursor may pin any published run (the
 * caller could ask for that run with `run=` anyway); a customer list's store cursor names its run too.
 */
const mayPinOtherRun = (c: IssuedCursor, r: unknown): boolean =>
  c.kind === 'segments' && !c.explicitRun && typeof r === 'string' && PUBLISHED.has(r);

const STRING_GARBAGE = [
  '',
  'x'.repeat(2000),
  '\ud800',
  '../../',
  "' OR 1=1 --",
  '{"$ne":null}',
  'RUN#x#SEG#',
];
const GARBAGE: unknown[] = [
  ...STRING_GARBAGE,
  5,
  -1,
  1.5,
  {},
  [],
  ['a'],
  ['', ''],
  ['x'.repeat(1100), 'y'],
  true,
];

/** Store positions that look like real keys: of a customer of the run still publishing. */
const FOREIGN_KEYS = ['00000000000012345#p00001', '99999999999999999#p00002', '00000000000000000#c00001'];

/** Mutations of the store cursor inside a customer list's cursor. */
function storeMutations(c: IssuedCursor, others: readonly IssuedCursor[]): fc.Arbitrary<FuzzRequest> {
  const store = storeOf(c);
  const indexed = store.o !== 'clv';
  const shard = fc.nat({ max: Math.max(0, store.k.length - 1) });
  const replaceAt = (i: number, value: unknown) => store.k.map((x, j) => (j === i ? value : x));
  const sameShape = others.filter((o) => o.kind === 'customers' && o.cursor !== c.cursor);
  const foreign = fc
    .constantFrom(...FOREIGN_KEYS)
    .map((key) =>
      indexed ? [key.replace(/^\d{17}/, (d) => (store.o === 'orders' ? d.slice(5) : d)), key] : key,
    );
  return fc.oneof(
    fc
      .constantFrom<[string, string]>(['country', 'DE'], ['acquisition_channel', 'email'], ['_all', '_all'])
      .filter(([d, s]) => d !== store.d || s !== store.s)
      .map(([d, s]) => tampered('other segment', c, withStore(c, { d, s }), true)),
    fc
      .constantFrom<[string, string]>(['clv', 'asc'], ['revenue', 'desc'], ['orders', 'asc'])
      .filter(([o, a]) => o !== store.o || a !== store.a)
      .map(([o, a]) => tampered('other order', c, withStore(c, { o, a }), true)),
    fc
      .constantFrom(-1, 1)
      .map((d) =>
        tampered(
          'shard count',
          c,
          withStore(c, { k: store.k.slice(0, store.k.length + d).concat(d > 0 ? [null] : []) }),
          true,
        ),
      ),
    fc
      .tuple(shard, fc.constantFrom(...GARBAGE))
      .map(([i, g]) => tampered('garbage position', c, withStore(c, { k: replaceAt(i, g) }), true)),
    fc
      .tuple(shard, fc.constantFrom(null, 0))
      .map(([i, g]) => tampered('restarted shard', c, withStore(c, { k: replaceAt(i, g) }), false)),
    fc
      .tuple(shard, foreign)
      .map(([i, key]) => tampered('foreign key', c, withStore(c, { k: replaceAt(i, key) }), false)),
    fc.constantFrom(...sameShape).map((o) => {
      const k = storeOf(o).k;
      const fits = k.length === store.k.length && (storeOf(o).o !== 'clv') === indexed;
      return tampered('positions of another list', c, withStore(c, { k }), !fits);
    }),
    fc.constantFrom(otherRun(c.runId), RUN_FAILED, RUN_PUBLISHING, '2026-03-09T000000000Z').map((r) => {
      const legal = r === otherRun(c.runId) && !c.explicitRun;
      return tampered(
        'run swapped inside and out',
        c,
        encodeJson({ ...envelopeOf(c), r, p: encodeJson({ ...store, r }) }),
        !legal,
      );
    }),
  );
}

/** Mutations of the position of an offset-paged list or of the runs list. */
function positionMutations(c: IssuedCursor): fc.Arbitrary<FuzzRequest> {
  const offsets = c.kind !== 'runs';
  const bad: unknown[] = offsets
    ? [-1, 1.5, 1e300, 2 ** 53, '5', 'x', null, {}, true]
    : [
        5,
        null,
        encodeJson('x'),
        Buffer.from('RUN#x', 'utf8').toString('base64url'),
        Buffer.from(`2026-03-01#${'x'.repeat(2000)}`, 'utf8').toString('base64url'),
      ];
  const legal: unknown[] = offsets
    ? [10 ** 9, 0]
    : [Buffer.from(`2026-03-02#${RUN_B}`, 'utf8').toString('base64url')];
  return fc.oneof(
    fc.constantFrom(...bad).map((p) => tampered('bad position', c, withEnvelope(c, { p }), true)),
    fc.constantFrom(...legal).map((p) => tampered('moved position', c, withEnvelope(c, { p }), false)),
  );
}

/** The run in the API envelope alone replaced. */
function runSwaps(c: IssuedCursor): fc.Arbitrary<FuzzRequest> {
  const candidates: unknown[] = [
    otherRun(c.runId),
    RUN_FAILED,
    RUN_PUBLISHING,
    '2026-03-09T000000000Z',
    '',
    '../..',
    'RUN#x',
    'x'.repeat(3000),
    123,
    null,
    {},
    [RUN_A],
  ];
  return fc
    .constantFrom(...candidates)
    .filter((r) => r !== c.runId)
    .map((r) => tampered('run swapped', c, withEnvelope(c, { r }), !stillLegal(c, withEnvelope(c, { r }))));
}

/** Every tampering of the issued cursors. */
export function tamperedCursors(issued: readonly IssuedCursor[]): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...issued).chain((c) => {
    const flips = fc
      .array(fc.tuple(fc.nat(), fc.constantFrom(...B64URL, '=', '+', '/', '.', '%', '~')), {
        minLength: 1,
        maxLength: 3,
      })
      .map((edits) => {
        const chars = [...c.cursor];
        for (const [at, ch] of edits) chars[at % chars.length] = ch;
        return chars.join('');
      })
      .filter((cursor) => cursor !== c.cursor)
      .map((cursor) => tampered('flipped bytes', c, cursor, !stillLegal(c, cursor)));
    const junk = fc.oneof(
      fc.string({ unit: fc.constantFrom(...B64URL), minLength: 1, maxLength: 400 }),
      fc.string({ unit: fc.constantFrom(...B64URL), minLength: 4_000, maxLength: 12_000 }),
      fc.jsonValue().map(encodeJson),
      fc.nat({ max: c.cursor.length - 1 }).map((n) => c.cursor.slice(0, n)),
      fc.constantFrom('AAAA', '====', '.', '%00').map((tail) => c.cursor + tail),
    );
    const others = issued.filter((o) => o.cursor !== c.cursor);
    return fc.oneof(
      {
        arbitrary: fc.constant({ ...tampered('unchanged', c, c.cursor, false), mustSucceed: true }),
        weight: 1,
      },
      { arbitrary: flips, weight: 3 },
      {
        arbitrary: junk.filter((j) => j.length > 0).map((j) => tampered('junk', c, j, !stillLegal(c, j))),
        weight: 2,
      },
      { arbitrary: runSwaps(c), weight: 2 },
      {
        arbitrary: fc
          .oneof(
            fc.string({ unit: fc.constantFrom(...B64URL), minLength: 0, maxLength: 16 }),
            fc.constantFrom(...others.map((o) => String(envelopeOf(o).q))),
          )
          .filter((q) => q !== envelopeOf(c).q)
          .map((q) => tampered('other fingerprint', c, withEnvelope(c, { q }), true)),
        weight: 1,
      },
      {
        arbitrary: fc
          .constantFrom(...others)
          .map((o) => tampered('cursor of another query', c, o.cursor, envelopeOf(o).q !== envelopeOf(c).q)),
        weight: 1,
      },
      {
        arbitrary: c.kind === 'customers' ? storeMutations(c, issued) : positionMutations(c),
        weight: 4,
      },
    );
  });
}
