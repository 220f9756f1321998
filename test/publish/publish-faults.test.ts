/**
 * DynamoDB throttling and unprocessed items on every batch (dynalite never returns UnprocessedItems, so
 * this runs against aws-sdk-client-mock over an in-memory table). Every BatchWriteItem of a batch is
 * faulty: its 1st call throws ProvisionedThroughputExceededException, its 4th ThrottlingException, every
 * other call writes the first half of the request and hands back the second half (the last ⌊n/2⌋) as
 * unprocessed. The writer must still write every item exactly once, count right, and record each retry.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { faultRecorder } from '../../lambdas/platform/fault-recorder.js';
import { type Item, makeBatchWriter } from '../../lambdas/publish/batch-writer.js';
import { makeResultsStore } from '../../lambdas/publish/results-store.js';
import { customers, runRecord, segment, segmentsOf } from './fixture.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const TABLE = 'results';
const noSleep = { sleep: async () => {} };

type Request = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];
type Row = Record<string, unknown>;

const keyOf = (r: Request): string => {
  const key = (r.PutRequest?.Item ?? r.DeleteRequest?.Key) as Row;
  return `${key.PK}|${key.SK}`;
};

function awsError(name: string): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 400 } });
}

/** An in-memory table behind the mock; `faulty` turns on the fault plan of the file comment. */
class MemoryTable {
  readonly rows = new Map<string, Row>();
  /** Times each key was put or deleted by an accepted BatchWriteItem request. */
  readonly accepted = new Map<string, number>();
  /** Faults the table handed out: thrown errors by name, and responses with unprocessed items. */
  readonly handedOut: Record<string, number> = {};
  // Calls so far of each batch in flight, by the keys of the request it expects next.
  private readonly callsOf = new Map<string, number>();

  constructor(private readonly faulty: boolean) {}

  batchWrite(input: BatchWriteCommandInput): Row {
    const requests = input.RequestItems?.[TABLE] ?? [];
    const signature = requests.map(keyOf).join('\n');
    const call = (this.callsOf.get(signature) ?? 0) + 1;
    this.callsOf.delete(signature);
    const error = !this.faulty
      ? null
      : call === 1
        ? 'ProvisionedThroughputExceededException'
        : call === 4
          ? 'ThrottlingException'
          : null;
    if (error) {
      this.count(`dynamodb:${error}`);
      this.callsOf.set(signature, call);
      throw awsError(error);
    }
    const keep = this.faulty ? Math.ceil(requests.length / 2) : requests.length;
    for (const request of requests.slice(0, keep)) {
      const key = keyOf(request);
      this.accepted.set(key, (this.accepted.get(key) ?? 0) + 1);
      if (request.PutRequest) this.rows.set(key, request.PutRequest.Item as Row);
      else this.rows.delete(key);
    }
    const left = requests.slice(keep);
    if (left.length === 0) return {};
    this.count('dynamodb:UnprocessedItems');
    this.callsOf.set(left.map(keyOf).join('\n'), call);
    return { UnprocessedItems: { [TABLE]: left } };
  }

  private count(kind: string): void {
    this.handedOut[kind] = (this.handedOut[kind] ?? 0) + 1;
  }

  /** Wires the mock to this table: batch writes, puts, gets and single-partition queries. */
  install(): void {
    ddbMock.reset();
    ddbMock.on(BatchWriteCommand).callsFake(async (input) => this.batchWrite(input));
    ddbMock.on(PutCommand).callsFake(async ({ Item }) => {
      this.rows.set(`${Item.PK}|${Item.SK}`, Item);
      return {};
    });
    ddbMock.on(GetCommand).callsFake(async ({ Key }) => ({ Item: this.rows.get(`${Key.PK}|${Key.SK}`) }));
    ddbMock.on(QueryCommand).callsFake(async ({ ExpressionAttributeValues }) => ({
      Items: [...this.rows.values()].filter((r) => r.PK === ExpressionAttributeValues?.[':pk']),
    }));
  }

  content(): string[] {
    return contentOf(this.rows.values());
  }
}

/** Items as sorted JSON lines (attributes sorted too), to compare two tables. */
function contentOf(rows: Iterable<Row>): string[] {
  return [...rows].map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
}

/** Retries of the fault plan for one batch of n items: halvings leave ⌊n/2⌋ until one item is left. */
function expectedRetries(n: number): { unprocessed: number; calls: number } {
  let unprocessed = 0;
  for (let left = Math.floor(n / 2); left > 0; left = Math.floor(left / 2)) unprocessed++;
  // Accepting calls + the throttled 1st call (+ the throttled 4th call when the batch gets that far).
  const accepting = unprocessed + 1;
  return { unprocessed, calls: accepting + 1 + (accepting + 1 >= 4 ? 1 : 0) };
}

beforeEach(() => ddbMock.reset());

describe('batch writer under throttling and unprocessed items on every batch', () => {
  it('writes every item exactly once, returns the distinct count and records every retry', async () => {
    // Prepare: 1,000 distinct items, every 10th sent twice in a row (last wins within a batch)
    const table = new MemoryTable(true);
    table.install();
    const distinct: Item[] = Array.from({ length: 1000 }, (_, i) => ({
      PK: `P#${i % 37}`,
      SK: `S#${i}`,
      v: i,
    }));
    const sent = distinct.flatMap((item, i) => (i % 10 === 0 ? [{ ...item, v: -1 }, item] : [item]));
    const faults = faultRecorder();

    // Act
    const written = await makeBatchWriter(ddb, TABLE, { ...noSleep, faults }).put(sent);

    // Assess: 40 batches of 25 distinct keys; per batch 1 + 1 throttles and 4 unprocessed hand-backs
    expect(written).toBe(1000);
    expect(table.accepted.size).toBe(1000);
    expect([...table.accepted.values()].every((n) => n === 1)).toBe(true);
    expect(table.content()).toEqual(contentOf(distinct));
    const perBatch = expectedRetries(25);
    expect(perBatch).toEqual({ unprocessed: 4, calls: 7 });
    expect(faults.snapshot().byKind).toEqual({
      'dynamodb:ProvisionedThroughputExceededException': 40,
      'dynamodb:ThrottlingException': 40,
      'dynamodb:UnprocessedItems': 40 * perBatch.unprocessed,
    });
    expect(faults.snapshot().byKind).toEqual(table.handedOut);
    expect(ddbMock.commandCalls(BatchWriteCommand)).toHaveLength(40 * perBatch.calls);
  });

  it('deletes every key exactly once under the same faults', async () => {
    // Prepare
    const table = new MemoryTable(true);
    table.install();
    const keys = Array.from({ length: 60 }, (_, i) => ({ PK: 'P', SK: `S#${i}` }));
    const faults = faultRecorder();

    // Act
    const deleted = await makeBatchWriter(ddb, TABLE, { ...noSleep, faults }).delete(keys);

    // Assess: batches of 25, 25 and 10
    expect(deleted).toBe(60);
    expect([...table.accepted.keys()].sort()).toEqual(keys.map((k) => `${k.PK}|${k.SK}`).sort());
    expect([...table.accepted.values()].every((n) => n === 1)).toBe(true);
    const unprocessed = 2 * expectedRetries(25).unprocessed + expectedRetries(10).unprocessed;
    expect(faults.snapshot().byKind['dynamodb:UnprocessedItems']).toBe(unprocessed);
    expect(faults.snapshot().byKind).toEqual(table.handedOut);
  });
});

describe('a whole publish under the same faults', () => {
  const DIMENSIONS = ['acquisition_channel', 'cohort_month', 'country'];
  const RUN = '2026-02-01T020000000Z';
  const list = customers(180, 7);

  async function publishInto(table: MemoryTable): Promise<ReturnType<typeof faultRecorder>> {
    table.install();
    const faults = faultRecorder();
    const store = makeResultsStore(ddb, TABLE, { shardSize: 50, batch: noSleep, faults });
    const segments = segmentsOf(list, DIMENSIONS);
    const dimensions = Object.fromEntries(DIMENSIONS.map((d) => [d, segments[d]?.length ?? 0]));
    const record = { ...runRecord(RUN, '2026-02-01', dimensions), customers: list.length };
    await store.writeRunRecord(record, 2_000_000_000);
    const shards = await store.writeCustomers(RUN, '2026-02-01', list, DIMENSIONS, 2_000_000_000);
    const business = segment('_all', '_all', list.length);
    await store.writeSegments(RUN, '2026-02-01', segments, business, shards, 2_000_000_000);
    await store.publishRun({ ...record, finishedAt: '2026-02-01T02:10:00.000Z' }, 2_000_000_000);
    return faults;
  }

  it('leaves exactly the items of a fault-free publish', async () => {
    // Prepare
    const clean = new MemoryTable(false);
    const faulty = new MemoryTable(true);

    // Act
    const cleanFaults = await publishInto(clean);
    const faults = await publishInto(faulty);

    // Assess: per customer 1 item + 1 member per dimension and `_all`; per segment a row and a trend
    // entry (plus `_all`); the summary, record, index entry and pointer
    const segmentCount = Object.values(segmentsOf(list, DIMENSIONS)).reduce((n, s) => n + s.length, 0);
    const expected = list.length * (2 + DIMENSIONS.length) + 2 * (segmentCount + 1) + 4;
    expect(clean.rows.size).toBe(expected);
    expect(faulty.content()).toEqual(clean.content());
    expect(cleanFaults.snapshot().retries).toBe(0);
    const byKind = faults.snapshot().byKind;
    expect(byKind).toEqual(faulty.handedOut);
    expect(Object.keys(byKind).sort()).toEqual([
      'dynamodb:ProvisionedThroughputExceededException',
      'dynamodb:ThrottlingException',
      'dynamodb:UnprocessedItems',
    ]);
    const multiWrites = [...faulty.accepted.values()].filter((n) => n > 1).length;
    // Only the segment rows are written twice (manifest first, full row later); nothing else repeats.
    expect(multiWrites).toBe(segmentCount + 1);
  });
});

describe('a cleanup that fails after the pointer moved', () => {
  it('keeps the run published and reports the cleanup error instead of failing the publish', async () => {
    // Prepare: every Query fails, so the sweep of older runs (which pages the run index) cannot run
    const table = new MemoryTable(false);
    table.install();
    ddbMock.on(QueryCommand).rejects(awsError('InternalServerError'));
    const store = makeResultsStore(ddb, TABLE, { batch: { ...noSleep, maxAttempts: 1 } });
    const record = {
      ...runRecord('2026-03-01T020000000Z', '2026-03-01', {}),
      finishedAt: '2026-03-01T02:05:00.000Z',
    };

    // Act
    const outcome = await store.publishRun(record, 2_000_000_000);

    // Assess
    expect(outcome.cleanupError).toMatch(/InternalServerError/);
    const byType = (type: string) => [...table.rows.values()].find((r) => r.type === type);
    expect(byType('pointer')?.runId).toBe(record.runId);
    expect(byType('run')?.status).toBe('published');
  });
});
