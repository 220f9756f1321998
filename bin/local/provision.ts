import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MEMBER_SORT_INDEXES } from '../../lambdas/publish/keys.js';

/**
 * Creates the results table with the stack's key schema and member sort indexes
 * (lib/constructs/results-table.ts) if missing.
 */
export async function ensureResultsTable(ddb: DynamoDBDocumentClient, table: string): Promise<void> {
  const indexes = Object.values(MEMBER_SORT_INDEXES);
  try {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: table }));
    const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
    if (indexes.every((i) => present.has(i.indexName))) return;
    // A table from an older version of this project: local results are rebuilt by the next run.
    await ddb.send(new DeleteTableCommand({ TableName: table }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await ddb.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'PK', AttributeType: 'S' },
        { AttributeName: 'SK', AttributeType: 'S' },
        ...indexes.map((i) => ({ AttributeName: i.sortKey, AttributeType: 'S' as const })),
      ],
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: indexes.map((i) => ({
        IndexName: i.indexName,
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' as const },
          { AttributeName: i.sortKey, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      })),
    }),
  );
}

/** Creates the exports bucket if missing. */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

/** True when the bucket holds at least one object under `prefix`. */
export async function hasObjects(s3: S3Client, bucket: string, prefix: string): Promise<boolean> {
  // No MaxKeys: s3rver answers 500 InternalError to a listing it has to truncate (MaxKeys below the count).
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.KeyCount ?? 0) > 0;
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile() && !entry.name.startsWith('.')) yield path;
  }
}

/** Uploads every file under `dir` to `<prefix><relative path>`; returns the keys. */
export async function uploadFolder(
  s3: S3Client,
  bucket: string,
  dir: string,
  prefix: string,
): Promise<string[]> {
  const keys: string[] = [];
  for await (const path of walk(dir)) {
    const key = prefix + relative(dir, path).split(sep).join('/');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(path) }));
    keys.push(key);
  }
  return keys;
}

/** Export dates (`YYYY-MM-DD/` folders) directly under `dir`; empty when `dir` is one export date. */
export async function exportDateFolders(dir: string): Promise<string[]> {
  if (!(await stat(dir)).isDirectory()) throw new Error(`--exports ${dir} is not a folder`);
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && /^\d{4}-\d{2}-\d{2}$/.test(e.name))
    .map((e) => e.name)
    .sort();
}
