/**
 * One nightly run at a time: a lease stored as one item of the results table (`LOCK` / `nightly`), taken
 * with a conditional PutItem and given back with a conditional DeleteItem. The lease expires on its own,
 * so a run killed before it could release (a Lambda timeout, a crashed process) blocks the next run only
 * until `leaseExpiresAt`, never for good. Times are ISO-8601 UTC strings: their order is their string order.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './dynamo-errors.js';
import type { ItemKey } from './keys.js';

/** The lock item's key: outside every run's partitions, never read by the query API. */
export const RUN_LOCK_KEY: ItemKey = { PK: 'LOCK', SK: 'nightly' };

/** Lease when none is configured: longer than Lambda's 15-minute maximum, for local runs. */
export const DEFAULT_LEASE_MS = 20 * 60_000;

/** A lock item left behind is deleted by TTL this long after its lease ended (it is harmless meanwhile). */
const TIDY_AFTER_SECONDS = 86_400;

const ACQUIRE_ATTEMPTS = 3;

/** Who holds (or held) the lock. */
export interface LockHolder {
  /** Run id of the holder. */
  readonly owner: string;
  readonly acquiredAt: string;
  readonly leaseExpiresAt: string;
}

/** A lock this invocation holds; `token` tells it apart from another attempt with the same run id. */
export interface RunLease extends LockHolder {
  readonly token: string;
  /** The expired lease this one replaced (its run was killed or overran), or null. */
  readonly tookOverFrom: LockHolder | null;
}

/** The lock could not be taken for a reason other than a live holder. */
export class RunLockError extends Error {
  override readonly name: string = 'RunLockError';
}

/** Another run holds a live lease: this invocation must do nothing. */
export class RunInProgressError extends RunLockError {
  override readonly name = 'RunInProgressError';
  constructor(
    readonly holder: LockHolder,
    options?: ErrorOptions,
  ) {
    super(
      `run ${holder.owner} holds the lock since ${holder.acquiredAt} until ${holder.leaseExpiresAt}; ` +
        'this invocation does nothing',
      options,
    );
  }
}

export interface RunLock {
  /** Takes the lock for `owner` (a run id) at `now`; throws RunInProgressError while another lease is live. */
  acquire(owner: string, now: Date): Promise<RunLease>;
  /** Gives the lock back; false when the lease had expired and another run had taken it over meanwhile. */
  release(lease: RunLease): Promise<boolean>;
}

export interface RunLockOptions {
  /** How long a lease lasts; must exceed the longest run (the function timeout). @default DEFAULT_LEASE_MS */
  readonly leaseMs?: number;
}

/** The nightly run lock over the results table. */
export function makeRunLock(
  ddb: DynamoDBDocumentClient,
  table: string,
  options: RunLockOptions = {},
): RunLock {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  if (!(Number.isSafeInteger(leaseMs) && leaseMs > 0)) {
    throw new RangeError(`The run lock's lease must be a positive number of milliseconds, got ${leaseMs}`);
  }
  return {
    async acquire(owner: string, now: Date): Promise<RunLease> {
      const expires = new Date(now.getTime() + leaseMs);
      const holder: LockHolder = {
        owner,
        acquiredAt: now.toISOString(),
        leaseExpiresAt: expires.toISOString(),
      };
      const token = randomUUID();
      const item = {
        ...RUN_LOCK_KEY,
        type: 'lock',
        ...holder,
        token,
        expiresAt: Math.floor(expires.getTime() / 1000) + TIDY_AFTER_SECONDS,
      };
      // A holder that releases between our refused put and our look at it leaves the lock free: try again.
      for (let attempt = 1; attempt <= ACQUIRE_ATTEMPTS; attempt++) {
        try {
          const out = await ddb.send(
            new PutCommand({
              TableName: table,
              Item: item,
              ConditionExpression: 'attribute_not_exists(PK) OR leaseExpiresAt < :now',
              ExpressionAttributeValues: { ':now': holder.acquiredAt },
              ReturnValues: 'ALL_OLD',
            }),
          );
          return { ...holder, token, tookOverFrom: out.Attributes ? holderOf(out.Attributes) : null };
        } catch (cause) {
          if (!isConditionFailure(cause)) throw cause;
          const current = await ddb.send(
            new GetCommand({ TableName: table, Key: RUN_LOCK_KEY, ConsistentRead: true }),
          );
          if (current.Item) throw new RunInProgressError(holderOf(current.Item), { cause });
        }
      }
      throw new RunLockError(
        `Could not take the run lock for ${owner}: it was taken and released ${ACQUIRE_ATTEMPTS} times in a row`,
      );
    },

    async release(lease: RunLease): Promise<boolean> {
      try {
        await ddb.send(
          new DeleteCommand({
            TableName: table,
            Key: RUN_LOCK_KEY,
            ConditionExpression: '#token = :token',
            ExpressionAttributeNames: { '#token': 'token' },
            ExpressionAttributeValues: { ':token': lease.token },
          }),
        );
        return true;
      } catch (cause) {
        if (isConditionFailure(cause)) return false;
        throw cause;
      }
    },
  };
}

function holderOf(item: Record<string, unknown>): LockHolder {
  return {
    owner: String(item.owner),
    acquiredAt: String(item.acquiredAt),
    leaseExpiresAt: String(item.leaseExpiresAt),
  };
}
