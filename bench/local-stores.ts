/**
 * The benchmark's stand-ins for S3: an export folder and a work folder on the local disk, behind the
 * same ExportSource and WorkStore interfaces the job uses in Lambda. They keep S3's transfer time out
 * of the measurement (docs/scale.md estimates it separately) and s3rver's, which is far slower than S3.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { ExportFile, ExportSource } from '../lambdas/ingest/export-source.js';
import { DATASETS } from '../lambdas/ingest/types.js';
import type { WorkStore } from '../lambdas/platform/work-store.js';

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

/** Exports laid out as in the bucket: `<root>/<date>/<dataset>/<file>` and `<root>/<date>/_SUCCESS`. */
export function folderExportSource(root: string): ExportSource {
  return {
    async listCompleteDates() {
      const dates = existsSync(root) ? await readdir(root) : [];
      return dates.filter((d) => existsSync(join(root, d, '_SUCCESS'))).sort();
    },
    async listFiles(date) {
      const files: ExportFile[] = [];
      for (const dataset of DATASETS) {
        for (const path of await filesUnder(join(root, date, dataset))) {
          const { size, mtimeMs } = await stat(path);
          files.push({ dataset, key: relative(root, path), bytes: size, etag: String(mtimeMs) });
        }
      }
      return files;
    },
    async listIgnored() {
      return [];
    },
    async download(key, localPath) {
      const source = join(root, key);
      await mkdir(dirname(localPath), { recursive: true });
      await copyFile(source, localPath);
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(localPath)) hash.update(chunk as Buffer);
      return { bytes: (await stat(localPath)).size, sha256: hash.digest('hex') };
    },
  };
}

/** A run's work prefix as files under `root` (key = relative path). */
export function folderWorkStore(root: string): WorkStore {
  const at = (key: string): string => join(root, key);
  const list = async (prefix: string): Promise<string[]> =>
    (await filesUnder(root)).map((p) => relative(root, p)).filter((k) => k.startsWith(prefix));
  return {
    async putJson(key, value) {
      await mkdir(dirname(at(key)), { recursive: true });
      await writeFile(at(key), JSON.stringify(value));
    },
    async getJson<T>(key: string): Promise<T> {
      return JSON.parse(await readFile(at(key), 'utf8')) as T;
    },
    async upload(key, localPath) {
      await mkdir(dirname(at(key)), { recursive: true });
      await copyFile(localPath, at(key));
    },
    async download(key, localPath) {
      await mkdir(dirname(localPath), { recursive: true });
      await copyFile(at(key), localPath);
    },
    list,
    async removePrefix(prefix) {
      const keys = await list(prefix);
      await rm(at(prefix), { recursive: true, force: true });
      return keys.length;
    },
  };
}
