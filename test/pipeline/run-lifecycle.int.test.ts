import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureResultsTable } from '../../bin/local/provision.js';
import { nightlyJobDeps } from '../../lambdas/handlers/job-deps.js';
import { StaleExportError } from '../../lambdas/pipeline/errors.js';
import {
  type NightlyJobDeps,
  type NightlyJobOutcome,
  type NightlyJobRequest,
  runNightlyJob,
} from '../../lambdas/pipeline/nightly-job.js';
import { type JobConfig, parseJobSettings } from '../../lambdas/platform/config.js';
import type { Logger } from '../../lambdas/platform/logger.js';
import { makeResultsStore } from '../../lambdas/publish/results-store.js';
import { makeRunLock, type RunLock } from '../../lambdas/publish/run-lock.js';
import type { RunRecord } from '../../lambdas/publish/types.js';
import { type LocalAws, startLocalAws } from '../support/local-aws.js';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws('lifecycle-exports', 'lifecycle-results');
});
afterAll(async () => aws.close());

type Item = Record<string, unknown>;
interface LogEntry {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/**
 * One deployment: its own results table and exports prefix (tests do not see each other's runs), a clock
 * the test moves, a recording logger, and the nightly job wired as in Lambda plus the run lock.
 */
async function world(name: string, exportsPrefix = `exports-${name}/`) {
  const table = `lifecycle-${name}`;
  await ensureResultsTable(aws.ddb, table);
  const config: JobConfig = {
    bucket: aws.bucket,
    table,
    // Predictions off: these tests are about which runs happen, and stay fast and deterministic.
    settings: parseJobSettings({
      exportsPrefix,
      runsPrefix: `runs-${name}/`,
      predictive: { enabled: false },
    }),
  };
  const workDir = await mkdtemp(join(tmpdir(), `clv-lifecycle-${name}-`));
  const logs: LogEntry[] = [];
  const record =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}): void =>
      void logs.push({ level, message, fields });
  const log: Logger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  const w = {
    config,
    logs,
    now: new Date('2026-10-02T02:00:00.000Z'),
    lock: makeRunLock(aws.ddb, table) as RunLock,
    downloads: 0,
    store: makeResultsStore(aws.ddb, table),
    deps(): NightlyJobDeps {
      const base = nightlyJobDeps({ config, s3: aws.s3, ddb: aws.ddb, workDir, log, clock: () => w.now });
      const source = {
        ...base.source,
        download: (key: string, path: string) => {
          w.downloads++;
          return base.source.download(key, path);
        },
      };
      return { ...base, source, lock: w.lock };
    },
    run: (request: NightlyJobRequest = {}): Promise<NightlyJobOutcome> =>
      runNightlyJob(config, w.deps(), request),
    async items(): Promise<Item[]> {
      const out = await aws.ddb.send(new ScanCommand({ TableName: table }));
      expect(out.LastEvaluatedKey).toBeUndefined(); // small tables: one page holds everything
      return (out.Items ?? []).sort((a, b) => key(a).localeCompare(key(b)));
    },
    async put(date: string, files: Record<string, string>, complete = true): Promise<void> {
      // The marker is empty: a Uint8Array body, since the SDK cannot tell an empty string's length.
      const all: Record<string, string | Uint8Array> = complete
        ? { ...files, _SUCCESS: new Uint8Array(0) }
        : files;
      for (const [path, body] of Object.entries(all)) {
        await aws.s3.send(
          new PutObjectCommand({ Bucket: aws.bucket, Key: `${exportsPrefix}${date}/${path}`, Body: body }),
        );
      }
    },
  };
  return w;
}

const key = (item: Item): string => `${String(item.PK)}|${String(item.SK)}`;
const ofType = (items: Item[], type: string): Item[] => items.filter((i) => i.type === type);
const mentioning = (items: Item[], runId: string): Item[] =>
  items.filter((i) => JSON.stringify(i).includes(runId));

function published(outcome: NightlyJobOutcome): RunRecord {
  if (outcome.status !== 'published')
    throw new Error(`expected a published run, got ${JSON.stringify(outcome)}`);
  return outcome;
}

/** Orders of `customers` customers with `each` orders apiece, and what a reader can count in them. */
function orders(
  customers: number,
  each: number,
): { csv: string; rows: number; customers: number; revenue: number } {
  const lines = ['order_id,customer_id,order_date,revenue'];
  let revenue = 0;
  for (let c = 1; c <= customers; c++) {
    for (let k = 0; k < each; k++) {
      const day = new Date(Date.UTC(2026, 0, 5 + c + 29 * k)).toISOString().slice(0, 10);
      const amount = 10 + c + k;
      revenue += amount;
      lines.push(`o-${c}-${k},c${c},${day},${amount}.00`);
    }
  }
  return { csv: `${lines.join('\n')}\n`, rows: customers * each, customers, revenue };
}

/** Lets every one of `parties` acquisitions reach DynamoDB before any of them proceeds, so the race is real. */
function barrier(lock: RunLock, parties: number): RunLock {
  let arrived = 0;
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    async acquire(owner, now) {
      const attempt = await lock.acquire(owner, now).then(
        (lease) => ({ lease }),
        (error: unknown) => ({ error }),
      );
      if (++arrived === parties) open();
      await gate;
      if ('error' in attempt) throw attempt.error;
      return attempt.lease;
    },
    release: (lease) => lock.release(lease),
  };
}

describe('concurrent runs', () => {
  it('lets one of two runs started together publish; the other is skipped and writes nothing', async () => {
    // Prepare
    const w = await world('concurrent');
    await w.put('2026-10-01', { 'orders/orders.csv': orders(5, 2).csv });
    w.lock = barrier(w.lock, 2);
    // Act: both share the clock (so the same run id) and the work directory, as two local runs would
    const outcomes = await Promise.all([w.run(), w.run()]);
    // Assess
    const winner = published(outcomes.find((o) => o.status === 'published') ?? outcomes[0]);
    const loser = outcomes.find((o) => o.status === 'skipped');
    expect(loser).toEqual({
      status: 'skipped',
      reason: 'run-in-progress',
      exportDate: '2026-10-01',
      runId: winner.runId,
      message:
        `run ${winner.runId} holds the lock since 2026-10-02T02:00:00.000Z until 2026-10-02T02:20:00.000Z; ` +
        'this invocation does nothing',
    });
    expect(winner.customers).toBe(5);
    const items = await w.items();
    expect(ofType(items, 'run').map((i) => i.runId)).toEqual([winner.runId]);
    expect(ofType(items, 'run-index')).toHaveLength(1);
    expect(ofType(items, 'lock')).toEqual([]); // released at the end of the run
    expect((await w.store.currentRun())?.runId).toBe(winner.runId);
    expect(w.logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'another run is in progress; this invocation does nothing',
    ]);
  });

  it('skips a run while another holds a live lease, leaving the table and the lock as they were', async () => {
    // Prepare: a manual run took the lock 5 minutes ago (20-minute lease) and is still working
    const w = await world('live-lock');
    await w.put('2026-10-01', { 'orders/orders.csv': orders(3, 1).csv });
    await w.lock.acquire('2026-10-01T015500000Z', new Date(w.now.getTime() - 5 * 60_000));
    const before = await w.items();
    // Act
    const outcome = await w.run();
    // Assess
    expect(outcome).toMatchObject({
      status: 'skipped',
      reason: 'run-in-progress',
      runId: '2026-10-01T015500000Z',
    });
    expect(await w.items()).toEqual(before);
    expect(w.downloads).toBe(0);
  });

  it('takes over the lock of a killed run once its lease has expired, then publishes and releases it', async () => {
    // Prepare: a run took the lock 21 minutes ago (20-minute lease) and never released it
    const w = await world('stale-lock');
    await w.put('2026-10-01', { 'orders/orders.csv': orders(3, 1).csv });
    await w.lock.acquire('2026-10-01T013900000Z', new Date(w.now.getTime() - 21 * 60_000));
    // Act
    const outcome = published(await w.run());
    // Assess
    expect(outcome.customers).toBe(3);
    expect(ofType(await w.items(), 'lock')).toEqual([]);
    const takeover = w.logs.find((l) => l.message.startsWith('took over the run lock'));
    expect(takeover?.fields.previous).toEqual({
      owner: '2026-10-01T013900000Z',
      acquiredAt: '2026-10-02T01:39:00.000Z',
      leaseExpiresAt: '2026-10-02T01:59:00.000Z',
    });
  });
});

describe('the run lifecycle of one export date', () => {
  it('skips a second delivery of the same files, and replaces the run when the files changed', async () => {
    // Prepare
    const w = await world('redelivery');
    const first = orders(4, 2);
    await w.put('2026-10-03', { 'orders/orders.csv': first.csv });
    w.now = new Date('2026-10-04T02:00:00.000Z');
    const original = published(await w.run());
    const afterFirst = await w.items();

    // Act 1: the same files delivered again (and the marker rewritten) the next night
    await w.put('2026-10-03', { 'orders/orders.csv': first.csv });
    w.now = new Date('2026-10-05T02:00:00.000Z');
    const repeat = await w.run();

    // Assess 1
    expect(repeat).toEqual({
      status: 'skipped',
      reason: 'already-published',
      exportDate: '2026-10-03',
      runId: original.runId,
      message:
        `export 2026-10-03 already published as ${original.runId}; waiting for a newer export with _SUCCESS ` +
        '(no newer export folder has data files yet)',
    });
    expect(await w.items()).toEqual(afterFirst);
    expect(w.downloads).toBe(1);

    // Act 2: a corrected export for the same date: more orders, and a customers file
    const second = orders(6, 3);
    const customersCsv = `customer_id,acquisition_channel\n${[1, 2, 3, 4, 5, 6].map((c) => `c${c},email`).join('\n')}\n`;
    await w.put('2026-10-03', { 'orders/orders.csv': second.csv, 'customers/customers.csv': customersCsv });
    w.now = new Date('2026-10-06T02:00:00.000Z');
    const replacement = published(await w.run());

    // Assess 2: the new run is current, the old one is gone, and both agree with the files
    expect(replacement.runId).not.toBe(original.runId);
    expect((await w.store.currentRun())?.runId).toBe(replacement.runId);
    const items = await w.items();
    expect(mentioning(items, original.runId)).toEqual([]);
    expect(ofType(items, 'run').map((i) => i.runId)).toEqual([replacement.runId]);
    expect(original.counts.orders.rowsRead).toBe(first.rows);
    expect(replacement.counts.orders.rowsRead).toBe(second.rows);
    expect(replacement.customers).toBe(second.customers);
    expect(replacement.business?.netRevenue).toBeCloseTo(second.revenue, 9);
    expect(replacement.business?.netRevenue).not.toBeCloseTo(first.revenue, 9);

    // …and equal a fresh run over the new files in an empty table
    const fresh = await world('redelivery-fresh', w.config.settings.exportsPrefix);
    fresh.now = w.now;
    const reference = published(await fresh.run({ exportDate: '2026-10-03' }));
    expect(replacement.counts).toEqual(reference.counts);
    expect(replacement.rejects).toEqual(reference.rejects);
    expect(replacement.inputs).toEqual(reference.inputs);
    expect(replacement.dimensions).toEqual(reference.dimensions);
    expect(replacement.business).toEqual(reference.business);
    expect((await w.items()).length).toBe((await fresh.items()).length);
  });

  it('reruns when a file was rewritten with different content of the same size (its S3 ETag changed)', async () => {
    // Prepare: one revenue digit changed, so the file keeps its size
    const w = await world('same-size');
    const first = orders(4, 2);
    await w.put('2026-10-03', { 'orders/orders.csv': first.csv });
    w.now = new Date('2026-10-04T02:00:00.000Z');
    const original = published(await w.run());
    const edited = first.csv.replace(
      /,(\d)(\d*)\.(\d\d)\n/,
      (_m, d: string, rest: string, cents: string) =>
        `,${d === '9' ? '8' : String(Number(d) + 1)}${rest}.${cents}\n`,
    );
    expect(edited).not.toBe(first.csv);
    expect(edited.length).toBe(first.csv.length);

    // Act
    await w.put('2026-10-03', { 'orders/orders.csv': edited });
    w.now = new Date('2026-10-05T02:00:00.000Z');
    const rerun = published(await w.run());

    // Assess: a new run of the same date replaced the first, and its revenue moved
    expect(rerun.runId).not.toBe(original.runId);
    expect(rerun.inputs[0]?.bytes).toBe(original.inputs[0]?.bytes);
    expect(rerun.inputs[0]?.etag).toBeDefined();
    expect(rerun.inputs[0]?.etag).not.toBe(original.inputs[0]?.etag);
    expect(rerun.business?.netRevenue).not.toBeCloseTo(original.business?.netRevenue ?? 0, 6);
  });

  it('waits, without running, while the newer export has no _SUCCESS marker, and names it', async () => {
    // Prepare
    const w = await world('no-marker');
    await w.put('2026-10-06', { 'orders/orders.csv': orders(3, 2).csv });
    w.now = new Date('2026-10-07T02:00:00.000Z');
    const current = published(await w.run());
    const uploading = orders(5, 2).csv;
    await w.put('2026-10-07', { 'orders/orders.csv': uploading }, false);
    const before = await w.items();
    w.now = new Date('2026-10-08T02:00:00.000Z');
    // Act
    const outcome = await w.run();
    // Assess
    expect(outcome).toMatchObject({ status: 'skipped', reason: 'already-published', runId: current.runId });
    expect(outcome.status === 'skipped' && outcome.message).toBe(
      `export 2026-10-06 already published as ${current.runId}; waiting for a newer export with _SUCCESS ` +
        `(no _SUCCESS marker yet: 2026-10-07 has 1 data file(s), ${Buffer.byteLength(uploading)} bytes)`,
    );
    expect(await w.items()).toEqual(before);
    expect((await w.store.currentRun())?.runId).toBe(current.runId);
    expect(w.logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      outcome.status === 'skipped' ? outcome.message : '',
    ]);
  });

  it('still reruns the current date when it is asked for explicitly, even with the same files', async () => {
    // Prepare
    const w = await world('explicit-rerun');
    await w.put('2026-10-06', { 'orders/orders.csv': orders(3, 2).csv });
    const first = published(await w.run());
    w.now = new Date(w.now.getTime() + 60_000);
    // Act
    const rerun = published(await w.run({ exportDate: '2026-10-06' }));
    // Assess
    expect(rerun.runId).not.toBe(first.runId);
    expect((await w.store.currentRun())?.runId).toBe(rerun.runId);
    expect(rerun.counts).toEqual(first.counts);
    expect(rerun.business).toEqual(first.business);
  });

  it('refuses at once to rerun an old date while a newer run is current, writing only the failed record', async () => {
    // Prepare
    const w = await world('old-date');
    await w.put('2026-10-08', { 'orders/orders.csv': orders(3, 2).csv });
    await w.put('2026-10-09', { 'orders/orders.csv': orders(4, 2).csv });
    w.now = new Date('2026-10-10T02:00:00.000Z');
    const current = published(await w.run());
    expect(current.exportDate).toBe('2026-10-09');
    const before = await w.items();
    const downloadsBefore = w.downloads;
    w.now = new Date('2026-10-10T09:00:00.000Z');
    // Act
    const rerun = w.run({ exportDate: '2026-10-08' });
    // Assess
    const message =
      `Export 2026-10-08 is older than the current run ${current.runId} (export 2026-10-09): a rerun of an ` +
      'old date cannot replace a newer run. Nothing was fetched or published.';
    await expect(rerun).rejects.toBeInstanceOf(StaleExportError);
    await expect(rerun).rejects.toThrow(message);
    const after = await w.items();
    const added = after.filter((i) => !before.some((b) => key(b) === key(i)));
    expect(added.map((i) => i.type).sort()).toEqual(['run', 'run-index']);
    expect(added.find((i) => i.type === 'run')).toMatchObject({
      exportDate: '2026-10-08',
      status: 'failed',
      failure: { stage: 'locate', message },
    });
    expect(after.length).toBe(before.length + 2); // nothing removed either
    expect(w.downloads).toBe(downloadsBefore);
    expect((await w.store.currentRun())?.runId).toBe(current.runId);
    const artefacts = await aws.s3.send(
      new ListObjectsV2Command({ Bucket: aws.bucket, Prefix: w.config.settings.runsPrefix }),
    );
    expect(artefacts.KeyCount ?? 0).toBe(0);
  });
});
