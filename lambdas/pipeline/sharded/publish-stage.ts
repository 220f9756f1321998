import { join } from 'node:path';
import { segmentDimensions } from '../../model/segment-dimensions.js';
import { mergeRunPartials, type RunPartials } from '../../model/segment-partials.js';
import { finaliseSegments } from '../../model/segments.js';
import type { JobConfig } from '../../platform/config.js';
import type { RunRecord } from '../../publish/types.js';
import { emptyRunRecord, publishedRecord } from '../run-record.js';
import type { ShardedJobDeps } from './deps.js';
import type { FittedRun } from './fit-stage.js';
import type { GateRecord } from './gate-stage.js';
import type { ScorePart, ShardedRun } from './run-state.js';
import type { ScoredPartRecord } from './score-stage.js';
import { inScratch } from './scratch.js';
import { segmentClvMedians } from './segment-clvs.js';
import { workKeys } from './work-keys.js';

/**
 * Stage 8: merge the shards' partial segment aggregates (exact sums: the same bits in any order), take
 * the medians from every shard's CLVs, write segments, CAC and the business summary, then mark the run
 * published and move the current-run pointer: the only step that makes the run visible.
 */
export async function publishShardedRun(
  config: JobConfig,
  deps: ShardedJobDeps,
  run: ShardedRun,
): Promise<RunRecord> {
  const { settings } = config;
  const keys = workKeys(run);
  const fitted = await deps.work.getJson<FittedRun>(keys.context);
  const gate = await deps.work.getJson<GateRecord>(keys.gate);
  const items = await deps.work.getJson<ScorePart[]>(keys.scoreParts);
  const scored = await Promise.all(items.map((p) => deps.work.getJson<ScoredPartRecord>(keys.scored(p))));
  const partials = scored.reduce<RunPartials>((merged, s) => mergeRunPartials(merged, s.partials), {});
  const dimensions = segmentDimensions(fitted.context, settings).map((d) => d.name);
  const medians = await inScratch(deps.workDir, 'publish', 'publish', async (dir) => {
    const paths = await Promise.all(
      items.map(async (p) => {
        const local = join(dir, `clvs-${p.shard}-${p.part}.parquet`);
        await deps.work.download(keys.clvs(p), local);
        return local;
      }),
    );
    return segmentClvMedians({ workDir: dir, memoryLimitMb: settings.duckdbMemoryMb }, paths, dimensions);
  });
  const { segments, business } = finaliseSegments(partials, medians, fitted.context, settings);
  const customers = scored.reduce((n, s) => n + s.customers, 0);
  const { context } = fitted;
  const metrics = {
    churnWindow: context.window,
    annualChurn: context.annualChurn,
    expectedLifespanYears: context.expectedLifespanYears,
    customers: { length: customers },
    segments,
    business,
  };
  const base = {
    ...emptyRunRecord({ ...run, startedAt: new Date(run.startedAt), settings }),
    counts: gate.counts,
    rejects: gate.rejects,
    inputs: gate.inputs,
  };
  await deps.store.writeSegments(
    run.runId,
    run.exportDate,
    segments,
    business,
    fitted.shards,
    fitted.expiresAt,
  );
  const finishedAt = deps.clock();
  const record: RunRecord = {
    ...publishedRecord(base, metrics, fitted.predictive, 'published'),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - Date.parse(run.startedAt),
  };
  const { removedRuns, cleanupError } = await deps.store.publishRun(record, fitted.expiresAt);
  deps.log.info('run published', {
    runId: run.runId,
    customers,
    shards: run.layout.shards,
    rejects: record.rejects.total,
    removedRuns,
  });
  if (cleanupError) deps.log.warn('older runs could not be removed', { runId: run.runId, cleanupError });
  return record;
}
