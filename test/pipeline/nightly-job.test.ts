import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeNightlyHandler } from '../../lambdas/handlers/nightly-handler.js';
import { openIngest } from '../../lambdas/ingest/duckdb-ingest.js';
import {
  ExportDownloadError,
  type ExportSource,
  NoCompleteExportError,
} from '../../lambdas/ingest/export-source.js';
import type { CustomerMetrics } from '../../lambdas/model/types.js';
import { NoOrdersError } from '../../lambdas/pipeline/errors.js';
import type { NightlyJobDeps } from '../../lambdas/pipeline/nightly-job.js';
import { ConfigError, type JobConfig, parseJobSettings } from '../../lambdas/platform/config.js';
import { silentLogger } from '../../lambdas/platform/logger.js';
import type { ResultsStore } from '../../lambdas/publish/results-store.js';
import type { RunRecord } from '../../lambdas/publish/types.js';

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

/** Records what the job asked of the store; publishes nothing anywhere. */
function recordingStore(): ResultsStore & { records: RunRecord[]; published: RunRecord[] } {
  const records: RunRecord[] = [];
  const published: RunRecord[] = [];
  return {
    records,
    published,
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

function deps(source: ExportSource, store: ResultsStore): NightlyJobDeps {
  return {
    source,
    openIngest,
    store,
    writeRejects: vi.fn(async () => undefined),
    workDir,
    clock: () => new Date('2026-11-25T02:00:00Z'),
    log: silentLogger,
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
    const leftover = join(workDir, '2026-11-23T020000000Z', 'files');
    await mkdir(leftover, { recursive: true });
    await writeFile(join(leftover, 'big.csv'), 'x');
    const source = fakeSource({ 'exports/2026-11-24/orders/a.csv': ORDERS }, ['2026-11-24']);
    // Act
    await makeNightlyHandler(config, deps(source, store))({});
    // Assess
    expect(existsSync(join(workDir, '2026-11-23T020000000Z'))).toBe(false);
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
    expect(store.published[0]?.runId).toBe('2026-11-24T020000000Z');
    expect(Object.keys(store.published[0]?.stageDurationsMs ?? {})).toEqual(
      expect.arrayContaining(['locate', 'fetch', 'ingest', 'summarise', 'model', 'publish']),
    );
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
