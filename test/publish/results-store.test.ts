import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { PublishError } from '../../lambdas/publish/batch-writer.js';
import {
  InvalidCursorError,
  makeResultsStore,
  RunAlreadyPublishedError,
  StaleRunError,
} from '../../lambdas/publish/results-store.js';
import { customers, runRecord, segment } from './fixture.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const TABLE = 'results';
const store = () => makeResultsStore(ddb, TABLE, { batch: { sleep: async () => {} } });

function conditionFailed(): Error {
  return Object.assign(new Error('The conditional request failed'), {
    name: 'ConditionalCheckFailedException',
  });
}

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(QueryCommand).resolves({ Items: [] });
  ddbMock.on(GetCommand).resolves({});
  ddbMock.on(BatchWriteCommand).resolves({});
});

describe('publishRun', () => {
  it('refuses to move the pointer to an older export date with StaleRunError', async () => {
    // Prepare
    ddbMock.on(PutCommand, { Item: { PK: 'POINTER' } }).rejects(conditionFailed());
    ddbMock
      .on(GetCommand, { Key: { PK: 'POINTER', SK: 'CURRENT' } })
      .resolves({ Item: { runId: '2026-02-01T020000000Z', exportDate: '2026-02-01', publishedAt: 'x' } });
    const record = runRecord('2026-01-01T020000000Z', '2026-01-01');

    // Act
    const result = store().publishRun(record);

    // Assess
    await expect(result).rejects.toThrow(StaleRunError);
    await expect(result).rejects.toThrow(/older than the current run 2026-02-01T020000000Z/);
    expect(ddbMock).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ PK: 'POINTER', runId: record.runId, exportDate: '2026-01-01' }),
      ConditionExpression:
        'attribute_not_exists(PK) OR exportDate < :date OR (exportDate = :date AND runId <= :run)',
    });
    expect(ddbMock).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ PK: `RUN#${record.runId}`, SK: 'META', status: 'failed' }),
    });
  });

  it('marks the record published before flipping the pointer', async () => {
    const record = runRecord('2026-01-01T020000000Z', '2026-01-01');
    await expect(store().publishRun(record)).resolves.toEqual({ removedRuns: [], cleanupError: null });
    const puts = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item);
    expect(puts.map((i) => `${i?.PK}/${i?.status ?? ''}`)).toEqual([
      `RUN#${record.runId}/published`,
      'RUNS/published',
      'POINTER/',
    ]);
  });
});

describe('writeRunRecord', () => {
  it('will not overwrite a published run', async () => {
    ddbMock.on(PutCommand).rejects(conditionFailed());
    const failed = { ...runRecord('2026-01-01T020000000Z', '2026-01-01'), status: 'failed' as const };
    await expect(store().writeRunRecord(failed)).rejects.toThrow(RunAlreadyPublishedError);
  });

  it('refuses status published (publishRun does that)', async () => {
    const published = { ...runRecord('2026-01-01T020000000Z', '2026-01-01'), status: 'published' as const };
    await expect(store().writeRunRecord(published)).rejects.toThrow(PublishError);
  });

  it('sets expiresAt from the start time and the retention', async () => {
    const record = runRecord('2026-01-01T020000000Z', '2026-01-01');
    await makeResultsStore(ddb, TABLE, { retentionDays: 10 }).writeRunRecord(record);
    const expected = Date.parse(record.startedAt) / 1000 + 10 * 86_400;
    expect(ddbMock).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ PK: 'RUNS', expiresAt: expected }),
    });
  });
});

describe('writeCustomers / writeSegments', () => {
  it('rejects a customer listed twice', async () => {
    const [one] = customers(1);
    await expect(
      store().writeCustomers(
        'r',
        '2026-01-01',
        [one, one].filter((c) => c !== undefined),
        [],
        1,
      ),
    ).rejects.toThrow(/appears twice/);
  });

  it('rejects a segment whose members were never written', async () => {
    const business = segment('_all', '_all', 1);
    await expect(
      store().writeSegments('r', '2026-01-01', { country: [segment('country', 'XX', 3)] }, business, {}, 1),
    ).rejects.toThrow(/country=XX has 3 customers but no members/);
  });
});

describe('segmentCustomers', () => {
  it('rejects a cursor from another segment', async () => {
    ddbMock.on(GetCommand).resolves({ Item: { PK: 'x', SK: 'y', shards: 2 } });
    const other = Buffer.from(
      JSON.stringify({ v: 2, r: 'r', d: 'country', s: 'FR', o: 'clv', a: 'desc', k: [null, null] }),
    ).toString('base64url');
    await expect(store().segmentCustomers('r', 'country', 'DE', { limit: 5, cursor: other })).rejects.toThrow(
      InvalidCursorError,
    );
    await expect(store().segmentCustomers('r', 'country', 'DE', { limit: 5, cursor: '%%%' })).rejects.toThrow(
      InvalidCursorError,
    );
  });
});
