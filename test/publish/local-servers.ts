/**
 * dynalite + s3rver on 127.0.0.1 for the publish and export-source integration tests. Like
 * test/support/local-aws.ts but with s3rver's built-in key pair (S3RVER/S3RVER): s3rver answers
 * InvalidAccessKeyId to any other access key, dynalite accepts any.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBucket, ensureResultsTable } from '../../bin/local/provision.js';
import { startLocalServers } from '../../bin/local/servers.js';
import { type AwsClients, awsClients } from '../../lambdas/platform/aws-clients.js';

export interface LocalAws extends AwsClients {
  readonly bucket: string;
  readonly table: string;
  readonly dir: string;
  close(): Promise<void>;
}

/** Starts both servers with a fresh bucket and a results table (PK/SK strings, on demand). */
export async function startLocalAws(bucket = 'test-exports', table = 'test-results'): Promise<LocalAws> {
  const dir = await mkdtemp(join(tmpdir(), 'clv-publish-it-'));
  const servers = await startLocalServers({ s3Dir: join(dir, 's3') });
  const clients = awsClients({
    endpoint: { s3: servers.s3Endpoint, dynamodb: servers.dynamoEndpoint },
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts: 2,
  });
  await ensureBucket(clients.s3, bucket);
  await ensureResultsTable(clients.ddb, table);
  return {
    ...clients,
    bucket,
    table,
    dir,
    close: async (): Promise<void> => {
      clients.s3.destroy();
      clients.ddb.destroy();
      await servers.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
