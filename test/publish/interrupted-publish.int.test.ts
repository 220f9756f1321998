/**
 * The Lambda is killed in the middle of publishing (on dynalite). Run A is published; run B of a later
 * export date dies after N BatchWriteItem calls: nothing after that runs, no failure is recorded, B's
 * record stays `publishing`. Readers must keep seeing only A; a later run C (a rerun of B's date, or a
 * newer date) publishes completely and removes B's items, marking B `failed` (interrupted, cleaned up by C).
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureResultsTable } from '../../bin/local/provision.js';
import type { CustomerMetrics } from '../../lambdas/model/types.js';
import { silentLogger } from '../../lambdas/platform/logger.js';
import {
  type MemberResult,
  makeResultsStore,
  type ResultsStore,
} from '../../lambdas/publish/results-store.js';
import type { RunRecord } from '../../lambdas/publish/types.js';
import { makeApi } from '../../lambdas/serve/api.js';
import { type LocalAws, scanAll, startLocalAws } from '../support/local-aws.js';
import { customers, runRecord, segment, segmentsOf } from './fixture.js';

const DIMENSIONS = ['acquisition_channel', 'cohort_month', 'country'];
const EXPIRES = 2_000_000_000;
const SHARD_SIZE = 40;
const D1 = '2026-03-01';
const D2 = '2026-03-02';
const D3 = '2026-03-03';
const RUN_A = `${D1}T020000000Z`;
const RUN_B = `${D2}T020000000Z`;
const A_CUSTOMERS = customers(80, 1);
const B_CUSTOMERS = customers(100, 2);

/** The Lambda was killed: thrown by every request made after the kill. */
class KilledError extends Error {
  override readonly name = 'KilledError';
}

/** A client that lets `batches` BatchWriteItem calls through and then dies: every later request fails. */
function dyingAfter(ddb: DynamoDBDocumentClient, batches: number): DynamoDBDocumentClient {
  let sent = 0;
  const send = async (command: unknown, ...rest: unknown[]): Promise<unknown> => {
    if (sent >= batches) throw new KilledError(`killed after ${batches} BatchWriteItem calls`);
    if (command instanceof BatchWriteCommand) sent++;
    return (ddb.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
  };
  return new Proxy(ddb, { get: (target, p, r) => (p === 'send' ? send : Reflect.get(target, p, r)) });
}

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws('interrupted-it', 'interrupted-unused');
});
afterAll(async () => aws.close());

interface Run {
  readonly runId: string;
  readonly exportDate: string;
  readonly startedAt: string;
  readonly list: readonly CustomerMetrics[];
}

function storeAt(table: string, now: string, ddb: DynamoDBDocumentClient = aws.ddb): ResultsStore {
  return makeResultsStore(ddb, table, { shardSize: SHARD_SIZE, clock: () => new Date(now) });
}

function recordOf(run: Run): RunRecord {
  const segments = segmentsOf(run.list, DIMENSIONS);
  const dimensions = Object.fromEntries(DIMENSIONS.map((d) => [d, segments[d]?.length ?? 0]));
  return {
    ...runRecord(run.runId, run.exportDate, dimensions),
    startedAt: run.startedAt,
    customers: run.list.length,
  };
}

/** The job's write phases (record, customers, segments); stops short of publishRun. */
async function writeRun(store: ResultsStore, run: Run): Promise<RunRecord> {
  const record = recordOf(run);
  const segments = segmentsOf(run.list, DIMENSIONS);
  await store.writeRunRecord(record, EXPIRES);
  const shards = await store.writeCustomers(run.runId, run.exportDate, run.list, DIMENSIONS, EXPIRES);
  const business = segment('_all', '_all', run.list.length);
  await store.writeSegments(run.runId, run.exportDate, segments, business, shards, EXPIRES);
  return record;
}

async function publish(table: string, run: Run, now: string): Promise<string[]> {
  const store = storeAt(table, now);
  const record = await writeRun(store, run);
  return (await store.publishRun({ ...record, finishedAt: now }, EXPIRES)).removedRuns;
}

/** Writes and publishes `run` through a client that dies after `batches` BatchWriteItem calls. */
async function killedRun(table: string, run: Run, batches: number): Promise<void> {
  const store = storeAt(table, run.startedAt, dyingAfter(aws.ddb, batches));
  const error = await writeRun(store, run)
    .then((record) => store.publishRun(record, EXPIRES))
    .then(
      () => null,
      (e: unknown) => e,
    );
  // The store wraps the failed request (PublishError); the kill must be what stopped it.
  let cause = error;
  while (cause instanceof Error && !(cause instanceof KilledError)) cause = cause.cause;
  expect(cause).toBeInstanceOf(KilledError);
}

const itemsOf = async (table: string, runId: string): Promise<Array<Record<string, unknown>>> =>
  (await scanAll({ ...aws, table })).filter(
    (i) => i.type !== 'pointer' && (i.runId === runId || JSON.stringify([i.PK, i.SK]).includes(runId)),
  );

const segmentCount = (list: readonly CustomerMetrics[]): number =>
  Object.values(segmentsOf(list, DIMENSIONS)).reduce((n, s) => n + s.length, 0);

/** Items a complete run leaves: per customer 1 + (D + 1) members; per segment row + trend; summary, record, index. */
function completeItemCount(list: readonly CustomerMetrics[]): number {
  const segments = segmentCount(list);
  return list.length * (2 + DIMENSIONS.length) + 2 * (segments + 1) + 3;
}

/** BatchWriteItem calls of a run's write phases: each put() is its own run of batches of 25. */
function writeBatchCount(list: readonly CustomerMetrics[]): number {
  const segments = segmentCount(list);
  const batches = (n: number): number => Math.ceil(n / 25);
  return (
    batches(segments + 1) +
    batches(list.length) +
    batches(list.length * (1 + DIMENSIONS.length)) +
    batches(2 * (segments + 1) + 1)
  );
}

async function allMembers(store: ResultsStore, runId: string): Promise<MemberResult[]> {
  const members: MemberResult[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.segmentCustomers(runId, '_all', '_all', { limit: 50, cursor });
    members.push(...(page?.items ?? []));
    cursor = page?.nextCursor;
  } while (cursor);
  return members;
}

/** Every read a client can make through the current run shows `run` and nothing of `hidden`. */
async function expectReadersSee(table: string, run: Run, hidden: string, history: string[]): Promise<void> {
  const store = storeAt(table, run.startedAt);
  const current = await store.currentRun();
  expect(current?.runId).toBe(run.runId);
  const runId = current?.runId ?? '';
  const expected = segmentsOf(run.list, DIMENSIONS);
  for (const dimension of DIMENSIONS) {
    const rows = await store.segments(runId, dimension);
    const counts = Object.fromEntries(rows.map((r) => [r.value, r.customers]));
    expect(counts).toEqual(
      Object.fromEntries((expected[dimension] ?? []).map((s) => [s.value, s.customers])),
    );
  }
  const members = await allMembers(store, runId);
  expect(members.map((m) => m.customerId).sort()).toEqual(run.list.map((c) => c.customerId).sort());
  expect(members.every((m) => m.runId === run.runId)).toBe(true);
  const probe = run.list[11] as CustomerMetrics;
  expect(await store.customer(probe.customerId, runId)).toMatchObject({
    runId: run.runId,
    historicClv: probe.historicClv,
  });
  expect((await store.customerHistory(probe.customerId)).map((h) => h.runId)).toEqual(history);
  expect((await store.segmentHistory('_all', '_all')).map((h) => h.runId)).toEqual(history);
  expect((await store.segmentHistory('country', 'DE')).map((h) => h.runId)).toEqual(history);
  const runs = (await store.listRuns(100)).items;
  expect(runs.filter((r) => r.status === 'published').map((r) => r.runId)).toEqual(history);
  expect(runs.find((r) => r.runId === hidden)?.status).not.toBe('published');

  // The same through the HTTP API: the hidden run is refused by name, the defaults read `run`.
  const api = makeApi({ reader: store, log: silentLogger });
  const get = async (path: string, query: Record<string, string> = {}) => {
    const response = await api({ method: 'GET', path, query, headers: {}, baseUrl: '', requestId: 'it' });
    return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
  };
  expect((await get(`/v1/customers/${probe.customerId}`, { run: hidden })).status).toBe(404);
  expect((await get('/v1/customers', { run: hidden })).status).toBe(404);
  expect((await get('/v1/segments', { run: hidden })).status).toBe(404);
  const one = await get(`/v1/customers/${probe.customerId}`);
  expect([one.status, one.body.runId]).toEqual([200, run.runId]);
  const trend = await get('/v1/segments/_all/_all/history');
  expect((trend.body.items as Array<{ runId: string }>).map((t) => t.runId)).toEqual(history);
}

async function expectSweptByC(table: string, runC: string, bBefore: number): Promise<void> {
  const left = await itemsOf(table, RUN_B);
  // Report for the release note: B's items before and after C's cleanup.
  console.info(`run B items: ${bBefore} before cleanup, ${left.length} after (record and index entry)`);
  expect(left.map((i) => i.type).sort()).toEqual(['run', 'run-index']);
  const record = await storeAt(table, runC).getRun(RUN_B);
  expect(record?.status).toBe('failed');
  expect(record?.failure?.message).toMatch(/Interrupted while publishing/);
  expect(record?.failure?.message).toContain(`removed by run ${runC}`);
  const entry = left.find((i) => i.type === 'run-index');
  expect(entry).toMatchObject({ status: 'failed', itemsRemovedBy: runC });
}

const A: Run = { runId: RUN_A, exportDate: D1, startedAt: `${D1}T02:00:00.000Z`, list: A_CUSTOMERS };
const B: Run = { runId: RUN_B, exportDate: D2, startedAt: `${D2}T02:00:00.000Z`, list: B_CUSTOMERS };

describe('a publish killed half way', () => {
  it('mid-customers: A stays current and whole; a rerun of the same date publishes and removes B', async () => {
    // Prepare: A published, B killed after 12 batches (manifest, all `_all` members, some customers)
    const table = 'interrupted-rerun';
    await ensureResultsTable(aws.ddb, table);
    await publish(table, A, `${D1}T02:10:00.000Z`);
    await killedRun(table, B, 12);
    const bBefore = (await itemsOf(table, RUN_B)).length;
    // 1 batch of manifest rows, 4 full batches of `_all` members, the other 7 full ones of customers/members
    expect(B.list.length).toBe(4 * 25);
    expect(bBefore).toBe(segmentCount(B.list) + 1 + B.list.length + 7 * 25 + 2);
    expect((await storeAt(table, D2).getRun(RUN_B))?.status).toBe('publishing');
    await expectReadersSee(table, A, RUN_B, [RUN_A]);

    // Act: the rerun of D2 starts an hour after B (B's 15-minute Lambda is long dead)
    const C: Run = {
      runId: `${D2}T030000000Z`,
      exportDate: D2,
      startedAt: `${D2}T03:00:00.000Z`,
      list: customers(90, 3),
    };
    const removed = await publish(table, C, `${D2}T03:10:00.000Z`);

    // Assess
    expect(removed).toEqual([RUN_B]);
    expect(await itemsOf(table, C.runId)).toHaveLength(completeItemCount(C.list));
    await expectReadersSee(table, C, RUN_B, [C.runId, RUN_A]);
    await expectSweptByC(table, C.runId, bBefore);
    expect(await itemsOf(table, RUN_A)).toHaveLength(completeItemCount(A.list));
  });

  it('after every write: a newer date publishes and removes B, but leaves a live run alone', async () => {
    // Prepare: A published; B killed right after its last write, before publishRun; a run L of D3
    // started 5 minutes before C publishes is still writing
    const table = 'interrupted-newer';
    await ensureResultsTable(aws.ddb, table);
    await publish(table, A, `${D1}T02:10:00.000Z`);
    await killedRun(table, B, writeBatchCount(B.list));
    const bBefore = (await itemsOf(table, RUN_B)).length;
    expect(bBefore).toBe(completeItemCount(B.list));
    await expectReadersSee(table, A, RUN_B, [RUN_A]);
    const L: Run = {
      runId: `${D3}T020500000Z`,
      exportDate: D3,
      startedAt: `${D3}T02:05:00.000Z`,
      list: customers(20, 4),
    };
    await writeRun(storeAt(table, L.startedAt), L);
    const lBefore = (await itemsOf(table, L.runId)).length;

    // Act
    const C: Run = {
      runId: `${D3}T020000000Z`,
      exportDate: D3,
      startedAt: `${D3}T02:00:00.000Z`,
      list: customers(90, 3),
    };
    const removed = await publish(table, C, `${D3}T02:10:00.000Z`);

    // Assess
    expect(removed).toEqual([RUN_B]);
    expect(await itemsOf(table, C.runId)).toHaveLength(completeItemCount(C.list));
    await expectReadersSee(table, C, RUN_B, [C.runId, RUN_A]);
    await expectSweptByC(table, C.runId, bBefore);
    expect(await itemsOf(table, L.runId)).toHaveLength(lBefore);
    expect((await storeAt(table, D3).getRun(L.runId))?.status).toBe('publishing');
  });
  it("removes a failed run's items once, keeping its failure, and keeps older published runs", async () => {
    // Prepare: A published; F of D2 killed after 3 batches (manifest, `_all` members), whose job then recorded the failure
    const table = 'interrupted-failed';
    await ensureResultsTable(aws.ddb, table);
    await publish(table, A, `${D1}T02:10:00.000Z`);
    const F: Run = { ...B, list: customers(40, 5) };
    await killedRun(table, F, 3);
    const failure = { stage: 'publish', message: 'BatchWriteItem failed' };
    await storeAt(table, D2).writeRunRecord({ ...recordOf(F), status: 'failed', failure }, EXPIRES);
    const fBefore = (await itemsOf(table, F.runId)).length;

    // Act: two later runs publish
    const C: Run = {
      runId: `${D3}T020000000Z`,
      exportDate: D3,
      startedAt: `${D3}T02:00:00.000Z`,
      list: A.list,
    };
    const byC = await publish(table, C, `${D3}T02:10:00.000Z`);
    const D4 = '2026-03-04';
    const D: Run = {
      runId: `${D4}T020000000Z`,
      exportDate: D4,
      startedAt: `${D4}T02:00:00.000Z`,
      list: A.list,
    };
    const byD = await publish(table, D, `${D4}T02:10:00.000Z`);

    // Assess
    // Manifest rows and the `_all` members (2 batches of 20) were written, plus record and index entry
    expect(fBefore).toBe(segmentCount(F.list) + 1 + F.list.length + 2);
    expect(byC).toEqual([F.runId]);
    expect(byD).toEqual([]);
    expect((await itemsOf(table, F.runId)).map((i) => i.type).sort()).toEqual(['run', 'run-index']);
    expect(await storeAt(table, D4).getRun(F.runId)).toMatchObject({ status: 'failed', failure });
    for (const run of [A, C, D])
      expect(await itemsOf(table, run.runId)).toHaveLength(completeItemCount(run.list));
  });
});
