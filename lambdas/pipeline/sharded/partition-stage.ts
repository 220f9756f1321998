import { basename, join } from 'node:path';
import { partitionExportFile } from '../../ingest/shard-partition.js';
import type { Dataset } from '../../ingest/types.js';
import type { JobConfig } from '../../platform/config.js';
import type { ShardedJobDeps } from './deps.js';
import type { FileItem, ShardedRun } from './run-state.js';
import { ingestOptions, inScratch } from './scratch.js';
import { workKeys } from './work-keys.js';

/** What partitionFile wrote for one file (read back by every shard's validation and by the gate). */
export interface PartitionedFileRecord {
  readonly fileIdx: number;
  readonly dataset: Dataset;
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly rowsRead: number;
  readonly parts: readonly { readonly shard: number; readonly key: string }[];
  readonly rejectsKey: string | null;
}

/** Stage 2 (Map over files): read and check one file, write its rows by customer shard as Parquet. */
export async function partitionFile(
  config: JobConfig,
  deps: ShardedJobDeps,
  run: ShardedRun,
  item: FileItem,
): Promise<{ readonly fileIdx: number; readonly rowsRead: number }> {
  const keys = workKeys(run);
  return inScratch(deps.workDir, `partition-${item.fileIdx}`, 'ingest', async (dir) => {
    const localPath = join(dir, `input-${basename(item.key)}`);
    const { bytes, sha256 } = await deps.source.download(item.key, localPath);
    const file = { dataset: item.dataset, name: item.key, localPath, bytes, sha256 };
    const options = ingestOptions(config.settings, run.exportDate, dir);
    const out = await partitionExportFile(options, file, item.fileIdx, run.layout.shards, join(dir, 'out'));
    const perShard = new Map<number, number>();
    const parts: { shard: number; key: string }[] = [];
    for (const part of out.parts) {
      const n = perShard.get(part.shard) ?? 0;
      perShard.set(part.shard, n + 1);
      const key = keys.part(part.shard, item.dataset, item.fileIdx, n);
      await deps.work.upload(key, part.path);
      parts.push({ shard: part.shard, key });
    }
    const rejectsKey = out.rejectsPath ? keys.fileRejects(item.fileIdx) : null;
    if (out.rejectsPath && rejectsKey) await deps.work.upload(rejectsKey, out.rejectsPath);
    const record: PartitionedFileRecord = {
      fileIdx: item.fileIdx,
      dataset: item.dataset,
      name: item.key,
      bytes,
      sha256,
      rowsRead: out.rowsRead,
      parts,
      rejectsKey,
    };
    // Written last: a shard reads only the parts this manifest names, never leftovers of an earlier attempt.
    await deps.work.putJson(keys.partitioned(item.fileIdx), record);
    return { fileIdx: item.fileIdx, rowsRead: out.rowsRead };
  });
}
