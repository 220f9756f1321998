/**
 * Keys of a sharded run's objects under its work prefix: derived from the run id, the stage and the file
 * or shard index only, so a retried stage overwrites what its first attempt wrote and never adds to it.
 */
import type { Dataset } from '../../ingest/types.js';
import type { ScorePart, ShardedRun } from './run-state.js';

type ScorePartKey = Pick<ScorePart, 'shard' | 'part'>;

const pad = (n: number): string => String(n).padStart(5, '0');

export function workKeys(run: Pick<ShardedRun, 'workPrefix'>) {
  const at = (path: string): string => `${run.workPrefix}${path}`;
  return {
    files: at('files.json'),
    shards: at('shards.json'),
    plan: at('plan.json'),
    /** What partitionFile wrote for a file: its parts' keys, rows read, rejects key. */
    partitioned: (fileIdx: number) => at(`partition/file-${pad(fileIdx)}.json`),
    part: (shard: number, dataset: Dataset, fileIdx: number, n: number) =>
      at(`rows/shard-${pad(shard)}/${dataset}/file-${pad(fileIdx)}-${n}.parquet`),
    fileRejects: (fileIdx: number) => at(`rejects/file-${pad(fileIdx)}.parquet`),
    validated: (shard: number) => at(`validate/shard-${pad(shard)}.json`),
    validRows: (shard: number, dataset: Dataset) => at(`valid/shard-${pad(shard)}/${dataset}.parquet`),
    shardRejects: (shard: number) => at(`rejects/shard-${pad(shard)}.parquet`),
    gate: at('gate.json'),
    summaries: (shard: number) => at(`summaries/shard-${pad(shard)}.parquet`),
    calibration: (shard: number) => at(`calibration/shard-${pad(shard)}.parquet`),
    summarised: (shard: number) => at(`summarise/shard-${pad(shard)}.json`),
    spend: at('spend.json'),
    context: at('context.json'),
    scoreParts: at('score-parts.json'),
    scored: (p: ScorePartKey) => at(`score/shard-${pad(p.shard)}-part-${pad(p.part)}.json`),
    clvs: (p: ScorePartKey) => at(`score/clv-${pad(p.shard)}-part-${pad(p.part)}.parquet`),
  };
}
