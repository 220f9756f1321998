import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ensureBucket, ensureResultsTable } from '../../bin/local/provision.js';
import { LOCAL_CREDENTIALS, startLocalServers } from '../../bin/local/servers.js';
import { type AwsClients, awsClients } from '../../lambdas/platform/aws-clients.js';

/** dynalite + s3rver on 127.0.0.1 with a fresh bucket and results table, for integration tests. */
export interface LocalAws extends AwsClients {
  readonly bucket: string;
  readonly table: string;
  readonly dir: string;
  close(): Promise<void>;
}

export async function startLocalAws(bucket = 'test-exports', table = 'test-results'): Promise<LocalAws> {
  const dir = await mkdtemp(join(tmpdir(), 'clv-it-'));
  const servers = await startLocalServers({ s3Dir: join(dir, 's3') });
  const clients = awsClients({
    endpoint: { s3: servers.s3Endpoint, dynamodb: servers.dynamoEndpoint },
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 2,
  });
  await ensureBucket(clients.s3, bucket);
  await ensureResultsTable(clients.ddb, table);
  return {
    ...clients,
    bucket,
    table,
    dir,
    close: async () => {
      clients.s3.destroy();
      clients.ddb.destroy();
      await servers.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every item of the table (Scan, all pages): for tests that prove nothing stale is left behind. */
export async function scanAll(aws: LocalAws): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await aws.ddb.send(new ScanCommand({ TableName: aws.table, ExclusiveStartKey: startKey }));
    items.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}
