import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureResultsTable } from '../../bin/local/provision.js';
import { nightlyJobDeps } from '../../lambdas/handlers/job-deps.js';
import { makeNightlyHandler } from '../../lambdas/handlers/nightly-handler.js';
import { RejectThresholdError, UnreadableExportError } from '../../lambdas/pipeline/errors.js';
import { type JobConfig, parseJobSettings } from '../../lambdas/platform/config.js';
import { silentLogger } from '../../lambdas/platform/logger.js';
import { makeResultsStore } from '../../lambdas/publish/results-store.js';
import { writeSampleExport } from '../../lambdas/sample/generate-exports.js';
import { type LocalAws, scanAll, startLocalAws } from '../support/local-aws.js';

let aws: LocalAws;
let config: JobConfig;
let workDir: string;

beforeAll(async () => {
  aws = await startLocalAws();
  workDir = await mkdtemp(join(tmpdir(), 'clv-job-'));
  config = {
    bucket: aws.bucket,
    table: aws.table,
    // The hand-sized export below has 2 bad rows in 16 (12.5%); the threshold case has 60%.
    settings: parseJobSettings({ segmentDimensions: ['country'], marginRate: 0.4, rejectThreshold: 0.25 }),
  };
});
afterAll(async () => aws.close());

const handler = () =>
  makeNightlyHandler(
    config,
    nightlyJobDeps({ config, s3: aws.s3, ddb: aws.ddb, workDir, log: silentLogger }),
  );
const store = () => makeResultsStore(aws.ddb, aws.table);

async function putExport(
  date: string,
  files: Record<string, string | Uint8Array>,
  complete = true,
): Promise<void> {
  for (const [path, body] of Object.entries(files)) {
    await aws.s3.send(
      new PutObjectCommand({ Bucket: aws.bucket, Key: `exports/${date}/${path}`, Body: body }),
    );
  }
  if (complete) {
    await aws.s3.send(
      new PutObjectCommand({ Bucket: aws.bucket, Key: `exports/${date}/_SUCCESS`, Body: new Uint8Array(0) }),
    );
  }
}

async function objectText(key: string): Promise<string> {
  const res = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
  return (await res.Body?.transformToString()) ?? '';
}

const allItems = (): Promise<Array<Record<string, unknown>>> => scanAll(aws);

// A hand-sized export: 4 customers, 9 order rows of which 2 break the contract.
const SMALL_ORDERS = [
  'order_id,customer_id,order_date,revenue,cost,status,refund_amount,channel',
  'o1,c1,2026-01-05,100.00,60,completed,,paid_search',
  'o2,c1,2026-03-10T09:00:00+02:00,50.00,30,completed,,',
  'o3,c2,2026-02-01,80.00,40,refunded,,email',
  'o4,c2,2026-06-01,120.00,70,completed,20,',
  'o5,c3,2026-10-30,200.00,100,completed,,organic',
  'o6,c4,2026-07-07,40.00,,cancelled,,paid_search',
  'o7,c4,2026-07-08,abc,10,completed,,',
  'o8,c4,2026-08-01,60.00,30,completed,,',
  'o9,c1,2027-01-01,999.00,1,completed,,',
].join('\n');
const SMALL_CUSTOMERS = [
  'customer_id,acquired_at,acquisition_channel,country',
  'c1,2026-01-05,paid_search,US',
  'c2,2026-02-01,email,DE',
  'c3,2026-10-30,organic,US',
  'c4,2026-07-07,paid_search,FR',
].join('\n');
const SMALL_SPEND = [
  'month,channel,amount',
  '2026-01,paid_search,300',
  '2026-07,paid_search,100',
  '2026-02,email,50',
].join('\n');

describe('nightly job against S3 (s3rver) and DynamoDB (dynalite)', () => {
  let firstRunId = '';

  it('publishes a small export as one run, rejecting exactly the bad rows', async () => {
    // Prepare
    await putExport('2026-11-01', {
      'orders/orders.csv': SMALL_ORDERS,
      'customers/customers.csv': SMALL_CUSTOMERS,
      'marketing_spend/spend.csv': SMALL_SPEND,
    });
    // Act
    const result = await handler()({});
    // Assess
    expect(result.status).toBe('published');
    firstRunId = result.runId;
    const record = await store().getRun(result.runId);
    expect(record?.counts.orders).toEqual({ files: 1, rowsRead: 9, rowsAccepted: 7, rowsRejected: 2 });
    expect(record?.rejects.byReason).toEqual({ not_a_number: 1, future_date: 1 });
    const rejectsCsv = await objectText(record?.rejects.objectKey ?? '');
    expect(rejectsCsv).toContain('exports/2026-11-01/orders/orders.csv,7,revenue,not_a_number');
    expect(rejectsCsv).toContain('exports/2026-11-01/orders/orders.csv,9,order_date,future_date');
    expect((await store().currentRun())?.runId).toBe(result.runId);

    // Net revenue by hand: c1 100+50 = 150; c2 80 − 80 (refunded) + 120 − 20 = 100; c3 200; c4 60 (o6 cancelled, o7 rejected).
    const business = record?.business;
    expect(business?.customers).toBe(4);
    expect(business?.netRevenue).toBeCloseTo(510, 9);
    // CAC by hand: spend 300 + 100 + 50 = 450 over new customers acquired in spend months (c1 Jan, c2 Feb, c4 Jul) = 150.
    expect(business?.marketingSpend).toBeCloseTo(450, 9);
    expect(business?.cac).toBeCloseTo(150, 9);
    const countries = await store().segments(result.runId, 'country');
    expect(Object.fromEntries(countries.map((s) => [s.value, s.customers]))).toEqual({ DE: 1, FR: 1, US: 2 });
    const c2 = await store().customer('c2', result.runId);
    expect(c2?.orders).toBe(2);
    expect(c2?.netRevenue).toBeCloseTo(100, 9);
    expect(c2?.cac).toBeCloseTo(50, 9); // email, Feb: 50 ÷ 1 new customer

    // Retention: per-customer items expire after detailRetentionDays (35), the rest after retentionDays (400).
    const start = Math.floor(Date.parse(record?.startedAt ?? '') / 1000);
    const expiryByType: Record<string, Set<number>> = {};
    const runItems = (await allItems()).filter((i) => JSON.stringify(i).includes(result.runId));
    expect(runItems.find((i) => i.type === 'pointer')?.expiresAt).toBeUndefined(); // the pointer never expires
    for (const item of runItems.filter((i) => i.type !== 'pointer')) {
      const type = String(item.type);
      expiryByType[type] = (expiryByType[type] ?? new Set()).add(Number(item.expiresAt));
    }
    const days = (n: number) => new Set([start + n * 86_400]);
    expect(expiryByType).toEqual({
      customer: days(35),
      member: days(35),
      segment: days(400),
      'segment-history': days(400),
      summary: days(400),
      run: days(400),
      'run-index': days(400),
    });
  });

  it('reruns the same export date by replacing the run and leaving no stale items', async () => {
    // Prepare
    const before = await allItems();
    expect(before.some((i) => JSON.stringify(i).includes(firstRunId))).toBe(true);
    // Act
    const result = await handler()({ exportDate: '2026-11-01' });
    // Assess
    expect(result.runId).not.toBe(firstRunId);
    const after = await allItems();
    expect(after.filter((i) => JSON.stringify(i).includes(firstRunId))).toEqual([]);
    expect(after.length).toBe(before.length);
    expect((await store().currentRun())?.runId).toBe(result.runId);
  });

  it('fails a run whose reject share passes the threshold, publishing nothing', async () => {
    // Prepare: 3 of 5 orders are bad (60% > 25%).
    const current = await store().currentRun();
    const itemsBefore = (await allItems()).length;
    await putExport('2026-11-02', {
      'orders/orders.csv': [
        'order_id,customer_id,order_date,revenue',
        'a1,x1,2026-10-01,10',
        'a2,x2,2026-10-02,-5',
        'a3,,2026-10-03,10',
        'a4,x4,2026-02-30,10',
        'a5,x5,2026-10-05,10',
      ].join('\n'),
    });
    // Act
    const run = handler()({});
    // Assess
    await expect(run).rejects.toBeInstanceOf(RejectThresholdError);
    expect((await store().currentRun())?.runId).toBe(current?.runId);
    const runs = await store().listRuns(10);
    const failed = runs.items.find((r) => r.exportDate === '2026-11-02');
    expect(failed?.status).toBe('failed');
    expect(failed?.failure?.stage).toBe('validate');
    expect(failed?.rejects.total).toBe(3);
    // The threshold is checked right after loading: no summary or model work was spent on the run.
    expect(Object.keys(failed?.stageDurationsMs ?? {})).not.toContain('summarise');
    expect(Object.keys(failed?.stageDurationsMs ?? {})).toEqual(
      expect.arrayContaining(['ingest', 'rejects']),
    );
    // Only the failed run's record (and its run-index entry) was added.
    expect((await allItems()).length - itemsBefore).toBeLessThanOrEqual(2);
  });

  it('ignores an export date without its _SUCCESS marker', async () => {
    // Prepare
    await putExport('2026-11-03', { 'orders/orders.csv': SMALL_ORDERS }, false);
    // Act
    const run = handler()({});
    // Assess: 2026-11-02 is still the newest complete date (and still fails); 11-03 is never read.
    await expect(run).rejects.toBeInstanceOf(RejectThresholdError);
    const runs = await store().listRuns(20);
    expect(runs.items.map((r) => r.exportDate)).not.toContain('2026-11-03');
  });
});

describe('an export with a file that cannot be read', () => {
  it('fails at validate, names the file in the rejects and keeps the previous run current', async () => {
    // Prepare: a good orders file beside a gzip cut in half (an interrupted upload), under a fresh date
    const current = await store().currentRun();
    const gzip = gzipSync(Buffer.from(SMALL_ORDERS.replaceAll(/\bo(\d)/g, 'p$1')));
    const truncated = gzip.subarray(0, Math.floor(gzip.length / 2));
    await putExport('2026-11-04', { 'orders/a.csv': SMALL_ORDERS, 'orders/b.csv.gz': truncated });

    // Act
    const run = handler()({});

    // Assess
    await expect(run).rejects.toBeInstanceOf(UnreadableExportError);
    await expect(run).rejects.toThrow(/exports\/2026-11-04\/orders\/b\.csv\.gz could not be read/);
    expect((await store().currentRun())?.runId).toBe(current?.runId);
    const failed = (await store().listRuns(20)).items.find((r) => r.exportDate === '2026-11-04');
    expect([failed?.status, failed?.failure?.stage]).toEqual(['failed', 'validate']);
    expect(failed?.rejects.examples.unreadable_file?.map((r) => [r.file, r.row])).toEqual([
      ['exports/2026-11-04/orders/b.csv.gz', 0],
    ]);
    const csv = await objectText(failed?.rejects.objectKey ?? '');
    expect(csv).toMatch(/exports\/2026-11-04\/orders\/b\.csv\.gz,0,,unreadable_file,/);
  });
});

describe('job settings that reach the ingest', () => {
  it('converts currencies with the configured rates and folds customer ids by case', async () => {
    // Prepare: EUR base, 1 USD = 0.5 EUR; `Ann` and `ann` are one customer with case "lower"
    const settings = parseJobSettings({
      currency: { base: 'EUR', rates: { USD: 0.5 } },
      customerIds: { case: 'lower' },
      predictive: { enabled: false },
    });
    // Its own table and prefix: this run must not become the current run of the other tests.
    await ensureResultsTable(aws.ddb, 'fx-results');
    const own: JobConfig = {
      ...config,
      table: 'fx-results',
      settings: { ...settings, exportsPrefix: 'fx/' },
    };
    const orders = [
      'order_id,customer_id,order_date,revenue,currency',
      'f1,Ann,2026-05-01,100,EUR',
      'f2,ann,2026-06-01,100,USD',
      'f3,Bob,2026-06-02,40,usd',
    ].join('\n');
    for (const [key, body] of [
      ['fx/2026-12-01/orders/o.csv', orders],
      ['fx/2026-12-01/_SUCCESS', ''],
    ]) {
      await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: body }));
    }
    const deps = nightlyJobDeps({ config: own, s3: aws.s3, ddb: aws.ddb, workDir, log: silentLogger });

    // Act
    const result = await makeNightlyHandler(own, deps)({ exportDate: '2026-12-01' });

    // Assess: 100 + 100 × 0.5 for ann, 40 × 0.5 for bob
    const fx = makeResultsStore(aws.ddb, 'fx-results');
    const record = await fx.getRun(result.runId);
    expect(record?.customers).toBe(2);
    expect(record?.business?.netRevenue).toBeCloseTo(100 + 50 + 20, 9);
    const ann = await fx.customer('ann', result.runId);
    expect([ann?.orders, ann?.netRevenue]).toEqual([2, 150]);
  });
});

describe('the sample export end to end', () => {
  it('rejects exactly the deliberately bad rows and publishes every customer', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'clv-sample-'));
    const sample = await writeSampleExport(dir, {
      seed: 7,
      customers: 1500,
      exportDate: '2026-11-10',
      historyDays: 730,
      badRows: true,
    });
    const files: Record<string, string> = {};
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.name !== '_SUCCESS') files[relative(dir, p)] = await readFile(p, 'utf8');
      }
    };
    await walk(dir);
    await putExport('2026-11-10', files);
    // Act
    const result = await handler()({ exportDate: '2026-11-10' });
    // Assess
    const record = await store().getRun(result.runId);
    expect(record?.status).toBe('published');
    expect(record?.rejects.total).toBe(sample.counts.badRows);
    expect(record?.rejects.share).toBeLessThan(0.05);
    const all = await store().segments(result.runId, 'acquisition_channel');
    expect(all.reduce((s, x) => s + x.customers, 0)).toBe(record?.customers);
    const page = (await store().segmentCustomers(result.runId, '_all', '_all', { limit: 1000 })) ?? {
      items: [],
    };
    // The sort key holds CLV to the cent (docs/storage.md), so order is checked to the cent.
    const cents = page.items.map((c) => Math.round(c.historicClv * 100));
    expect(cents).toEqual([...cents].sort((a, b) => b - a));
    expect(page.items.length).toBe(Math.min(1000, record?.customers ?? 0));

    // Predictions: both models fitted and backtested on a quarter of the 730 days held out
    const predictive = record?.predictive;
    if (predictive?.status !== 'fitted') throw new Error(`predictive stage: ${JSON.stringify(predictive)}`);
    expect(record?.degraded).toBeNull();
    expect(predictive.holdout?.days).toBe(183);
    for (const model of [predictive.models.bgNbd, predictive.models.paretoNbd]) {
      if (model.status !== 'fitted') throw new Error(model.reason);
      expect(model.backtest?.customers).toBe(predictive.holdout?.customers);
    }
    for (const c of page.items) {
      expect(c.probabilityAlive).toBeGreaterThanOrEqual(0);
      expect(c.probabilityAlive).toBeLessThanOrEqual(1);
      expect(c.expectedPurchases30).toBeLessThanOrEqual(c.expectedPurchases365 ?? -1);
      expect(c.predictedClv).toBeCloseTo((c.predictedClvRevenue ?? Number.NaN) * c.marginRate, 9);
    }
    // Segment totals add up to the business total (each computed in its own pass)
    const total = all.reduce((sum, x) => sum + (x.totalPredictedClv ?? Number.NaN), 0);
    expect(total).toBeCloseTo(record?.business?.totalPredictedClv ?? Number.NaN, 6);
  });
});
