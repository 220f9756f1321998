import { join } from 'node:path';
import { openShardRows } from '../../ingest/shard-summaries.js';
import { parquetFiles } from '../../ingest/sql-text.js';
import { DATASETS, type Dataset } from '../../ingest/types.js';
import { churnWindow } from '../../model/churn.js';
import type { JobConfig } from '../../platform/config.js';
import { calibrationSplit } from '../predict-stage.js';
import type { ShardedJobDeps } from './deps.js';
import type { OrderDateRange, ShardedRun, ShardItem } from './run-state.js';
import { inScratch } from './scratch.js';
import { workKeys } from './work-keys.js';

/** What summariseShard wrote for one shard. */
export interface SummarisedShardRecord {
  readonly shard: number;
  readonly customers: number;
  /** The shard's customer attribute columns (`attr:<name>`): the run's are their union. */
  readonly attributeColumns: readonly string[];
  /** Whether a calibration (backtest) Parquet was written: not when the history is too short. */
  readonly calibration: boolean;
}

/**
 * Stage 5 (Map over shards): per-customer summaries and the backtest's calibration cut of one shard, as
 * Parquet, with the run's churn window (from the run's first order date, which is why the gate comes
 * first). Shard 0 also holds all marketing spend and writes its sums.
 */
export async function summariseShard(
  config: JobConfig,
  deps: ShardedJobDeps,
  run: ShardedRun,
  item: ShardItem,
  range: OrderDateRange,
): Promise<{ readonly shard: number; readonly customers: number }> {
  const { settings } = config;
  const keys = workKeys(run);
  return inScratch(deps.workDir, `summarise-${item.shard}`, 'summarise', async (dir) => {
    const paths = {} as Record<Dataset, string>;
    for (const dataset of DATASETS) {
      paths[dataset] = join(dir, `${dataset}.parquet`);
      await deps.work.download(keys.validRows(item.shard, dataset), paths[dataset]);
    }
    const rows = await openShardRows({ workDir: dir, memoryLimitMb: settings.duckdbMemoryMb }, paths);
    try {
      const window = churnWindow(range.first, run.asOf, settings.churnWindowMonths);
      const summaries = join(dir, 'summaries.parquet');
      await rows.writeSummaries(window, summaries);
      await deps.work.upload(keys.summaries(item.shard), summaries);
      const split = settings.predictive.enabled
        ? calibrationSplit(range.first, run.asOf, settings.predictive.holdoutDays)
        : null;
      if (split) {
        const calibration = join(dir, 'calibration.parquet');
        await rows.writeCalibration(split.calibrationEnd, run.asOf, calibration);
        await deps.work.upload(keys.calibration(item.shard), calibration);
      }
      if (item.shard === 0) await deps.work.putJson(keys.spend, await rows.spendByChannelMonth());
      const counted = await rows.conn.runAndReadAll(
        `SELECT count(*)::DOUBLE FROM ${parquetFiles([summaries])}`,
      );
      const customers = Number(counted.getRows()[0]?.[0] ?? 0);
      const record: SummarisedShardRecord = {
        shard: item.shard,
        customers,
        attributeColumns: rows.attributeColumns,
        calibration: split !== null,
      };
      await deps.work.putJson(keys.summarised(item.shard), record);
      return { shard: item.shard, customers };
    } finally {
      rows.close();
    }
  });
}
