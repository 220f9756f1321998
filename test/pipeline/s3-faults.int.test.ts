/**
 * S3 read faults during the nightly job's fetch stage, through a fault-injecting proxy in front of
 * s3rver (which cannot fail on purpose): resets mid-file, 500 InternalError, 503 SlowDown and a stalled
 * body are retried and the run publishes exactly what a fault-free run publishes; a file that never
 * reads fails the run at `fetch` and the previous run stays current.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBucket, ensureResultsTable } from '../../bin/local/provision.js';
import { LOCAL_CREDENTIALS, type LocalServers, startLocalServers } from '../../bin/local/servers.js';
import { nightlyJobDeps } from '../../lambdas/handlers/job-deps.js';
import { NightlyJobError } from '../../lambdas/pipeline/errors.js';
import { runNightlyJob } from '../../lambdas/pipeline/nightly-job.js';
import { type AwsClients, awsClients } from '../../lambdas/platform/aws-clients.js';
import { type JobConfig, parseJobSettings } from '../../lambdas/platform/config.js';
import { faultRecorder, faultsSince } from '../../lambdas/platform/fault-recorder.js';
import { silentLogger } from '../../lambdas/platform/logger.js';
import { makeResultsStore } from '../../lambdas/publish/results-store.js';
import type { RunRecord } from '../../lambdas/publish/types.js';
import { writeSampleExport } from '../../lambdas/sample/generate-exports.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';

const BUCKET = 's3-faults-it';
const TABLE = 's3-faults-results';
const EXPORT_DATE = '2026-11-10';
const key = (path: string): string => `exports/${EXPORT_DATE}/${path}`;
const ORDERS_A = key('orders/orders-0001.csv');
const ORDERS_B = key('orders/orders-0002.csv');
const CUSTOMERS = key('customers/customers.csv');

let dir: string;
let servers: LocalServers;
let direct: AwsClients;
let proxied: AwsClients;
let proxy: FaultProxy;
let config: JobConfig;
/** The export as uploaded, by key: sizes and hashes computed here, not by the code under test. */
const uploaded = new Map<string, Buffer>();
const faults = faultRecorder();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clv-s3-faults-'));
  servers = await startLocalServers({ s3Dir: join(dir, 's3') });
  const endpoint = { s3: servers.s3Endpoint, dynamodb: servers.dynamoEndpoint };
  const common = { region: 'us-east-1', credentials: LOCAL_CREDENTIALS };
  direct = awsClients({ ...common, endpoint, maxAttempts: 2 });
  proxy = await startFaultProxy(servers.s3Endpoint);
  // One SDK attempt per request: every injected fault reaches the download's own retry loop, so the
  // recorder's counts can be checked against the proxy's. (The SDK's retries are counted elsewhere.)
  proxied = awsClients({ ...common, endpoint: { ...endpoint, s3: proxy.url }, maxAttempts: 1 });
  await ensureBucket(direct.s3, BUCKET);
  await ensureResultsTable(direct.ddb, TABLE);
  config = {
    bucket: BUCKET,
    table: TABLE,
    settings: parseJobSettings({ predictive: { enabled: false } }),
  };

  const exportDir = join(dir, 'export');
  await writeSampleExport(exportDir, {
    seed: 11,
    customers: 300,
    exportDate: EXPORT_DATE,
    historyDays: 365,
    badRows: true,
  });
  const walk = async (d: string): Promise<string[]> => {
    const entries = await readdir(d, { withFileTypes: true });
    const nested = await Promise.all(
      entries.map((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)])),
    );
    return nested.flat();
  };
  for (const path of await walk(exportDir)) {
    const body = await readFile(path);
    const objectKey = key(relative(exportDir, path));
    uploaded.set(objectKey, body);
    await direct.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: objectKey, Body: body }));
  }
});

afterAll(async () => {
  await proxy?.close();
  proxied?.s3.destroy();
  direct?.s3.destroy();
  direct?.ddb.destroy();
  await servers?.close();
  await rm(dir, { recursive: true, force: true });
});

const store = () => makeResultsStore(direct.ddb, TABLE);

/** One run of the real job, its S3 reads through the proxy, with short backoffs. */
async function runJob(): Promise<RunRecord> {
  const deps = nightlyJobDeps({
    config,
    s3: proxied.s3,
    ddb: direct.ddb,
    workDir: join(dir, 'work'),
    log: silentLogger,
    faults,
    s3Retry: { baseDelayMs: 5, maxDelayMs: 40, idleTimeoutMs: 1_000 },
  });
  const outcome = await runNightlyJob(config, deps, { exportDate: EXPORT_DATE });
  if (outcome.status !== 'published') throw new Error(`run not published: ${JSON.stringify(outcome)}`);
  return outcome as RunRecord;
}

/** Every item of the results table (Scan, all pages). */
async function tableItems(): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await direct.ddb.send(new ScanCommand({ TableName: TABLE, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

const size = (objectKey: string): number => uploaded.get(objectKey)?.length ?? Number.NaN;
const gets = (objectKey: string, from: number): number =>
  proxy.requests.slice(from).filter((r) => r.method === 'GET' && r.key === objectKey).length;

describe('S3 read faults in the fetch stage (fault proxy in front of s3rver)', () => {
  let faultFree: RunRecord;
  let survivor: RunRecord;

  it('publishes the export without faults (the run the faulted ones are compared with)', async () => {
    // Act
    faultFree = await runJob();

    // Assess: each input's size and SHA-256 as uploaded.
    expect(proxy.injected).toEqual([]);
    expect(faults.snapshot().retries).toBe(0);
    expect(faultFree.inputs.map((i) => [i.name, i.bytes, i.sha256]).sort()).toEqual(
      [...uploaded]
        .filter(([k]) => !k.endsWith('_SUCCESS'))
        .map(([k, body]) => [k, body.length, createHash('sha256').update(body).digest('hex')])
        .sort(),
    );
  });

  it('retries resets mid-file, 500, 503 SlowDown and a stall, and publishes exactly the same run', async () => {
    // Prepare
    const before = faults.snapshot();
    const injectedBefore = proxy.injected.length;
    const requestsBefore = proxy.requests.length;
    proxy.script(
      { key: ORDERS_A, times: 2, action: { kind: 'reset', afterBytes: Math.floor(size(ORDERS_A) / 2) } },
      { key: ORDERS_B, action: { kind: 'error', status: 500, code: 'InternalError' } },
      { key: ORDERS_B, action: { kind: 'error', status: 503, code: 'SlowDown' } },
      { key: CUSTOMERS, action: { kind: 'stall', afterBytes: 100 } },
    );

    // Act
    survivor = await runJob();

    // Assess: every fault was injected, and each one cost one more read of its file.
    expect([...proxy.injected.slice(injectedBefore)].sort(byKeyThenFault)).toEqual(
      [
        { method: 'GET', key: ORDERS_A, fault: 'reset' },
        { method: 'GET', key: ORDERS_A, fault: 'reset' },
        { method: 'GET', key: ORDERS_B, fault: 'InternalError' },
        { method: 'GET', key: ORDERS_B, fault: 'SlowDown' },
        { method: 'GET', key: CUSTOMERS, fault: 'stall' },
      ].sort(byKeyThenFault),
    );
    expect([
      gets(ORDERS_A, requestsBefore),
      gets(ORDERS_B, requestsBefore),
      gets(CUSTOMERS, requestsBefore),
    ]).toEqual([3, 3, 2]);
    expect(faultsSince(before, faults.snapshot())).toEqual({
      retries: 5,
      byKind: { 's3:ECONNRESET': 2, 's3:InternalError': 1, 's3:SlowDown': 1, 's3:stalled': 1 },
    });
    expect(survivor.status).toBe('published');
    // The run record reports the same retries (the recorder lives longer than one run).
    expect(survivor.faults).toEqual(faultsSince(before, faults.snapshot()));
    expect(faultFree.faults).toEqual({ retries: 0, byKind: {} });
    expect(survivor.runId).not.toBe(faultFree.runId);
    expect(survivor.inputs).toEqual(faultFree.inputs);
    expect(survivor.counts).toEqual(faultFree.counts);
    expect(survivor.rejects.byReason).toEqual(faultFree.rejects.byReason);
    expect(survivor.customers).toBe(faultFree.customers);
    expect(survivor.business).toEqual(faultFree.business);
    const channels = await store().segments(survivor.runId, 'acquisition_channel');
    expect(channels.reduce((sum, s) => sum + s.customers, 0)).toBe(faultFree.customers);
    expect((await store().currentRun())?.runId).toBe(survivor.runId);
  });

  it('fails at fetch after the retry budget on a file that never reads, keeping the previous run current', async () => {
    // Prepare
    proxy.clearScript();
    const injectedBefore = proxy.injected.length;
    const before = faults.snapshot();
    proxy.script({
      key: ORDERS_A,
      times: Number.POSITIVE_INFINITY,
      action: { kind: 'reset', afterBytes: 1000 },
    });
    const runsBefore = new Set((await store().listRuns(50)).items.map((r) => r.runId));

    // Act
    const error = await runJob().catch((e: unknown) => e);

    // Assess: five reads (the default budget), four retries, then a failure naming the key and the fault.
    proxy.clearScript();
    expect(error).toBeInstanceOf(NightlyJobError);
    expect((error as NightlyJobError).stage).toBe('fetch');
    expect((error as Error).message).toContain(`s3://${BUCKET}/${ORDERS_A}`);
    expect((error as Error).message).toContain('still failing after 5 reads (transient fault s3:ECONNRESET)');
    expect(proxy.injected.slice(injectedBefore)).toEqual(
      Array.from({ length: 5 }, () => ({ method: 'GET', key: ORDERS_A, fault: 'reset' })),
    );
    expect(faultsSince(before, faults.snapshot())).toEqual({ retries: 4, byKind: { 's3:ECONNRESET': 4 } });

    expect((await store().currentRun())?.runId).toBe(survivor.runId);
    const failed = (await store().listRuns(50)).items.filter((r) => !runsBefore.has(r.runId));
    expect(failed.map((r) => [r.status, r.failure?.stage])).toEqual([['failed', 'fetch']]);
    const failedRunId = failed[0]?.runId ?? '';
    expect((await store().getRun(failedRunId))?.faults).toEqual({
      retries: 4,
      byKind: { 's3:ECONNRESET': 4 },
    });
    // Nothing of the failed run is readable but its own failure record.
    const leftovers = (await tableItems())
      .filter((item) => JSON.stringify(item).includes(failedRunId))
      .map((item) => String(item.type));
    expect(new Set(leftovers)).toEqual(new Set(['run', 'run-index']));
    expect(await store().segments(failedRunId, 'acquisition_channel')).toEqual([]);
  });
});

function byKeyThenFault(a: { key: string; fault: string }, b: { key: string; fault: string }): number {
  return a.key.localeCompare(b.key) || a.fault.localeCompare(b.fault);
}
