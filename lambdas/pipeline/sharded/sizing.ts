/** How a run is cut up (docs/scale.md): S from the export's size, concurrency capped by the settings. */
import type { ShardingSettings } from '../../platform/config.js';
import type { RunLayout } from './run-state.js';

/**
 * S = the configured shard count, or ⌈bytes ÷ bytesPerShard⌉ capped at maxShards: a small export runs as
 * one shard (one invocation per stage, costing cents). Concurrency never exceeds the number of items.
 */
export function runLayout(
  exportBytes: number,
  files: number,
  settings: ShardingSettings,
  requestedShards?: number,
): RunLayout {
  const derived = Math.min(settings.maxShards, Math.max(1, Math.ceil(exportBytes / settings.bytesPerShard)));
  const shards = requestedShards ?? settings.shards ?? derived;
  return {
    shards,
    fileConcurrency: Math.max(1, Math.min(settings.fileConcurrency, files)),
    shardConcurrency: Math.max(1, Math.min(settings.shardConcurrency, shards)),
    // Parts are counted only by the fit stage; a Map never starts more children than it has items.
    scoreConcurrency: settings.scoreConcurrency,
  };
}
