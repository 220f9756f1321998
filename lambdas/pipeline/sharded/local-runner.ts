/**
 * The state machine's steps run in-process, in order (npm start, tests, benchmarks): each Map's items
 * in parallel, at most `concurrency` at a time (the machine's cores by default), exactly the stage
 * functions the Lambdas run. A failing stage goes through failRun, as the state machine's catch does.
 */
import { availableParallelism } from 'node:os';
import type { JobConfig } from '../../platform/config.js';
import { eachLimited } from '../../platform/each-limited.js';
import { messageOf } from '../../platform/error-message.js';
import type { RunRecord } from '../../publish/types.js';
import type { SkippedRun } from '../run-gate.js';
import type { ShardedJobDeps } from './deps.js';
import { failRun, finishRun } from './finish-stage.js';
import { fitRun } from './fit-stage.js';
import { gateRun } from './gate-stage.js';
import { partitionFile } from './partition-stage.js';
import { type PlanRequest, plan } from './plan-stage.js';
import { publishShardedRun } from './publish-stage.js';
import type { FileItem, ScorePart, ShardedRun, ShardItem } from './run-state.js';
import { scorePart } from './score-stage.js';
import { summariseShard } from './summarise-stage.js';
import { validateShard } from './validate-stage.js';

export interface LocalRunOptions {
  /** Most Map items running at once. @default the machine's available parallelism */
  readonly concurrency?: number;
}

/** A run's outcome and each step's wall time in ms (a Map step: from its first item's start to its last's end). */
export type LocalRunOutcome = (RunRecord | SkippedRun) & {
  readonly stepWallMs?: Readonly<Record<string, number>>;
};

export async function runShardedJob(
  config: JobConfig,
  deps: ShardedJobDeps,
  request: PlanRequest = {},
  options: LocalRunOptions = {},
): Promise<LocalRunOutcome> {
  const wall: Record<string, number> = {};
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      wall[name] = Math.round(performance.now() - t0);
    }
  };
  const planned = await step('plan', () => plan(config, deps, request));
  if (planned.status !== 'run') return planned;
  const { run } = planned;
  const limit = (layoutLimit: number): number =>
    Math.min(layoutLimit, options.concurrency ?? availableParallelism());
  const shards = await deps.work.getJson<ShardItem[]>(run.manifests.shards);
  const files = await deps.work.getJson<FileItem[]>(run.manifests.files);
  const overShards = (name: string, work: (item: ShardItem) => Promise<unknown>) =>
    step(name, () => eachLimited(shards, limit(run.layout.shardConcurrency), work));
  try {
    await step('partition', () =>
      eachLimited(files, limit(run.layout.fileConcurrency), (f) => partitionFile(config, deps, run, f)),
    );
    await overShards('validate', (s) => validateShard(config, deps, run, s));
    const { range } = await step('gate', () => gateRun(config, deps, run));
    await overShards('summarise', (s) => summariseShard(config, deps, run, s, range));
    await step('fit', () => fitRun(config, deps, run, range));
    const parts = await deps.work.getJson<ScorePart[]>(run.manifests.scoreParts);
    await step('score', () =>
      eachLimited(parts, limit(run.layout.scoreConcurrency), (p) => scorePart(config, deps, run, p)),
    );
    const record = await step('publish', () => publishShardedRun(config, deps, run));
    await step('finish', () => finishRun(config, deps, run));
    return { ...record, stepWallMs: wall };
  } catch (error) {
    await failRun(config, deps, run, asStateMachineFailure(error));
    throw error;
  }
}

/** The `Error` and `Cause` a state machine's catch would pass for this error of a Lambda task. */
export function asStateMachineFailure(error: unknown): { error: string; cause: string } {
  const name = error instanceof Error ? error.name : 'Error';
  return { error: name, cause: JSON.stringify({ errorType: name, errorMessage: messageOf(error) }) };
}

export type { ShardedRun };
