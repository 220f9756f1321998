import { Readable } from 'node:stream';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { faultRecorder } from '../../lambdas/platform/fault-recorder.js';
import { countSdkRetries } from '../../lambdas/platform/sdk-retries.js';

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

/** A request handler answering from a script, one reply per attempt; counts the attempts it saw. */
function scripted(replies: readonly Reply[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    handler: {
      handle: async () => {
        const reply = replies[Math.min(calls++, replies.length - 1)] as Reply;
        return {
          response: {
            statusCode: reply.status,
            headers: { 'content-type': 'application/xml', ...reply.headers },
            body: Readable.from([Buffer.from(reply.body)]),
          },
        };
      },
    },
  };
}

const slowDown = {
  status: 503,
  body: '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
};
const internal = {
  status: 500,
  body: '<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>',
};
const emptyListing = {
  status: 200,
  body: '<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>',
};
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

function s3With(replies: readonly Reply[], maxAttempts: number) {
  const script = scripted(replies);
  const s3 = new S3Client({
    region: 'us-east-1',
    credentials,
    endpoint: 'http://127.0.0.1:1',
    forcePathStyle: true,
    maxAttempts,
    requestHandler: script.handler as never,
  });
  const faults = faultRecorder();
  countSdkRetries(s3, 's3', faults);
  return { s3, faults, script };
}

describe('counting the SDK retries a call survived', () => {
  it('counts each failed attempt of a call that succeeds, by the error code', async () => {
    const { s3, faults, script } = s3With([slowDown, internal, slowDown, emptyListing], 5);
    const out = await s3.send(new ListObjectsV2Command({ Bucket: 'b' }));
    expect(out.$metadata.attempts).toBe(4);
    expect(script.calls).toBe(4);
    expect(faults.snapshot()).toEqual({ retries: 3, byKind: { 's3:InternalError': 1, 's3:SlowDown': 2 } });
  });

  it('counts the retries of a call that finally fails, but not its last failure (nothing retried it)', async () => {
    const { s3, faults, script } = s3With([internal, slowDown], 3);
    await expect(s3.send(new ListObjectsV2Command({ Bucket: 'b' }))).rejects.toMatchObject({
      name: 'SlowDown',
    });
    expect(script.calls).toBe(3);
    expect(faults.snapshot()).toEqual({ retries: 2, byKind: { 's3:InternalError': 1, 's3:SlowDown': 1 } });
  });

  it('counts DynamoDB throttling by its exception name', async () => {
    const throttled = {
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        message: 'Rate exceeded',
      }),
    };
    const ok = { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: '{}' };
    const script = scripted([throttled, throttled, ok]);
    const ddb = new DynamoDBClient({
      region: 'us-east-1',
      credentials,
      endpoint: 'http://127.0.0.1:1',
      maxAttempts: 5,
      requestHandler: script.handler as never,
    });
    const faults = faultRecorder();
    countSdkRetries(ddb, 'dynamodb', faults);
    await ddb.send(new GetItemCommand({ TableName: 't', Key: { PK: { S: 'a' } } }));
    expect(script.calls).toBe(3);
    expect(faults.snapshot()).toEqual({
      retries: 2,
      byKind: { 'dynamodb:ProvisionedThroughputExceededException': 2 },
    });
  });
});
