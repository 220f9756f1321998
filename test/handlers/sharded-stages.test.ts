import { describe, expect, it } from 'vitest';
import {
  makeShardedStageHandlers,
  SHARDED_STAGES,
  type ShardedStages,
  StageEventError,
} from '../../lambdas/handlers/sharded-stage-handlers.js';
import { emptyRunRecord } from '../../lambdas/pipeline/run-record.js';
import type { ShardedJobDeps, ShardedRun } from '../../lambdas/pipeline/sharded/index.js';
import { type JobConfig, parseJobSettings } from '../../lambdas/platform/config.js';

const config: JobConfig = {
  bucket: 'exports-bucket',
  table: 'results-table',
  settings: parseJobSettings({}),
};
// The handlers only pass their dependencies on; nothing here talks to AWS.
const deps = { marker: 'deps' } as unknown as ShardedJobDeps;

const run: ShardedRun = {
  runId: '2026-11-24T0mwvh7i80',
  exportDate: '2026-11-24',
  asOf: '2026-11-24',
  startedAt: '2026-11-25T02:00:01.123Z',
  workPrefix: 'runs/2026-11-24T0mwvh7i80/work/',
  layout: { shards: 4, fileConcurrency: 2, shardConcurrency: 4, scoreConcurrency: 2 },
  manifests: {
    files: 'runs/2026-11-24T0mwvh7i80/work/files.json',
    shards: 'runs/2026-11-24T0mwvh7i80/work/shards.json',
    scoreParts: 'runs/2026-11-24T0mwvh7i80/work/score-parts.json',
  },
  lease: {
    owner: '2026-11-24T0mwvh7i80',
    acquiredAt: '2026-11-25T02:00:01.200Z',
    leaseExpiresAt: '2026-11-25T06:05:01.200Z',
    token: 'c0ffee',
    tookOverFrom: null,
  },
};
const fileItem = { fileIdx: 1, dataset: 'orders', key: 'exports/2026-11-24/orders/part-1.csv', bytes: 1234 };
const range = { first: '2024-01-03', last: '2026-11-23' };

/** Stages that record what they were called with and return a canned result. */
function recordingStages(): { stages: ShardedStages; calls: { stage: string; args: unknown[] }[] } {
  const calls: { stage: string; args: unknown[] }[] = [];
  const record = emptyRunRecord({
    runId: run.runId,
    exportDate: run.exportDate,
    asOf: run.asOf,
    startedAt: new Date(run.startedAt),
    settings: config.settings,
  });
  const results: Record<keyof ShardedStages, unknown> = {
    plan: { status: 'run', run },
    partitionFile: { fileIdx: 1, rowsRead: 10 },
    validateShard: { shard: 2, ordersAccepted: 9 },
    gateRun: { range },
    summariseShard: { shard: 2, customers: 5 },
    fitRun: { customers: 20 },
    scorePart: { shard: 2, part: 1, customers: 5 },
    publishShardedRun: {
      ...record,
      status: 'published',
      customers: 20,
      rejects: { ...record.rejects, total: 3 },
    },
    finishRun: undefined,
    failRun: undefined,
  };
  const stages = Object.fromEntries(
    Object.keys(SHARDED_STAGES).map((name) => [
      name,
      async (...args: unknown[]) => {
        calls.push({ stage: name, args });
        return results[name as keyof ShardedStages];
      },
    ]),
  ) as unknown as ShardedStages;
  return { stages, calls };
}

/** The error a handler rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the handler to reject');
}

describe('sharded stage handlers: events the state machine sends reach their stage unchanged', () => {
  it("plan: the schedule's {} and an operator's rerun request", async () => {
    // Prepare
    const { stages, calls } = recordingStages();
    const handlers = makeShardedStageHandlers(config, deps, stages);

    // Act
    const outcome = await handlers.plan({});
    await handlers.plan(undefined);
    await handlers.plan({ exportDate: '2026-11-24', asOf: '2026-11-30', shards: 8 });

    // Assess
    expect(outcome).toEqual({ status: 'run', run });
    expect(calls.map((c) => c.args)).toEqual([
      [config, deps, {}],
      [config, deps, {}],
      [config, deps, { exportDate: '2026-11-24', asOf: '2026-11-30', shards: 8 }],
    ]);
  });

  it('passes run, item and range to the Map stages and the date range to fit', async () => {
    // Prepare
    const { stages, calls } = recordingStages();
    const handlers = makeShardedStageHandlers(config, deps, stages);
    const shard = { shard: 3 };
    const part = { shard: 3, part: 1, first: 50_000, count: 1_234 };

    // Act
    const results = [
      await handlers.partition({ run, item: fileItem }),
      await handlers.validate({ run, item: shard }),
      await handlers.gate({ run }),
      await handlers.summarise({ run, item: shard, range }),
      await handlers.fit({ run, range }),
      await handlers.score({ run, item: part }),
      await handlers.finish({ run }),
    ];

    // Assess
    expect(calls.map((c) => [c.stage, ...c.args.slice(2)])).toEqual([
      ['partitionFile', run, fileItem],
      ['validateShard', run, shard],
      ['gateRun', run],
      ['summariseShard', run, shard, range],
      ['fitRun', run, range],
      ['scorePart', run, part],
      ['finishRun', run],
    ]);
    expect(calls.every((c) => c.args[0] === config && c.args[1] === deps)).toBe(true);
    expect(results[2]).toEqual({ range });
    expect(results[6]).toBeUndefined();
  });

  it('keeps fields a newer plan adds to the run (they pass through to the stage)', async () => {
    // Prepare
    const { stages, calls } = recordingStages();
    const handlers = makeShardedStageHandlers(config, deps, stages);
    const newer = { ...run, layout: { ...run.layout, batchSize: 25 }, note: 'added later' };

    // Act
    await handlers.gate({ run: newer });

    // Assess
    expect(calls[0]?.args[2]).toEqual(newer);
  });

  it('publish returns a five-field summary, not the run record', async () => {
    // Prepare
    const { stages } = recordingStages();
    const handlers = makeShardedStageHandlers(config, deps, stages);

    // Act
    const summary = await handlers.publish({ run });

    // Assess
    expect(summary).toEqual({
      runId: run.runId,
      status: 'published',
      exportDate: '2026-11-24',
      customers: 20,
      rejectedRows: 3,
    });
  });

  it("fail hands the Catch's Error and Cause to failRun and returns normally", async () => {
    // Prepare
    const { stages, calls } = recordingStages();
    const handlers = makeShardedStageHandlers(config, deps, stages);
    const cause = JSON.stringify({
      errorType: 'RejectThresholdError',
      errorMessage: '12 of 100 rows rejected',
    });

    // Act
    const returned = await handlers.fail({ run, error: { Error: 'RejectThresholdError', Cause: cause } });
    await handlers.fail({ run, error: { Error: 'States.Timeout' } });

    // Assess
    expect(returned).toBeUndefined();
    expect(calls.map((c) => c.args.slice(2))).toEqual([
      [run, { error: 'RejectThresholdError', cause }],
      // Step Functions may leave the cause out (a state timeout): failing here would leave the lock held.
      [run, { error: 'States.Timeout', cause: '' }],
    ]);
  });
});

describe('sharded stage handlers: any other event is refused, naming the field, before a stage runs', () => {
  const cases: [string, keyof ReturnType<typeof makeShardedStageHandlers>, unknown, string][] = [
    ['a month 13', 'plan', { exportDate: '2026-13-01' }, 'exportDate: not a calendar date'],
    ['a 31st of February', 'plan', { asOf: '2026-02-31' }, 'asOf: not a calendar date'],
    [
      'a date with a time',
      'plan',
      { exportDate: '2026-11-24T00:00' },
      'exportDate: expected a date as YYYY-MM-DD',
    ],
    ['a mistyped key', 'plan', { exportdate: '2026-11-24' }, '"exportdate"'],
    ['0 shards', 'plan', { shards: 0 }, 'shards:'],
    ['1001 shards', 'plan', { shards: 1001 }, 'shards:'],
    ['2.5 shards', 'plan', { shards: 2.5 }, 'shards:'],
    ['an array', 'plan', [], '(root):'],
    ['no item', 'partition', { run }, 'item:'],
    ['an unknown dataset', 'partition', { run, item: { ...fileItem, dataset: 'refunds' } }, 'item.dataset:'],
    ['a file index of 0', 'partition', { run, item: { ...fileItem, fileIdx: 0 } }, 'item.fileIdx:'],
    ['negative bytes', 'partition', { run, item: { ...fileItem, bytes: -1 } }, 'item.bytes:'],
    [
      'a shard past the layout',
      'validate',
      { run, item: { shard: 4 } },
      'item.shard: must be below run.layout.shards',
    ],
    ['a negative shard', 'score', { run, item: { shard: -1 } }, 'item.shard:'],
    ['no range', 'summarise', { run, item: { shard: 0 } }, 'range:'],
    ['a range that is no date', 'fit', { run, range: { ...range, first: 'yesterday' } }, 'range.first:'],
    ['no run', 'gate', {}, 'run:'],
    ['a run without its layout', 'finish', { run: { ...run, layout: undefined } }, 'run.layout:'],
    [
      'a work prefix that is no folder',
      'publish',
      { run: { ...run, workPrefix: 'runs/x' } },
      'run.workPrefix:',
    ],
    [
      'a lease without a token',
      'gate',
      { run: { ...run, lease: { ...run.lease, token: '' } } },
      'run.lease.token:',
    ],
    ['an extra top-level key', 'gate', { run, item: { shard: 0 } }, '"item"'],
    ['no Error in the catch', 'fail', { run, error: { Cause: 'x' } }, 'error.Error:'],
    ['null', 'publish', null, '(root):'],
  ];

  it.each(cases)('%s (%s)', async (_, stage, event, field) => {
    // Prepare
    const { stages, calls } = recordingStages();
    const handlers = makeShardedStageHandlers(config, deps, stages);

    // Act
    const error = await rejection(handlers[stage](event));

    // Assess
    expect(error).toBeInstanceOf(StageEventError);
    expect(error.name).toBe('StageEventError');
    expect(error.message).toMatch(new RegExp(`^Invalid ${stage} event:\\n`));
    expect(error.message).toContain(field);
    expect(calls).toEqual([]);
  });

  it('accepts the lease null of a run started without a lock', async () => {
    // Prepare
    const { stages, calls } = recordingStages();
    const handlers = makeShardedStageHandlers(config, deps, stages);

    // Act
    await handlers.finish({ run: { ...run, lease: null } });

    // Assess
    expect(calls[0]?.args[2]).toEqual({ ...run, lease: null });
  });
});
