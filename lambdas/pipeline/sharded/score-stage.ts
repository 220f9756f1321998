import { join } from 'node:path';
import { openRunSummaries } from '../../ingest/shard-summaries.js';
import { customerMetrics } from '../../model/customer-metrics.js';
import { customerHistories } from '../../model/histories.js';
import { predictWithFit } from '../../model/predictive.js';
import { activityFlags } from '../../model/run-metrics.js';
import { customerSegmentValues, segmentDimensions } from '../../model/segment-dimensions.js';
import { type RunPartials, segmentPartials } from '../../model/segment-partials.js';
import type { CustomerSummary } from '../../model/types.js';
import type { JobConfig } from '../../platform/config.js';
import type { ShardedJobDeps } from './deps.js';
import type { FittedRun } from './fit-stage.js';
import type { ScorePart, ShardedRun } from './run-state.js';
import { inScratch } from './scratch.js';
import { writeSegmentClvs } from './segment-clvs.js';
import { workKeys } from './work-keys.js';

/** What scorePart wrote for one part: its partial segment aggregates (merged by the publish stage). */
export interface ScoredPartRecord {
  readonly shard: number;
  readonly part: number;
  readonly customers: number;
  readonly partials: RunPartials;
}

/**
 * Stage 7 (Map over score parts; the publish stage: no failure tolerated): score one part of a shard's
 * customers (in customer id order) with the run's context and fit, write them and their segment members
 * under the run id (invisible until the pointer moves), and emit the part's partial segment aggregates
 * and each customer's CLV by segment (for exact medians). Writing the same items again on a retry is
 * harmless: keys are the run's.
 */
export async function scorePart(
  config: JobConfig,
  deps: ShardedJobDeps,
  run: ShardedRun,
  item: ScorePart,
): Promise<{ readonly shard: number; readonly part: number; readonly customers: number }> {
  const { settings } = config;
  const keys = workKeys(run);
  const fitted = await deps.work.getJson<FittedRun>(keys.context);
  return inScratch(deps.workDir, `score-${item.shard}-${item.part}`, 'publish', async (dir) => {
    const path = join(dir, 'summaries.parquet');
    await deps.work.download(keys.summaries(item.shard), path);
    const shard = await openRunSummaries(
      { workDir: dir, memoryLimitMb: settings.duckdbMemoryMb },
      [path],
      [],
    );
    let summaries: CustomerSummary[];
    try {
      // A part is a slice of the shard's summaries in customer id order (ids are unique: a total order).
      summaries = await shard.summaries(fitted.attributeColumns, item);
    } finally {
      shard.close();
    }
    const predictions = fitted.fit
      ? predictWithFit(fitted.fit, customerHistories(summaries, run.asOf), settings.predictive)
      : null;
    const result = customerMetrics(summaries, fitted.context, settings, predictions);
    const partials = segmentPartials(result, activityFlags(summaries), fitted.context, settings);
    await deps.store.writeCustomerItems(
      run.runId,
      run.exportDate,
      result.customers,
      fitted.dimensions,
      fitted.shards,
      fitted.detailExpiresAt,
    );
    const dimensions = segmentDimensions(fitted.context, settings);
    const clvs = join(dir, 'clvs.parquet');
    await writeSegmentClvs(
      { workDir: dir, memoryLimitMb: settings.duckdbMemoryMb },
      result.customers.map((c) => ({ values: customerSegmentValues(c, dimensions), clv: c.historicClv })),
      dimensions.map((d) => d.name),
      clvs,
    );
    await deps.work.upload(keys.clvs(item), clvs);
    const record: ScoredPartRecord = {
      shard: item.shard,
      part: item.part,
      customers: summaries.length,
      partials,
    };
    await deps.work.putJson(keys.scored(item), record);
    return { shard: item.shard, part: item.part, customers: summaries.length };
  });
}
