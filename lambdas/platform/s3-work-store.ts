/** The WorkStore over one S3 bucket: JSON and Parquet parts of a run under its work prefix. */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { eachLimited } from './each-limited.js';
import type { WorkStore } from './work-store.js';

/** Deletes run this many at a time: one DeleteObject each (no Content-MD5 needed, one IAM action). */
const DELETE_CONCURRENCY = 16;

/** The bucket's work objects; the S3 client's own retries cover transient faults. */
export function s3WorkStore(s3: S3Client, bucket: string): WorkStore {
  const body = async (key: string): Promise<Readable> => {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!(out.Body instanceof Readable)) throw new Error(`s3://${bucket}/${key} has no readable body`);
    return out.Body;
  };
  const list = async (prefix: string): Promise<string[]> => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  };
  return {
    async putJson(key, value) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: JSON.stringify(value),
          ContentType: 'application/json',
        }),
      );
    },
    async getJson<T>(key: string): Promise<T> {
      const text = await (await body(key)).toArray();
      return JSON.parse(Buffer.concat(text as Buffer[]).toString('utf8')) as T;
    },
    async upload(key, localPath) {
      const { size } = await stat(localPath);
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: createReadStream(localPath),
          ContentLength: size,
        }),
      );
    },
    async download(key, localPath) {
      await mkdir(dirname(localPath), { recursive: true });
      await pipeline(await body(key), createWriteStream(localPath));
    },
    list,
    async removePrefix(prefix) {
      const keys = await list(prefix);
      await eachLimited(keys, DELETE_CONCURRENCY, async (key) => {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      });
      return keys.length;
    },
  };
}
