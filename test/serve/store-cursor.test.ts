/**
 * The store positions inside API cursors (segment-merge.ts for customer lists, results-reader.ts for the
 * run list), on the real reader over a mocked DynamoDB: a tampered position is refused before any
 * Query, so DynamoDB never sees a start key it would reject (a 500); an accepted one only moves inside
 * the query's own partitions, because every start key's PK is rebuilt from the query.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { memberPk, RUNS_PK } from '../../lambdas/publish/keys.js';
import { makeResultsReader } from '../../lambdas/publish/results-reader.js';
import { InvalidCursorError, type MemberOrder } from '../../lambdas/publish/results-store.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
const reader = makeResultsReader(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  'results',
);
const RUN = '2026-03-01T020000000Z';
const SK = '00000000000012345#c00001';

const storeCursor = (k: unknown[], order: MemberOrder = { sort: 'clv', direction: 'desc' }): string =>
  Buffer.from(
    JSON.stringify({ v: 2, r: RUN, d: 'country', s: 'DE', o: order.sort, a: order.direction, k }),
    'utf8',
  ).toString('base64url');

const page = (cursor: string, order?: MemberOrder) =>
  reader.segmentCustomers(RUN, 'country', 'DE', { limit: 5, cursor, order });

beforeEach(() => {
  ddbMock.reset();
  // The segment row: two member shards.
  ddbMock.on(GetCommand).resolves({ Item: { PK: 'p', SK: 's', shards: 2 } });
  ddbMock.on(QueryCommand).resolves({ Items: [] });
});

describe('customer list positions', () => {
  it.each([
    ['an empty key', ['', null]],
    ['a key longer than DynamoDB sort keys (1,024 bytes)', [`00000000000012345#${'x'.repeat(1100)}`, null]],
    ['a lone surrogate', ['00000000000012345#\ud800', null]],
    ['a key of another partition type', ['RUN#2026-03-04T020000000Z#SEG#country#DE#0', null]],
    ['traversal', ['../../', null]],
    ['an injection string', ["' OR 1=1 --", null]],
    ['a sort key without an id', ['00000000000012345#', null]],
    ['a number that is not 0', [5, null]],
    ['an index pair in table order', [[SK, SK], null]],
  ])('refuses %s (table order) before reading', async (_, k) => {
    await expect(page(storeCursor(k))).rejects.toThrow(InvalidCursorError);
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it.each([
    ['a plain key in index order', 'revenue', [SK, null]],
    ['an orders key of 17 digits', 'orders', [[SK, SK], null]],
    ['a revenue key of 12 digits', 'revenue', [['000000012345#c00001', SK], null]],
    [
      'an index key and a table key of different customers',
      'revenue',
      [[SK, '00000000000012345#c00002'], null],
    ],
    ['an empty pair', 'orders', [['', ''], null]],
  ] as const)('refuses %s before reading', async (_, sort, k) => {
    const order: MemberOrder = { sort, direction: 'asc' };
    await expect(page(storeCursor([...k], order), order)).rejects.toThrow(InvalidCursorError);
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it("starts each shard after a well-formed key, inside the query's own partition whatever the cursor held", async () => {
    // Act: shard 0 resumes after a key that names another customer; shard 1 starts from the top
    const order: MemberOrder = { sort: 'orders', direction: 'desc' };
    await page(storeCursor([['000000000003#c00099', '00000000000012345#c00099'], null], order), order);

    // Assess
    const starts = ddbMock.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(starts.map((input) => input.ExpressionAttributeValues?.[':pk'])).toEqual([
      memberPk(RUN, 'country', 'DE', 0),
      memberPk(RUN, 'country', 'DE', 1),
    ]);
    expect(starts[0]?.ExclusiveStartKey).toEqual({
      PK: memberPk(RUN, 'country', 'DE', 0),
      SK: '00000000000012345#c00099',
      ordersKey: '000000000003#c00099',
    });
    expect(starts[1]?.ExclusiveStartKey).toBeUndefined();
  });
});

describe('run list positions', () => {
  const runsCursor = (sk: string) => Buffer.from(sk, 'utf8').toString('base64url');

  it.each([
    ['another partition', 'RUN#2026-03-01T020000000Z'],
    ['a date without a run', '2026-03-01#'],
    ['a run of another date', '2026-03-01#2026-03-02T020000000Z'],
    ['a key longer than DynamoDB sort keys', `2026-03-01#2026-03-01T${'x'.repeat(2000)}`],
  ])('refuses %s before reading', async (_, sk) => {
    await expect(reader.listRuns(10, runsCursor(sk))).rejects.toThrow(InvalidCursorError);
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('starts after a run-index key, in the run index', async () => {
    await reader.listRuns(10, runsCursor(`2026-03-01#${RUN}`));
    expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toEqual({
      PK: RUNS_PK,
      SK: `2026-03-01#${RUN}`,
    });
  });
});
