import { join } from 'node:path';
import type { CurrencyCount } from '../../ingest/currency-errors.js';
import { validateShardRows } from '../../ingest/shard-validate.js';
import { DATASETS, type Dataset } from '../../ingest/types.js';
import type { JobConfig } from '../../platform/config.js';
import type { ShardedJobDeps } from './deps.js';
import type { PartitionedFileRecord } from './partition-stage.js';
import type { FileItem, OrderDateRange, ShardedRun, ShardItem } from './run-state.js';
import { ingestOptions, inScratch } from './scratch.js';
import { workKeys } from './work-keys.js';

/** What validateShard wrote for one shard (read by the gate). */
export interface ValidatedShardRecord {
  readonly shard: number;
  readonly accepted: Readonly<Record<Dataset, number>>;
  readonly currencies: readonly CurrencyCount[];
  readonly range: OrderDateRange | null;
  readonly rejectsKey: string | null;
}

/** Every file's partition record, in file order. */
export async function partitionedFiles(
  deps: ShardedJobDeps,
  run: ShardedRun,
): Promise<PartitionedFileRecord[]> {
  const keys = workKeys(run);
  const files = await deps.work.getJson<FileItem[]>(keys.files);
  return Promise.all(files.map((f) => deps.work.getJson<PartitionedFileRecord>(keys.partitioned(f.fileIdx))));
}

/** Stage 3 (Map over shards): the row rules across files (duplicates, acquisition) on one shard's rows. */
export async function validateShard(
  config: JobConfig,
  deps: ShardedJobDeps,
  run: ShardedRun,
  item: ShardItem,
): Promise<{ readonly shard: number; readonly ordersAccepted: number }> {
  const keys = workKeys(run);
  const files = await partitionedFiles(deps, run);
  return inScratch(deps.workDir, `validate-${item.shard}`, 'validate', async (dir) => {
    const parts: Record<Dataset, string[]> = { orders: [], customers: [], marketing_spend: [] };
    for (const file of files) {
      for (const part of file.parts) {
        if (part.shard !== item.shard) continue;
        const local = join(dir, 'parts', file.dataset, `${parts[file.dataset].length}.parquet`);
        await deps.work.download(part.key, local);
        parts[file.dataset].push(local);
      }
    }
    const options = ingestOptions(config.settings, run.exportDate, dir);
    const names = files.map((f) => ({ fileIdx: f.fileIdx, name: f.name }));
    const out = await validateShardRows(options, names, parts, join(dir, 'out'));
    for (const dataset of DATASETS)
      await deps.work.upload(keys.validRows(item.shard, dataset), out.paths[dataset]);
    const rejectsKey = out.rejectsPath ? keys.shardRejects(item.shard) : null;
    if (out.rejectsPath && rejectsKey) await deps.work.upload(rejectsKey, out.rejectsPath);
    const record: ValidatedShardRecord = {
      shard: item.shard,
      accepted: out.accepted,
      currencies: out.currencies,
      range: out.range,
      rejectsKey,
    };
    await deps.work.putJson(keys.validated(item.shard), record);
    return { shard: item.shard, ordersAccepted: out.accepted.orders };
  });
}
