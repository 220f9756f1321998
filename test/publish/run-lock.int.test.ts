import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureResultsTable } from '../../bin/local/provision.js';
import {
  DEFAULT_LEASE_MS,
  makeRunLock,
  RUN_LOCK_KEY,
  RunInProgressError,
  RunLockError,
} from '../../lambdas/publish/run-lock.js';
import { type LocalAws, startLocalAws } from '../support/local-aws.js';

let aws: LocalAws;
let table: string;
let tables = 0;

beforeAll(async () => {
  aws = await startLocalAws('run-lock-exports', 'run-lock-results');
});
afterAll(async () => aws.close());
// Every test gets its own empty table: the lock is one item, and tests must not see each other's.
beforeEach(async () => {
  table = `run-lock-${++tables}`;
  await ensureResultsTable(aws.ddb, table);
});

const MINUTE = 60_000;
const T0 = new Date('2026-11-25T02:00:00.000Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * MINUTE);
const lockItem = async (): Promise<Record<string, unknown> | undefined> =>
  (await aws.ddb.send(new GetCommand({ TableName: table, Key: RUN_LOCK_KEY, ConsistentRead: true }))).Item;

describe('the run lock on DynamoDB (dynalite)', () => {
  it('records the owner, the acquisition time and a lease of the configured length', async () => {
    // Prepare
    const lock = makeRunLock(aws.ddb, table, { leaseMs: 15.5 * MINUTE });
    // Act
    const lease = await lock.acquire('2026-11-24T020000000Z', T0);
    // Assess
    expect(lease).toMatchObject({
      owner: '2026-11-24T020000000Z',
      acquiredAt: '2026-11-25T02:00:00.000Z',
      leaseExpiresAt: '2026-11-25T02:15:30.000Z',
      tookOverFrom: null,
    });
    expect(await lockItem()).toMatchObject({
      type: 'lock',
      owner: '2026-11-24T020000000Z',
      acquiredAt: '2026-11-25T02:00:00.000Z',
      leaseExpiresAt: '2026-11-25T02:15:30.000Z',
      token: lease.token,
    });
  });

  it('defaults to a 20-minute lease, longer than the 15-minute Lambda maximum', async () => {
    // Act
    const lease = await makeRunLock(aws.ddb, table).acquire('run-a', T0);
    // Assess
    expect(DEFAULT_LEASE_MS).toBe(20 * MINUTE);
    expect(Date.parse(lease.leaseExpiresAt) - T0.getTime()).toBe(20 * MINUTE);
  });

  it('refuses a second owner while the lease is live, naming the holder and its lease, and leaves the item alone', async () => {
    // Prepare
    const lock = makeRunLock(aws.ddb, table, { leaseMs: 20 * MINUTE });
    await lock.acquire('run-a', T0);
    const before = await lockItem();
    // Act: one minute before, and exactly at, the end of the lease
    const early = lock.acquire('run-b', at(19));
    const boundary = lock.acquire('run-b', at(20));
    // Assess
    await expect(early).rejects.toBeInstanceOf(RunInProgressError);
    await expect(early).rejects.toThrow(
      'run run-a holds the lock since 2026-11-25T02:00:00.000Z until 2026-11-25T02:20:00.000Z; ' +
        'this invocation does nothing',
    );
    await expect(boundary).rejects.toMatchObject({ holder: { owner: 'run-a' } });
    expect(await lockItem()).toEqual(before);
  });

  it('takes over a lease that has expired (its run was killed) and says whose it was', async () => {
    // Prepare
    const lock = makeRunLock(aws.ddb, table, { leaseMs: 20 * MINUTE });
    await lock.acquire('killed-run', T0);
    // Act
    const lease = await lock.acquire('next-run', at(20.001));
    // Assess
    expect(lease.tookOverFrom).toEqual({
      owner: 'killed-run',
      acquiredAt: '2026-11-25T02:00:00.000Z',
      leaseExpiresAt: '2026-11-25T02:20:00.000Z',
    });
    expect(await lockItem()).toMatchObject({ owner: 'next-run', leaseExpiresAt: '2026-11-25T02:40:00.060Z' });
  });

  it('releases only its own lease: a lease taken over meanwhile stays with the new holder', async () => {
    // Prepare
    const lock = makeRunLock(aws.ddb, table, { leaseMs: 20 * MINUTE });
    const overran = await lock.acquire('slow-run', T0);
    const successor = await lock.acquire('next-run', at(21));
    // Act
    const releasedStale = await lock.release(overran);
    const itemAfterStale = await lockItem();
    const releasedOwn = await lock.release(successor);
    // Assess
    expect(releasedStale).toBe(false);
    expect(itemAfterStale).toMatchObject({ owner: 'next-run', token: successor.token });
    expect(releasedOwn).toBe(true);
    expect(await lockItem()).toBeUndefined();
  });

  it('tells two attempts with the same run id apart (an injected clock gives both the same id)', async () => {
    // Prepare
    const lock = makeRunLock(aws.ddb, table, { leaseMs: 20 * MINUTE });
    const first = await lock.acquire('same-id', T0);
    const takeover = await lock.acquire('same-id', at(25));
    // Act
    const released = await lock.release(first);
    // Assess
    expect(released).toBe(false);
    expect((await lockItem())?.token).toBe(takeover.token);
  });

  it('lets exactly one of many simultaneous attempts win', async () => {
    // Prepare
    const lock = makeRunLock(aws.ddb, table);
    const owners = Array.from({ length: 8 }, (_, i) => `run-${i}`);
    // Act
    const results = await Promise.allSettled(owners.map((owner) => lock.acquire(owner, T0)));
    // Assess
    const won = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(won).toHaveLength(1);
    expect(refused).toHaveLength(7);
    const winner = (await lockItem())?.owner;
    for (const error of refused) {
      expect(error).toBeInstanceOf(RunInProgressError);
      expect((error as RunInProgressError).holder.owner).toBe(winner);
    }
  });
});

describe('the run lock when DynamoDB answers unusually (mocked)', () => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  // Mocks this one client only: the dynalite client above keeps working.
  const ddbMock = mockClient(client);
  const conditionFailed = (): Error =>
    Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
  beforeEach(() => ddbMock.reset());

  it('tries again when the holder released the lock between the refused put and the look at it', async () => {
    // Prepare
    ddbMock.on(PutCommand).rejectsOnce(conditionFailed()).resolves({});
    ddbMock.on(GetCommand).resolves({});
    // Act
    const lease = await makeRunLock(client, 'results').acquire('run-b', T0);
    // Assess
    expect(lease.owner).toBe('run-b');
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(2);
  });

  it('gives up with RunLockError (not "in progress") when that keeps happening', async () => {
    // Prepare
    ddbMock.on(PutCommand).rejects(conditionFailed());
    ddbMock.on(GetCommand).resolves({});
    // Act
    const attempt = makeRunLock(client, 'results').acquire('run-b', T0);
    // Assess
    await expect(attempt).rejects.toThrow(RunLockError);
    await expect(attempt).rejects.not.toBeInstanceOf(RunInProgressError);
    await expect(attempt).rejects.toThrow(/taken and released 3 times in a row/);
  });

  it('passes other DynamoDB errors through unchanged', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ProvisionedThroughputExceededException',
    });
    ddbMock.on(PutCommand).rejects(throttled);
    // Act
    const attempt = makeRunLock(client, 'results').acquire('run-b', T0);
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });

  it('refuses a lease that is not a positive number of milliseconds', () => {
    expect(() => makeRunLock(client, 'results', { leaseMs: 0 })).toThrow(RangeError);
    expect(() => makeRunLock(client, 'results', { leaseMs: Number.NaN })).toThrow(/positive number/);
  });
});
