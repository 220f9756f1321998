/**
 * What the sharded run's stages pass each other through the state machine (docs/scale.md): small JSON
 * only. Everything large (rows, summaries, partial aggregates) lives under the run's work prefix in the
 * bucket, at keys derived from the run id and the shard or file index, so a retried stage overwrites
 * exactly what its first attempt wrote.
 */
import type { Dataset } from '../../ingest/types.js';
import type { RunLease } from '../../publish/run-lock.js';

/** How a run is cut up: derived from the export's size (sizing.ts), each overridable in the settings. */
export interface RunLayout {
  /** S: customers are split into this many shards by hash(customer_id). */
  readonly shards: number;
  /** Most children of the file Map running at once. */
  readonly fileConcurrency: number;
  /** Most children of the validate and summarise Maps running at once. */
  readonly shardConcurrency: number;
  /** Most children of the score Map running at once (they share the table's write throughput). */
  readonly scoreConcurrency: number;
}

/** One file of the export: an item of the file Map. */
export interface FileItem {
  /** 1-based position of the file in the export's listing: rejects and duplicates are ordered by it. */
  readonly fileIdx: number;
  readonly dataset: Dataset;
  readonly key: string;
  readonly bytes: number;
  readonly etag?: string;
}

/** One customer shard: an item of the shard Maps. */
export interface ShardItem {
  readonly shard: number;
}

/**
 * One item of the score Map: customers [first, first + count) of a shard, in customer id order. The fit
 * cuts shards into parts of `customersPerScorePart`, so no invocation has more writes than fit its timeout.
 */
export interface ScorePart {
  readonly shard: number;
  readonly part: number;
  readonly first: number;
  readonly count: number;
}

/** The run as every stage after the plan sees it. */
export interface ShardedRun {
  readonly runId: string;
  readonly exportDate: string;
  readonly asOf: string;
  readonly startedAt: string;
  /** `<runsPrefix><runId>/work/`: deleted when the run ends, published or not. */
  readonly workPrefix: string;
  readonly layout: RunLayout;
  /**
   * Keys of the JSON arrays the Distributed Maps read their items from (FileItem[], ShardItem[],
   * ScorePart[]); the score parts' is written by the fit stage, once shard sizes are known.
   */
  readonly manifests: { readonly files: string; readonly shards: string; readonly scoreParts: string };
  /** The run lock's lease, given back when the run ends; null when the job runs without a lock. */
  readonly lease: RunLease | null;
}

/** Accepted orders' first and last dates over all shards (the gate's output): the churn window's base. */
export interface OrderDateRange {
  readonly first: string;
  readonly last: string;
}
