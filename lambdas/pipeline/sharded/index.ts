/**
 * The sharded nightly job's stages, in the order the state machine (lib/constructs/nightly-state-machine.ts)
 * and the local runner (local-runner.ts) run them:
 *   plan → partitionFile (Map over files) → validateShard (Map over shards) → gateRun → summariseShard
 *   (Map) → fitRun → scorePart (Map over parts of shards, writes customers) → publishShardedRun → finishRun; failRun on any error.
 * Every stage reads its inputs from and writes its outputs to the run's work prefix, at deterministic keys.
 */
export type { ShardedJobDeps } from './deps.js';
export { failRun, finishRun } from './finish-stage.js';
export { fitRun } from './fit-stage.js';
export { gateRun } from './gate-stage.js';
export { partitionFile } from './partition-stage.js';
export { type PlanOutcome, plan } from './plan-stage.js';
export { publishShardedRun } from './publish-stage.js';
export type { FileItem, OrderDateRange, RunLayout, ScorePart, ShardedRun, ShardItem } from './run-state.js';
export { scorePart } from './score-stage.js';
export { summariseShard } from './summarise-stage.js';
export { validateShard } from './validate-stage.js';
