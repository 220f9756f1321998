import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerMetrics } from '../../lambdas/model/types.js';
import { flatMetrics } from '../../lambdas/publish/items.js';
import {
  InvalidCursorError,
  type MemberOrder,
  type MemberResult,
  makeResultsStore,
  type ResultsStore,
  StaleRunError,
} from '../../lambdas/publish/results-store.js';
import { type LocalAws, scanAll, startLocalAws } from '../support/local-aws.js';
import { customers, runRecord, segment, segmentsOf } from './fixture.js';

const DIMENSIONS = ['acquisition_channel', 'country'];
const RUN_A = '2026-01-01T020000000Z';
const RUN_B = '2026-01-01T030000000Z';
const RUN_C = '2026-01-02T020000000Z';
const RUN_OLD = '2025-12-31T050000000Z';
const EXPIRES = 2_000_000_000;

let aws: LocalAws;
let store: ResultsStore;

async function publish(
  runId: string,
  exportDate: string,
  list: readonly CustomerMetrics[],
): Promise<unknown> {
  const segments = segmentsOf(list, DIMENSIONS);
  const dimensions = Object.fromEntries(DIMENSIONS.map((d) => [d, segments[d]?.length ?? 0]));
  const record = { ...runRecord(runId, exportDate, dimensions), customers: list.length };
  await store.writeRunRecord(record);
  const shards = await store.writeCustomers(runId, exportDate, list, DIMENSIONS, EXPIRES);
  await store.writeSegments(
    runId,
    exportDate,
    segments,
    segment('_all', '_all', list.length),
    shards,
    EXPIRES,
  );
  return store.publishRun({ ...record, finishedAt: `${exportDate}T02:10:00.000Z` }, EXPIRES);
}

const scanAllItems = (): Promise<Array<Record<string, unknown>>> => scanAll(aws);

async function readSegment(
  runId: string,
  dimension: string,
  value: string,
  order?: MemberOrder,
): Promise<MemberResult[]> {
  const all: MemberResult[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await store.segmentCustomers(runId, dimension, value, { limit: 7, cursor, order });
    if (!result) throw new Error(`no segment ${dimension}=${value} in ${runId}`);
    expect(result.items.length).toBeLessThanOrEqual(7);
    all.push(...result.items);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return all;
}

function expectDescendingClv(members: readonly MemberResult[]): void {
  for (let i = 1; i < members.length; i++) {
    const prev = members[i - 1] as MemberResult;
    const cur = members[i] as MemberResult;
    expect(Math.round(prev.historicClv * 100)).toBeGreaterThanOrEqual(Math.round(cur.historicClv * 100));
  }
}

beforeAll(async () => {
  aws = await startLocalAws('publish-it', 'publish-results');
  store = makeResultsStore(aws.ddb, aws.table, { shardSize: 40 });
  await publish(RUN_A, '2026-01-01', customers(300, 1));
});
afterAll(async () => aws.close());

describe('results store on dynalite', () => {
  it('pages every customer of the business by CLV across 8 shards, none skipped or repeated', async () => {
    // Prepare
    const expected = customers(300, 1);
    const [business] = await store.segments(RUN_A, '_all');

    // Act
    const members = await readSegment(RUN_A, '_all', '_all');

    // Assess
    expect(business?.shards).toBe(8);
    expect(members).toHaveLength(300);
    expect(new Set(members.map((m) => m.customerId)).size).toBe(300);
    expectDescendingClv(members);
    const top = [...expected].sort((a, b) => b.historicClv - a.historicClv)[0];
    expect(members[0]?.historicClv).toBe(top?.historicClv);
    expect(members.some((m) => m.historicClv < 0)).toBe(true);
  });

  it.each([
    ['revenue', 'asc', (m: MemberResult) => m.netRevenue],
    ['revenue', 'desc', (m: MemberResult) => m.netRevenue],
    ['orders', 'desc', (m: MemberResult) => m.orders],
    ['clv', 'asc', (m: MemberResult) => m.historicClv],
  ] as const)(
    'pages the business by %s %s through its index, none skipped or repeated',
    async (sort, direction, sortValue) => {
      // Prepare: the expected order, computed independently (ties broken by customer id, like the keys)
      const expected = customers(300, 1)
        .map((c) => ({ id: c.customerId, key: sortValue(flatMetrics(c) as unknown as MemberResult) }))
        .sort((a, b) => a.key - b.key || (a.id < b.id ? -1 : 1));
      if (direction === 'desc') expected.reverse();

      // Act
      const members = await readSegment(RUN_A, '_all', '_all', { sort, direction });

      // Assess
      expect(members).toHaveLength(300);
      expect(new Set(members.map((m) => m.customerId)).size).toBe(300);
      const keys = members.map((m) => Math.round(sortValue(m) * 100));
      expect(keys).toEqual(expected.map((e) => Math.round(e.key * 100)));
    },
  );

  it('ends on the last full page when the segment size is a multiple of the page size', async () => {
    // Act: 300 members, 3 pages of 100
    const pages: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.segmentCustomers(RUN_A, '_all', '_all', { limit: 100, cursor });
      pages.push(page?.items.length ?? -1);
      cursor = page?.nextCursor;
    } while (cursor && pages.length < 10);

    // Assess
    expect(pages).toEqual([100, 100, 100]);
  });

  it('refuses a cursor issued for another sort order', async () => {
    const first = await store.segmentCustomers(RUN_A, '_all', '_all', {
      limit: 5,
      order: { sort: 'revenue', direction: 'desc' },
    });
    await expect(
      store.segmentCustomers(RUN_A, '_all', '_all', {
        limit: 5,
        cursor: first?.nextCursor,
        order: { sort: 'orders', direction: 'desc' },
      }),
    ).rejects.toThrow(InvalidCursorError);
  });

  it('pages one segment of each dimension', async () => {
    const channels = await store.segments(RUN_A, 'acquisition_channel');
    const ads = channels.find((s) => s.value === 'ads');
    expect(ads).toMatchObject({ customers: 100, shards: 3, runId: RUN_A });
    const members = await readSegment(RUN_A, 'acquisition_channel', 'ads');
    expect(members).toHaveLength(100);
    expect(members.every((m) => m.acquisitionChannel === 'ads')).toBe(true);
    expectDescendingClv(members);

    const countries = await store.segments(RUN_A, 'country');
    expect(countries.map((s) => s.value).sort()).toEqual(['DE', 'FR', 'NL', 'unknown']);
    const unknown = await readSegment(RUN_A, 'country', 'unknown');
    expect(unknown).toHaveLength(countries.find((s) => s.value === 'unknown')?.customers ?? -1);
  });

  it('reads one customer through the pointer', async () => {
    const current = await store.currentRun();
    expect(current).toEqual({
      runId: RUN_A,
      exportDate: '2026-01-01',
      publishedAt: '2026-01-01T02:10:00.000Z',
    });
    const customer = await store.customer('c00011', current?.runId ?? '');
    expect(customer).toMatchObject({
      customerId: 'c00011',
      runId: RUN_A,
      attributes: {},
      rfm: { segment: 'hibernating' },
    });
    expect(await store.getRun(RUN_A)).toMatchObject({ status: 'published', customers: 300 });
  });

  it('replaces a run of the same export date and leaves none of its items behind', async () => {
    // Act
    const result = await publish(RUN_B, '2026-01-01', customers(250, 2));

    // Assess
    expect(result).toEqual({ removedRuns: [RUN_A], cleanupError: null });
    expect((await store.currentRun())?.runId).toBe(RUN_B);
    const items = await scanAllItems();
    const stale = items.filter((i) => JSON.stringify(i).includes(RUN_A));
    expect(stale).toEqual([]);
    expect(items.filter((i) => i.type === 'customer')).toHaveLength(250);
    expect(await readSegment(RUN_B, '_all', '_all')).toHaveLength(250);
  });

  it('refuses to let an older export date replace the current run', async () => {
    // Prepare
    await publish(RUN_C, '2026-01-02', customers(50, 3));

    // Act
    const stale = publish(RUN_OLD, '2025-12-31', customers(20, 4));

    // Assess
    await expect(stale).rejects.toThrow(StaleRunError);
    expect((await store.currentRun())?.runId).toBe(RUN_C);
    expect(await store.getRun(RUN_OLD)).toMatchObject({ status: 'failed', failure: { stage: 'publish' } });
    const leftovers = (await scanAllItems()).filter(
      (i) => i.runId === RUN_OLD && i.type !== 'run' && i.type !== 'run-index',
    );
    expect(leftovers).toEqual([]);
  });

  it('shows history of published runs only, newest first', async () => {
    const history = await store.customerHistory('c00001');
    expect(history.map((h) => h.runId)).toEqual([RUN_C, RUN_B]);
    const trend = await store.segmentHistory('_all', '_all');
    expect(trend.map((t) => [t.runId, t.customers])).toEqual([
      [RUN_C, 50],
      [RUN_B, 250],
    ]);
  });

  it('lists runs newest first with a cursor', async () => {
    const first = await store.listRuns(2);
    const second = await store.listRuns(2, first.nextCursor);
    expect([...first.items, ...second.items].map((r) => [r.runId, r.status])).toEqual([
      [RUN_C, 'published'],
      [RUN_B, 'published'],
      [RUN_OLD, 'failed'],
    ]);
  });

  it('keeps every run-scoped item expiring and the pointer forever', async () => {
    const items = await scanAllItems();
    const pointer = items.filter((i) => i.PK === 'POINTER');
    expect(pointer).toHaveLength(1);
    expect(pointer[0]?.expiresAt).toBeUndefined();
    expect(items.filter((i) => i.PK !== 'POINTER' && typeof i.expiresAt !== 'number')).toEqual([]);
  });
});
