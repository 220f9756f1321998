import { join } from 'node:path';
import { openRunSummaries } from '../../ingest/shard-summaries.js';
import { churnWindow } from '../../model/churn.js';
import type { PredictiveFit } from '../../model/predictive.js';
import { type RunContext, runContext } from '../../model/run-context.js';
import { segmentSizes } from '../../model/segment-dimensions.js';
import type { SpendByChannelMonth } from '../../model/types.js';
import type { JobConfig } from '../../platform/config.js';
import type { ShardsBySegment } from '../../publish/results-store.js';
import type { PredictiveReport } from '../../publish/types.js';
import { calibrationOf, calibrationSplit, fitModels } from '../predict-stage.js';
import { BUILT_IN_DIMENSIONS, emptyRunRecord } from '../run-record.js';
import type { ShardedJobDeps } from './deps.js';
import type { GateRecord } from './gate-stage.js';
import type { OrderDateRange, ScorePart, ShardedRun, ShardItem } from './run-state.js';
import { inScratch } from './scratch.js';
import type { SummarisedShardRecord } from './summarise-stage.js';
import { workKeys } from './work-keys.js';

/** What the fit hands every shard (context.json): everything run-wide a customer's metrics depend on. */
export interface FittedRun {
  readonly context: RunContext;
  readonly fit: PredictiveFit | null;
  readonly predictive: PredictiveReport;
  readonly attributeColumns: readonly string[];
  /** Dimensions members are written for (built-in then configured). */
  readonly dimensions: readonly string[];
  /** Member shards per segment, fixed before any member is written. */
  readonly shards: ShardsBySegment;
  readonly customers: number;
  readonly expiresAt: number;
  readonly detailExpiresAt: number;
}

/** Each shard cut into parts of at most `perPart` customers (one part for an empty shard), in shard order. */
export function scoreParts(records: readonly SummarisedShardRecord[], perPart: number): ScorePart[] {
  return [...records]
    .sort((a, b) => a.shard - b.shard)
    .flatMap((r) =>
      Array.from({ length: Math.max(1, Math.ceil(r.customers / perPart)) }, (_, part) => ({
        shard: r.shard,
        part,
        first: part * perPart,
        count: Math.max(0, Math.min(perPart, r.customers - part * perPart)),
      })),
    );
}

/** Union of the shards' attribute columns, in order of first appearance. */
function attributeColumnsOf(records: readonly SummarisedShardRecord[]): string[] {
  const seen = new Set<string>();
  for (const r of records) for (const c of r.attributeColumns) seen.add(c);
  return [...seen];
}

/**
 * Stage 6: every shard's summaries, read in customer id order (as the single pass holds them), give the
 * run context (churn, purchase rate, RFM cut-offs, CAC per pair) and the predictive fit, once; the
 * run record (`publishing`) and the segment manifest are written before any shard writes a member, so
 * a run that dies from here on is swept by the next publish.
 */
export async function fitRun(
  config: JobConfig,
  deps: ShardedJobDeps,
  run: ShardedRun,
  range: OrderDateRange,
): Promise<{ readonly customers: number }> {
  const { settings } = config;
  const keys = workKeys(run);
  const items = await deps.work.getJson<ShardItem[]>(keys.shards);
  const records = await Promise.all(
    items.map((s) => deps.work.getJson<SummarisedShardRecord>(keys.summarised(s.shard))),
  );
  const gate = await deps.work.getJson<GateRecord>(keys.gate);
  const spend = await deps.work.getJson<SpendByChannelMonth[]>(keys.spend);
  const attributeColumns = attributeColumnsOf(records);
  const fitted = await inScratch(deps.workDir, 'fit', 'predict', async (dir) => {
    const summaryPaths: string[] = [];
    const calibrationPaths: string[] = [];
    for (const r of records) {
      const s = join(dir, `summaries-${r.shard}.parquet`);
      await deps.work.download(keys.summaries(r.shard), s);
      summaryPaths.push(s);
      if (r.calibration) {
        const c = join(dir, `calibration-${r.shard}.parquet`);
        await deps.work.download(keys.calibration(r.shard), c);
        calibrationPaths.push(c);
      }
    }
    const all = await openRunSummaries(
      { workDir: dir, memoryLimitMb: settings.duckdbMemoryMb },
      summaryPaths,
      calibrationPaths,
    );
    try {
      const summaries = await all.summaries(attributeColumns);
      const window = churnWindow(range.first, run.asOf, settings.churnWindowMonths);
      const context = runContext(summaries, spend, window, settings);
      const split = settings.predictive.enabled
        ? calibrationSplit(range.first, run.asOf, settings.predictive.holdoutDays)
        : null;
      const cut = calibrationOf(split, split ? await all.calibration() : null);
      const { fit, report } = fitModels(summaries, cut, run.asOf, settings.predictive, () =>
        performance.now(),
      );
      return {
        context,
        fit,
        report,
        sizes: segmentSizes(summaries, context, settings),
        customers: summaries.length,
      };
    } finally {
      all.close();
    }
  });
  const startSeconds = Math.floor(Date.parse(run.startedAt) / 1000);
  const expiresAt = startSeconds + settings.retentionDays * 86_400;
  const detailExpiresAt = startSeconds + settings.detailRetentionDays * 86_400;
  const record = {
    ...emptyRunRecord({ ...run, startedAt: new Date(run.startedAt), settings }),
    counts: gate.counts,
    rejects: gate.rejects,
    inputs: gate.inputs,
  };
  await deps.store.writeRunRecord(record, expiresAt);
  const shards = await deps.store.writeSegmentManifest(
    run.runId,
    run.exportDate,
    fitted.sizes,
    detailExpiresAt,
  );
  const doc: FittedRun = {
    context: fitted.context,
    fit: fitted.fit,
    predictive: fitted.report,
    attributeColumns,
    dimensions: [...BUILT_IN_DIMENSIONS, ...settings.segmentDimensions],
    shards,
    customers: fitted.customers,
    expiresAt,
    detailExpiresAt,
  };
  await deps.work.putJson(keys.context, doc);
  await deps.work.putJson(keys.scoreParts, scoreParts(records, settings.sharding.customersPerScorePart));
  return { customers: fitted.customers };
}
