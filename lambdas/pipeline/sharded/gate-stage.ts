import { join } from 'node:path';
import { type CurrencyCount, MixedCurrencyError } from '../../ingest/currency-errors.js';
import { openDuckDb } from '../../ingest/duckdb-session.js';
import { readRejects } from '../../ingest/read-rejects.js';
import { parquetFiles } from '../../ingest/sql-text.js';
import { DATASETS, type Dataset, type DatasetCounts, type IngestReport } from '../../ingest/types.js';
import type { JobConfig } from '../../platform/config.js';
import type { RunRecord } from '../../publish/types.js';
import { NightlyJobError, NoOrdersError } from '../errors.js';
import { assertPublishable, gateRejects } from '../reject-gate.js';
import { stageTimer } from '../stages.js';
import type { ShardedJobDeps } from './deps.js';
import type { PartitionedFileRecord } from './partition-stage.js';
import type { FileItem, OrderDateRange, ShardedRun, ShardItem } from './run-state.js';
import { inScratch, namingStage } from './scratch.js';
import { partitionedFiles, type ValidatedShardRecord } from './validate-stage.js';
import { workKeys } from './work-keys.js';

/** What the gate found, read by the fit and publish stages (and the fail stage, for a failed run's record). */
export interface GateRecord {
  readonly range: OrderDateRange;
  readonly counts: RunRecord['counts'];
  readonly rejects: RunRecord['rejects'];
  readonly inputs: RunRecord['inputs'];
}

function datasetCounts(files: readonly PartitionedFileRecord[], shards: readonly ValidatedShardRecord[]) {
  const counts = {} as Record<Dataset, DatasetCounts>;
  for (const dataset of DATASETS) {
    const of = files.filter((f) => f.dataset === dataset);
    const rowsRead = of.reduce((n, f) => n + f.rowsRead, 0);
    const rowsAccepted = shards.reduce((n, s) => n + s.accepted[dataset], 0);
    counts[dataset] = { files: of.length, rowsRead, rowsAccepted, rowsRejected: rowsRead - rowsAccepted };
  }
  return counts;
}

function mergedCurrencies(shards: readonly ValidatedShardRecord[]): CurrencyCount[] {
  const orders = new Map<string, number>();
  for (const s of shards)
    for (const c of s.currencies) orders.set(c.currency, (orders.get(c.currency) ?? 0) + c.orders);
  return [...orders]
    .map(([currency, n]) => ({ currency, orders: n }))
    .sort((a, b) => b.orders - a.orders || (a.currency < b.currency ? -1 : 1));
}

function mergedRange(shards: readonly ValidatedShardRecord[]): OrderDateRange | null {
  const ranges = shards.flatMap((s) => (s.range ? [s.range] : []));
  if (ranges.length === 0) return null;
  return {
    first: ranges.reduce((m, r) => (r.first < m ? r.first : m), ranges[0]?.first ?? ''),
    last: ranges.reduce((m, r) => (r.last > m ? r.last : m), ranges[0]?.last ?? ''),
  };
}

/**
 * Stage 4: the whole export's counts and rejects (one CSV, in file and row order, as the single pass
 * writes it), the reject threshold, unreadable files and mixed currencies; then the run's order dates.
 */
export async function gateRun(
  config: JobConfig,
  deps: ShardedJobDeps,
  run: ShardedRun,
): Promise<{ readonly range: OrderDateRange }> {
  const { settings } = config;
  const keys = workKeys(run);
  const files = await partitionedFiles(deps, run);
  const shardItems = await deps.work.getJson<ShardItem[]>(keys.shards);
  const shards = await Promise.all(
    shardItems.map((s) => deps.work.getJson<ValidatedShardRecord>(keys.validated(s.shard))),
  );
  const rejectKeys = [...files.map((f) => f.rejectsKey), ...shards.map((s) => s.rejectsKey)].filter(
    (k): k is string => k !== null,
  );
  const rejects = await inScratch(deps.workDir, 'gate', 'validate', async (dir) => {
    if (rejectKeys.length === 0) return [];
    const paths = await Promise.all(
      rejectKeys.map(async (key, i) => {
        const local = join(dir, `rejects-${i}.parquet`);
        await deps.work.download(key, local);
        return local;
      }),
    );
    const { db, conn } = await openDuckDb({
      workDir: join(dir, 'duckdb'),
      memoryLimitMb: settings.duckdbMemoryMb,
    });
    try {
      const from = parquetFiles(paths);
      return await readRejects(conn, files, settings.mapping, run.exportDate, from);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
  const report: IngestReport = {
    datasets: datasetCounts(files, shards),
    rejects,
    duplicateOrders: rejects.filter((r) => r.reason === 'duplicate_order_id').length,
    unreadableFiles: rejects.filter((r) => r.reason === 'unreadable_file').map((r) => r.file),
  };
  const summary = await gateRejects(report, {
    runId: run.runId,
    settings,
    writeRejects: deps.writeRejects,
    timed: stageTimer({}),
  });
  const etags = new Map((await deps.work.getJson<FileItem[]>(keys.files)).map((f) => [f.fileIdx, f.etag]));
  const inputs = files.map(({ dataset, name, bytes, sha256, fileIdx }) => {
    const etag = etags.get(fileIdx);
    return { dataset, name, bytes, sha256, ...(etag ? { etag } : {}) };
  });
  const range = mergedRange(shards);
  // Written before any check can stop the run: the fail stage records these counts and rejects.
  await deps.work.putJson(keys.gate, { range, counts: report.datasets, rejects: summary, inputs });
  try {
    assertPublishable(report, summary, settings.rejectThreshold);
    const currencies = mergedCurrencies(shards);
    if (settings.currency.base === undefined && currencies.length > 1) {
      const error = new MixedCurrencyError(currencies, report);
      throw new NightlyJobError('ingest', `ingest failed: ${error.message}`, { cause: error });
    }
    if (range === null) {
      throw new NoOrdersError(
        'validate',
        `Export ${run.exportDate} has no valid orders on or before ${run.asOf}`,
      );
    }
    return { range };
  } catch (error) {
    throw namingStage(error);
  }
}
