import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeNightlyHandler, runLockLeaseMs } from '../../lambdas/handlers/nightly-handler.js';
import { openIngest } from '../../lambdas/ingest/duckdb-ingest.js';
import {
  ExportDownloadError,
  type ExportSource,
  NoCompleteExportError,
} from '../../lambdas/ingest/export-source.js';
import type { CustomerMetrics } from '../../lambdas/model/types.js';
import { NightlyJobError, NoOrdersError, StaleExportError } from '../../lambdas/pipeline/errors.js';
import type { NightlyJobDeps } from '../../lambdas/pipeline/nightly-job.js';
import { makeRunId } from '../../lambdas/pipeline/run-id.js';
import { ConfigError, type JobConfig, parseJobSettings } from '../../lambdas/platform/config.js';
import { silentLogger } from '../../lambdas/platform/logger.js';
import type { ResultsStore } from '../../lambdas/publish/results-store.js';
import { RunInProgressError, type RunLease, type RunLock } from '../../lambdas/publish/run-lock.js';
import type { RunRecord } from '../../lambdas/publish/types.js';
import { RUN_ID } from '../../lambdas/serve/params.js';

const config: JobConfig = { bucket: 'b', table: 't', settings: parseJobSettings({}) };
const ORDERS = 'order_id,customer_id,order_date,revenue\no1,c1,2026-01-01,10\no2,c2,2026-02-01,20\n';

/** An in-memory export source: files by key, complete dates, and keys whose download fails. */
function fakeSource(files: Record<string, string>, dates: string[], failing: string[] = []): ExportSource {
  return {
    listCompleteDates: async () => dates,
    listFiles: async (date) =>
      Object.keys(files)
        .filter((k) => k.startsWith(`exports/${date}/`))
        .map((key) => ({ key, dataset: key.split('/')[2] as 'orders', bytes: files[key]?.length ?? 0 })),
    listIgnored: async () => [],
    download: async (key, localPath) => {
      if (failing.includes(key)) throw new ExportDownloadError(`Cannot download s3://b/${key}: AccessDenied`);
      await writeFile(localPath, files[key] ?? '');
      return { bytes: files[key]?.length ?? 0, sha256: 'x' };
    },
  };
}

/** Records what the job asked of the store; publishes nothing anywhere. `current` is the published run, if any. */
function recordingStore(
  current: RunRecord | null = null,
): ResultsStore & { records: RunRecord[]; published: RunRecord[] } {
  const records: RunRecord[] = [];
  const published: RunRecord[] = [];
  return {
    records,
    published,
    currentRun: async () =>
      current && { runId: current.runId, exportDate: current.exportDate, publishedAt: 'x' },
    getRun: async (runId: string) => (current?.runId === runId ? current : null),
    writeRunRecord: async (record: RunRecord) => void records.push(record),
    writeCustomers: async () => ({}),
    writeSegments: async () => undefined,
    publishRun: async (record: RunRecord) => {
      published.push(record);
      return { removedRuns: [] };
    },
  } as unknown as ResultsStore & { records: RunRecord[]; published: RunRecord[] };
}

let workDir: string;
beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'clv-job-unit-'));
});

function deps(
  source: ExportSource,
  store: ResultsStore,
  extra: Partial<NightlyJobDeps> = {},
): NightlyJobDeps {
  return {
    source,
    openIngest,
    store,
    writeRejects: vi.fn(async () => undefined),
    workDir,
    clock: () => new Date('2026-11-25T02:00:00Z'),
    log: silentLogger,
    ...extra,
  };
}

describe('the nightly job when something goes wrong', () => {
  it('records a failed run at the fetch stage when a download fails, and publishes nothing', async () => {
    // Prepare
    const store = recordingStore();
    const source = fakeSource(
      { 'exports/2026-11-24/orders/a.csv': ORDERS },
      ['2026-11-24'],
      ['exports/2026-11-24/orders/a.csv'],
    );
    // Act
    const run = makeNightlyHandler(config, deps(source, store))({});
    // Assess
    await expect(run).rejects.toMatchObject({ name: 'NightlyJobError', stage: 'fetch' });
    expect(store.published).toEqual([]);
    expect(store.records.map((r) => [r.status, r.failure?.stage])).toEqual([['failed', 'fetch']]);
    expect(store.records[0]?.failure?.message).toMatch(
      /s3:\/\/b\/exports\/2026-11-24\/orders\/a.csv: AccessDenied/,
    );
    expect(existsSync(join(workDir, store.records[0]?.runId ?? 'none'))).toBe(false);
  });

  it('clears what an earlier, interrupted invocation left in the work directory', async () => {
    // Prepare
    const store = recordingStore();
    const leftover = join(workDir, '2026-11-23T0mwtsopk0', 'files');
    await mkdir(leftover, { recursive: true });
    await writeFile(join(leftover, 'big.csv'), 'x');
    const source = fakeSource({ 'exports/2026-11-24/orders/a.csv': ORDERS }, ['2026-11-24']);
    // Act
    await makeNightlyHandler(config, deps(source, store))({});
    // Assess
    expect(existsSync(join(workDir, '2026-11-23T0mwtsopk0'))).toBe(false);
  });

  it('does nothing when no export date is complete', async () => {
    // Prepare
    const store = recordingStore();
    // Act
    const run = makeNightlyHandler(config, deps(fakeSource({}, []), store))({});
    // Assess
    await expect(run).rejects.toBeInstanceOf(NoCompleteExportError);
    expect(store.records).toEqual([]);
  });

  it('fails an export without orders at the locate stage', async () => {
    // Prepare
    const store = recordingStore();
    const source = fakeSource({ 'exports/2026-11-24/customers/c.csv': 'customer_id\nc1\n' }, ['2026-11-24']);
    // Act
    const run = makeNightlyHandler(config, deps(source, store))({});
    // Assess
    await expect(run).rejects.toBeInstanceOf(NoOrdersError);
    expect(store.records[0]?.failure).toEqual({
      stage: 'locate',
      message: 'Export 2026-11-24 has no files under orders/',
    });
  });

  it('refuses a malformed event before touching any dependency', async () => {
    // Prepare
    const store = recordingStore();
    const source = fakeSource({}, ['2026-11-24']);
    const listing = vi.spyOn(source, 'listCompleteDates');
    // Act
    const run = makeNightlyHandler(config, deps(source, store))({ exportDate: 'yesterday' });
    // Assess
    await expect(run).rejects.toBeInstanceOf(ConfigError);
    await expect(run).rejects.toThrow(/exportDate: expected a date as YYYY-MM-DD/);
    expect(listing).not.toHaveBeenCalled();
  });

  it('publishes a valid export with the stage durations recorded', async () => {
    // Prepare
    const store = recordingStore();
    const source = fakeSource({ 'exports/2026-11-24/orders/a.csv': ORDERS }, ['2026-11-23', '2026-11-24']);
    // Act
    const result = await makeNightlyHandler(config, deps(source, store))({});
    // Assess
    expect(result).toMatchObject({
      status: 'published',
      exportDate: '2026-11-24',
      customers: 2,
      rejectedRows: 0,
    });
    expect(store.records.map((r) => r.status)).toEqual(['publishing']);
    expect(store.published[0]?.runId).toBe(makeRunId('2026-11-24', new Date('2026-11-25T02:00:00.000Z')));
    expect(Object.keys(store.published[0]?.stageDurationsMs ?? {})).toEqual(
      expect.arrayContaining(['locate', 'fetch', 'ingest', 'summarise', 'model', 'publish']),
    );
  });
});

describe('the nightly job after publishing', () => {
  it('keeps a published run published when removing older runs fails, and warns with the reason', async () => {
    // Prepare
    const store = recordingStore();
    store.publishRun = async (record: RunRecord) => {
      store.published.push(record);
      return { removedRuns: [], cleanupError: 'ProvisionedThroughputExceededException: Rate exceeded' };
    };
    const warnings: Array<[string, unknown]> = [];
    const log = {
      ...silentLogger,
      warn: (message: string, fields?: unknown) => void warnings.push([message, fields]),
    };
    const source = fakeSource({ 'exports/2026-11-24/orders/a.csv': ORDERS }, ['2026-11-24']);
    const off: JobConfig = { ...config, settings: parseJobSettings({ predictive: { enabled: false } }) };
    // Act
    const result = await makeNightlyHandler(off, deps(source, store, { log }))({});
    // Assess
    expect(result.status).toBe('published');
    expect(warnings).toEqual([
      [
        'older runs could not be removed',
        {
          runId: makeRunId('2026-11-24', new Date('2026-11-25T02:00:00.000Z')),
          cleanupError: 'ProvisionedThroughputExceededException: Rate exceeded',
        },
      ],
    ]);
  });
});

describe('the nightly job when the predictive models cannot be fitted', () => {
  /** Two customers with one order each: nobody repeats, so Gamma-Gamma has nothing to fit. */
  const source = () => fakeSource({ 'exports/2026-11-24/orders/a.csv': ORDERS }, ['2026-11-24']);

  it('publishes the historic metrics, with null predictions, and marks the run degraded with the reason', async () => {
    // Prepare
    const store = recordingStore();
    const written: CustomerMetrics[] = [];
    store.writeCustomers = async (_runId, _date, customers) => {
      written.push(...customers);
      return {};
    };

    // Act
    await makeNightlyHandler(config, deps(source(), store))({});

    // Assess
    const record = store.published[0];
    expect(record?.status).toBe('published');
    expect(record?.degraded?.stage).toBe('predict');
    expect(record?.degraded?.reason).toMatch(
      /ModelFitError: Gamma-Gamma: no customers with a repeat purchase/,
    );
    expect(record?.predictive?.status).toBe('failed');
    expect(record?.business?.meanPredictedClv).toBeNull();
    expect(written).toHaveLength(2);
    for (const customer of written) {
      expect(customer.historicClv).toBeGreaterThan(0);
      expect(customer.probabilityAlive).toBeNull();
      expect(customer.predictedClv).toBeNull();
    }
  });

  it('records the stage as disabled, without degrading the run, when predictions are switched off', async () => {
    // Prepare
    const store = recordingStore();
    const off: JobConfig = { ...config, settings: parseJobSettings({ predictive: { enabled: false } }) };

    // Act
    await makeNightlyHandler(off, deps(source(), store))({});

    // Assess
    expect(store.published[0]?.predictive).toEqual({ status: 'disabled' });
    expect(store.published[0]?.degraded).toBeNull();
  });
});

describe('the nightly job and the run that is current', () => {
  const files = { 'exports/2026-11-24/orders/a.csv': ORDERS };

  /** The record the job publishes for `files` on 2026-11-24: what the store holds as the current run. */
  let published: Promise<RunRecord> | undefined;
  function currentRun(): Promise<RunRecord> {
    published ??= (async () => {
      const store = recordingStore();
      await makeNightlyHandler(config, deps(fakeSource(files, ['2026-11-24']), store))({});
      const record = store.published[0];
      if (!record) throw new Error('the first run did not publish');
      return record;
    })();
    return published;
  }

  it('skips a scheduled run over the files the current run read, downloading and writing nothing', async () => {
    // Prepare: tonight's export (2026-11-25) is still uploading, without its _SUCCESS marker
    const current = await currentRun();
    const uploading = 'order_id,customer_id,order_date,revenue\no9,c9,2026-11-24,5\n';
    const source = fakeSource({ ...files, 'exports/2026-11-25/orders/b.csv': uploading }, ['2026-11-24']);
    const download = vi.spyOn(source, 'download');
    const store = recordingStore(current);
    // Act
    const result = await makeNightlyHandler(config, deps(source, store))({});
    // Assess
    expect(result).toEqual({
      status: 'skipped',
      reason: 'already-published',
      exportDate: '2026-11-24',
      runId: current.runId,
      message:
        `export 2026-11-24 already published as ${current.runId}; waiting for a newer export with _SUCCESS ` +
        `(no _SUCCESS marker yet: 2026-11-25 has 1 data file(s), ${uploading.length} bytes)`,
    });
    expect(download).not.toHaveBeenCalled();
    expect(store.records).toEqual([]);
    expect(store.published).toEqual([]);
  });

  it.each([
    [
      'a file changed size',
      { 'exports/2026-11-24/orders/a.csv': `${ORDERS}o3,c3,2026-03-01,30\n` },
      {},
      config,
    ],
    ['a file was added', { ...files, 'exports/2026-11-24/customers/c.csv': 'customer_id\nc1\n' }, {}, config],
    ['the as-of date differs', files, { asOf: '2026-06-30' }, config],
    ['the settings changed', files, {}, { ...config, settings: parseJobSettings({ marginRate: 0.5 }) }],
  ])('reruns the current date on schedule when %s, replacing the current run', async (_, now, event, cfg) => {
    // Prepare
    const current = await currentRun();
    const store = recordingStore(current);
    // Act
    const result = await makeNightlyHandler(cfg, deps(fakeSource(now, ['2026-11-24']), store))(event);
    // Assess
    expect(result.status).toBe('published');
    expect(store.published).toHaveLength(1);
  });

  it('reruns the current date when it is asked for, even with the same files', async () => {
    // Prepare
    const current = await currentRun();
    const store = recordingStore(current);
    // Act
    const result = await makeNightlyHandler(
      config,
      deps(fakeSource(files, ['2026-11-24']), store),
    )({
      exportDate: '2026-11-24',
    });
    // Assess
    expect(result.status).toBe('published');
  });

  it('refuses an older date before fetching anything, recording the failure at the locate stage', async () => {
    // Prepare
    const current = await currentRun();
    const source = fakeSource({ 'exports/2026-11-20/orders/a.csv': ORDERS }, ['2026-11-20', '2026-11-24']);
    const download = vi.spyOn(source, 'download');
    const store = recordingStore(current);
    // Act
    const run = makeNightlyHandler(config, deps(source, store))({ exportDate: '2026-11-20' });
    // Assess
    const message =
      `Export 2026-11-20 is older than the current run ${current.runId} (export 2026-11-24): a rerun of an old ` +
      'date cannot replace a newer run. Nothing was fetched or published.';
    await expect(run).rejects.toBeInstanceOf(StaleExportError);
    await expect(run).rejects.toThrow(message);
    expect(download).not.toHaveBeenCalled();
    expect(store.records.map((r) => [r.exportDate, r.status, r.failure])).toEqual([
      ['2026-11-20', 'failed', { stage: 'locate', message }],
    ]);
    expect(store.published).toEqual([]);
  });

  it('asks whether the newer export was removed when the newest complete date is older than the current run', async () => {
    // Prepare
    const current = await currentRun();
    const store = recordingStore(current);
    const source = fakeSource({ 'exports/2026-11-23/orders/a.csv': ORDERS }, ['2026-11-23']);
    // Act
    const run = makeNightlyHandler(config, deps(source, store))({});
    // Assess
    await expect(run).rejects.toThrow(
      `The newest complete export 2026-11-23 is older than the current run ${current.runId} (export ` +
        '2026-11-24): was the 2026-11-24 export or its _SUCCESS marker removed? Nothing was fetched or published.',
    );
  });
});

describe('the nightly job and the run lock', () => {
  const source = () => fakeSource({ 'exports/2026-11-24/orders/a.csv': ORDERS }, ['2026-11-24']);

  /** A lock in memory: free, or held by `holder`; records releases. */
  function memoryLock(holder: string | null = null): RunLock & { released: RunLease[] } {
    const released: RunLease[] = [];
    return {
      released,
      async acquire(owner, now) {
        if (holder) {
          throw new RunInProgressError({ owner: holder, acquiredAt: 'a', leaseExpiresAt: 'b' });
        }
        const lease = { owner, acquiredAt: now.toISOString(), leaseExpiresAt: 'later', token: 't' };
        return { ...lease, tookOverFrom: null };
      },
      async release(lease) {
        released.push(lease);
        return true;
      },
    };
  }

  it('returns a skipped result, without an error, while another run holds the lock', async () => {
    // Prepare
    const store = recordingStore();
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    const lock = memoryLock('2026-11-24T0mwvh5wc0');
    // Act
    const result = await makeNightlyHandler(config, deps(source(), store, { lock, log }))({});
    // Assess
    expect(result).toEqual({
      status: 'skipped',
      reason: 'run-in-progress',
      exportDate: '2026-11-24',
      runId: '2026-11-24T0mwvh5wc0',
      message: 'run 2026-11-24T0mwvh5wc0 holds the lock since a until b; this invocation does nothing',
    });
    expect(store.records).toEqual([]);
    expect(warnings).toEqual(['another run is in progress; this invocation does nothing']);
  });

  it('fails at the lock stage, recording nothing, when the lock cannot be read at all', async () => {
    // Prepare
    const store = recordingStore();
    const lock = memoryLock();
    lock.acquire = async () => {
      throw new Error('ResourceNotFoundException: Requested resource not found');
    };
    // Act
    const run = makeNightlyHandler(config, deps(source(), store, { lock }))({});
    // Assess
    await expect(run).rejects.toMatchObject({ name: 'NightlyJobError', stage: 'lock' });
    await expect(run).rejects.toThrow('Cannot take the run lock: ResourceNotFoundException');
    await expect(run).rejects.toBeInstanceOf(NightlyJobError);
    expect(store.records).toEqual([]);
  });

  it('releases the lock after a published run and after a failed one', async () => {
    // Prepare
    const lock = memoryLock();
    const failing = fakeSource(
      { 'exports/2026-11-24/orders/a.csv': ORDERS },
      ['2026-11-24'],
      ['exports/2026-11-24/orders/a.csv'],
    );
    // Act
    await makeNightlyHandler(config, deps(source(), recordingStore(), { lock }))({});
    await makeNightlyHandler(config, deps(failing, recordingStore(), { lock }))({}).catch(() => undefined);
    // Assess
    expect(lock.released.map((l) => l.owner)).toEqual([
      makeRunId('2026-11-24', new Date('2026-11-25T02:00:00.000Z')),
      makeRunId('2026-11-24', new Date('2026-11-25T02:00:00.000Z')),
    ]);
  });

  it('still returns the published run when the lock cannot be released, and logs why', async () => {
    // Prepare
    const lock = memoryLock();
    lock.release = async () => {
      throw new Error('Network error');
    };
    const errors: string[] = [];
    const log = { ...silentLogger, error: (message: string) => void errors.push(message) };
    // Act
    const result = await makeNightlyHandler(config, deps(source(), recordingStore(), { lock, log }))({});
    // Assess
    expect(result.status).toBe('published');
    expect(errors).toEqual([
      'could not release the run lock; the next run takes it over when the lease ends',
    ]);
  });
});

describe('run ids and the lock lease setting', () => {
  it('orders attempts of one export date by when they started, across days', () => {
    // Prepare: the nightly run at 02:00, then a rerun the next day at 01:30 (earlier in the day)
    const nightly = makeRunId('2026-11-24', new Date('2026-11-25T02:00:00.000Z'));
    const rerun = makeRunId('2026-11-24', new Date('2026-11-26T01:30:00.000Z'));
    // Assess
    expect(nightly).toMatch(/^2026-11-24T[0-9a-z]{9}$/);
    expect(parseInt(nightly.slice(11), 36)).toBe(Date.parse('2026-11-25T02:00:00.000Z'));
    expect(rerun > nightly).toBe(true);
    // Still valid where the API accepts run ids
    expect(RUN_ID.test(nightly)).toBe(true);
  });

  it('reads RUN_LOCK_LEASE_SECONDS, defaulting to 20 minutes and refusing nonsense', () => {
    expect(runLockLeaseMs({})).toBe(20 * 60_000);
    expect(runLockLeaseMs({ RUN_LOCK_LEASE_SECONDS: '930' })).toBe(930_000);
    for (const bad of ['abc', '30', '1.5', '-900', '100000']) {
      expect(() => runLockLeaseMs({ RUN_LOCK_LEASE_SECONDS: bad })).toThrow(ConfigError);
    }
    expect(() => runLockLeaseMs({ RUN_LOCK_LEASE_SECONDS: 'abc' })).toThrow(
      'RUN_LOCK_LEASE_SECONDS must be a whole number of seconds from 60 to 86400, got "abc"',
    );
  });
});
