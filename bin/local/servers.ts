import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import S3rver from 's3rver';

/** s3rver answers InvalidAccessKeyId to any key but its built-in pair; dynalite accepts any. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** DynamoDB (dynalite) and S3 (s3rver) servers on 127.0.0.1 — the embedded default and the integration tests. */
export interface LocalServers {
  readonly s3Endpoint: string;
  readonly dynamoEndpoint: string;
  close(): Promise<void>;
}

export interface LocalServerOptions {
  /** s3rver's object directory. */
  readonly s3Dir: string;
  /** dynalite's LevelDB directory; in memory when absent. */
  readonly dynamoDir?: string;
}

/** Starts both servers on free loopback ports. */
export async function startLocalServers(options: LocalServerOptions): Promise<LocalServers> {
  await mkdir(options.s3Dir, { recursive: true });
  if (options.dynamoDir) await mkdir(options.dynamoDir, { recursive: true });
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: options.dynamoDir });
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(0, '127.0.0.1', () => resolve());
  });
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', directory: options.s3Dir, silent: true });
  const s3Address = (await s3.run()) as AddressInfo;
  const dynamoAddress = dynamo.address() as AddressInfo;
  return {
    s3Endpoint: `http://127.0.0.1:${s3Address.port}`,
    dynamoEndpoint: `http://127.0.0.1:${dynamoAddress.port}`,
    close: async () => {
      await s3.close();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}
