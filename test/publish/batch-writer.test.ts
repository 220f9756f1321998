import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { faultRecorder } from '../../lambdas/platform/fault-recorder.js';
import {
  BatchWriteError,
  type Item,
  makeBatchWriter,
  PublishError,
} from '../../lambdas/publish/batch-writer.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const TABLE = 'results';

const items = (n: number): Item[] => Array.from({ length: n }, (_, i) => ({ PK: `P#${i}`, SK: 'S', n: i }));
const unprocessed = (list: Item[]): Record<string, Array<{ PutRequest: { Item: Item } }>> => ({
  [TABLE]: list.map((Item) => ({ PutRequest: { Item } })),
});

function throttled(): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'ProvisionedThroughputExceededException',
    $metadata: { httpStatusCode: 400 },
  });
}

let sleeps: number[];
const options = () => ({ sleep: async (ms: number) => void sleeps.push(ms), random: () => 0.5 });

beforeEach(() => {
  ddbMock.reset();
  sleeps = [];
});

describe('makeBatchWriter', () => {
  it('writes in batches of 25', async () => {
    // Prepare
    ddbMock.on(BatchWriteCommand).resolves({});

    // Act
    const written = await makeBatchWriter(ddb, TABLE, options()).put(items(60));

    // Assess
    expect(written).toBe(60);
    const sizes = ddbMock
      .commandCalls(BatchWriteCommand)
      .map((c) => c.args[0].input.RequestItems?.[TABLE]?.length);
    expect(sizes.sort()).toEqual([10, 25, 25]);
  });

  it('retries throttling errors with backoff, then succeeds', async () => {
    // Prepare
    ddbMock.on(BatchWriteCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({});

    // Act
    await makeBatchWriter(ddb, TABLE, options()).put(items(3));

    // Assess
    expect(ddbMock).toHaveReceivedCommandTimes(BatchWriteCommand, 3);
    expect(sleeps).toEqual([25, 50]);
  });

  it('retries only the unprocessed items until they drain', async () => {
    // Prepare
    const batch = items(5);
    ddbMock
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: unprocessed(batch.slice(2)) })
      .resolvesOnce({ UnprocessedItems: unprocessed(batch.slice(4)) })
      .resolves({ UnprocessedItems: {} });

    // Act
    await makeBatchWriter(ddb, TABLE, options()).put(batch);

    // Assess
    const sizes = ddbMock
      .commandCalls(BatchWriteCommand)
      .map((c) => c.args[0].input.RequestItems?.[TABLE]?.length);
    expect(sizes).toEqual([5, 3, 1]);
    expect(sleeps).toHaveLength(2);
  });

  it('gives up after maxAttempts, naming how many items were left', async () => {
    // Prepare
    const batch = items(4);
    ddbMock.on(BatchWriteCommand).resolves({ UnprocessedItems: unprocessed(batch.slice(1)) });

    // Act
    const result = makeBatchWriter(ddb, TABLE, { ...options(), maxAttempts: 4 }).put(batch);

    // Assess
    await expect(result).rejects.toThrow(BatchWriteError);
    await expect(result).rejects.toThrow('3 item(s) left unprocessed after 4 BatchWriteItem attempt(s)');
    expect(ddbMock).toHaveReceivedCommandTimes(BatchWriteCommand, 4);
  });

  it('caps the exponential backoff', async () => {
    ddbMock.on(BatchWriteCommand).rejects(throttled());
    const writer = makeBatchWriter(ddb, TABLE, {
      ...options(),
      maxAttempts: 10,
      baseDelayMs: 100,
      maxDelayMs: 1000,
    });
    await expect(writer.put(items(1))).rejects.toThrow(BatchWriteError);
    expect(Math.max(...sleeps)).toBe(500);
  });

  it('records each retry by kind, and nothing for the attempt it gives up on', async () => {
    // Prepare: a throttle, a partial batch, a 503 without a service name, then success
    const batch = items(4);
    const unnamed = Object.assign(new Error('Service Unavailable'), { $metadata: { httpStatusCode: 503 } });
    ddbMock
      .on(BatchWriteCommand)
      .rejectsOnce(throttled())
      .resolvesOnce({ UnprocessedItems: unprocessed(batch.slice(3)) })
      .rejectsOnce(unnamed)
      .resolves({});
    const faults = faultRecorder();
    const failing = faultRecorder();

    // Act
    await makeBatchWriter(ddb, TABLE, { ...options(), faults }).put(batch);
    ddbMock.reset();
    ddbMock.on(BatchWriteCommand).rejects(throttled());
    const givenUp = makeBatchWriter(ddb, TABLE, { ...options(), maxAttempts: 3, faults: failing }).put(batch);

    // Assess
    expect(faults.snapshot()).toEqual({
      retries: 3,
      byKind: {
        'dynamodb:HTTP503': 1,
        'dynamodb:ProvisionedThroughputExceededException': 1,
        'dynamodb:UnprocessedItems': 1,
      },
    });
    await expect(givenUp).rejects.toThrow(BatchWriteError);
    expect(failing.snapshot().byKind).toEqual({ 'dynamodb:ProvisionedThroughputExceededException': 2 });
  });

  it('does not retry errors that cannot succeed later', async () => {
    ddbMock.on(BatchWriteCommand).rejects(Object.assign(new Error('bad'), { name: 'ValidationException' }));
    await expect(makeBatchWriter(ddb, TABLE, options()).put(items(2))).rejects.toThrow(PublishError);
    expect(ddbMock).toHaveReceivedCommandTimes(BatchWriteCommand, 1);
  });

  it('keeps at most `concurrency` batches in flight', async () => {
    // Prepare
    let inFlight = 0;
    let peak = 0;
    ddbMock.on(BatchWriteCommand).callsFake(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return {};
    });

    // Act
    await makeBatchWriter(ddb, TABLE, { ...options(), concurrency: 3 }).put(items(25 * 10));

    // Assess
    expect(peak).toBe(3);
    expect(ddbMock).toHaveReceivedCommandTimes(BatchWriteCommand, 10);
  });

  it('deletes by key and drops repeated keys within a batch', async () => {
    ddbMock.on(BatchWriteCommand).resolves({});
    const sent = await makeBatchWriter(ddb, TABLE, options()).delete([
      { PK: 'a', SK: '1' },
      { PK: 'a', SK: '1' },
      { PK: 'b', SK: '1' },
    ]);
    expect(sent).toBe(2);
    expect(ddbMock).toHaveReceivedCommandWith(BatchWriteCommand, {
      RequestItems: {
        [TABLE]: [
          { DeleteRequest: { Key: { PK: 'a', SK: '1' } } },
          { DeleteRequest: { Key: { PK: 'b', SK: '1' } } },
        ],
      },
    });
  });
});
