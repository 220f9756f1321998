/**
 * The sharded run (issue 6) against the single pass, on one export through the real parts (s3rver +
 * dynalite): 1 shard and 8 shards must publish identical customers, segments, counts and rejects, and
 * the same as the single-pass job (which judges duplicates per export; the sample's duplicates are
 * copies of a customer's own orders, so both rules reject the same rows).
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureResultsTable } from '../../bin/local/provision.js';
import { nightlyJobDeps } from '../../lambdas/handlers/job-deps.js';
import { shardedJobDeps } from '../../lambdas/handlers/sharded-deps.js';
import { runNightlyJob } from '../../lambdas/pipeline/nightly-job.js';
import { runShardedJob } from '../../lambdas/pipeline/sharded/local-runner.js';
import { type JobConfig, parseJobSettings } from '../../lambdas/platform/config.js';
import { silentLogger } from '../../lambdas/platform/logger.js';
import type { RunRecord } from '../../lambdas/publish/types.js';
import { writeSampleExport } from '../../lambdas/sample/generate-exports.js';
import { type LocalAws, startLocalAws } from '../support/local-aws.js';
import { publishedItems, tableItems } from '../support/run-items.js';

const EXPORT_DATE = '2026-11-10';
let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws('sharded-exports', 'sharded-results');
  const dir = await mkdtemp(join(tmpdir(), 'clv-sharded-sample-'));
  await writeSampleExport(dir, {
    seed: 11,
    customers: 1200,
    exportDate: EXPORT_DATE,
    historyDays: 730,
    badRows: true,
  });
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else {
        const key = `exports/${EXPORT_DATE}/${relative(dir, p)}`;
        await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: await readFile(p) }));
      }
    }
  };
  await walk(dir);
}, 60_000);
afterAll(async () => aws.close());

async function configFor(name: string): Promise<JobConfig> {
  const table = `sharded-${name}`;
  await ensureResultsTable(aws.ddb, table);
  return {
    bucket: aws.bucket,
    table,
    settings: parseJobSettings({
      runsPrefix: `runs-${name}/`,
      segmentDimensions: ['country'],
      marginRate: 0.35,
      rejectThreshold: 0.5,
      // 1,200 customers: 12 score parts with 1 shard, about 2 a shard with 8; the single pass ignores it.
      sharding: { customersPerScorePart: 100 },
    }),
  };
}

/** Fields that must be the same bits whatever the shard count: counts, revenues, historic CLV, CAC. */
const EXACT =
  /^(customers|newCustomers|orders|netRevenue|grossRevenue|refunds|historicClv|meanClv|medianClv|totalClv|cac|clvToCac|marketingSpend|averageOrderValue|purchasesPerYear|grossMargin|marginRate|frequency|recencyDays|ageDays|daysSinceLastOrder)$/;

/**
 * Deep equality where numbers of EXACT fields must be identical and any other number may differ by a
 * relative 1e-12 (DuckDB's per-customer sums are compensated, not exact, so a customer's order rows read
 * in another order can move the last bit of a mean spend, and with it a prediction or a median).
 */
function expectSame(got: unknown, want: unknown, path = ''): { worst: number; differing: number } {
  const acc = { worst: 0, differing: 0 };
  const walk = (g: unknown, w: unknown, at: string): void => {
    if (typeof w === 'number' && typeof g === 'number') {
      if (Object.is(g, w)) return;
      const field = at.slice(at.lastIndexOf('.') + 1);
      expect(EXACT.test(field), `${at}: ${g} ≠ ${w}`).toBe(false);
      const rel = Math.abs(g - w) / Math.max(Math.abs(w), 1e-300);
      acc.worst = Math.max(acc.worst, rel);
      acc.differing += 1;
      expect(rel, at).toBeLessThan(1e-12);
      return;
    }
    if (w !== null && typeof w === 'object') {
      expect(g !== null && typeof g === 'object', at).toBe(true);
      const keys = new Set([...Object.keys(w as object), ...Object.keys(g as object)]);
      for (const k of keys)
        walk((g as Record<string, unknown>)[k], (w as Record<string, unknown>)[k], `${at}.${k}`);
      return;
    }
    expect(g, at).toEqual(w);
  };
  walk(got, want, path);
  return acc;
}

async function sharded(name: string, shards: number) {
  const config = await configFor(name);
  const workDir = await mkdtemp(join(tmpdir(), `clv-sharded-${name}-`));
  const deps = shardedJobDeps({ config, s3: aws.s3, ddb: aws.ddb, workDir, log: silentLogger });
  const record = (await runShardedJob(config, deps, { shards }, { concurrency: 4 })) as RunRecord;
  return { config, record, items: await tableItems(aws.ddb, config.table) };
}

describe('a sharded run', () => {
  it('publishes the same run with 1 shard, with 8 shards and in a single pass', async () => {
    // Act
    const one = await sharded('one', 1);
    const eight = await sharded('eight', 8);
    const singleConfig = await configFor('single');
    const singleDir = await mkdtemp(join(tmpdir(), 'clv-single-'));
    const single = (await runNightlyJob(
      singleConfig,
      nightlyJobDeps({
        config: singleConfig,
        s3: aws.s3,
        ddb: aws.ddb,
        workDir: singleDir,
        log: silentLogger,
      }),
    )) as RunRecord;
    const singleItems = await tableItems(aws.ddb, singleConfig.table);

    // Assert: published, same counts and rejects.
    for (const r of [one.record, eight.record]) {
      expect(r.status).toBe('published');
      expect(r.counts).toEqual(single.counts);
      expect(r.rejects.total).toBe(single.rejects.total);
      expect(r.rejects.byReason).toEqual(single.rejects.byReason);
      expect(r.customers).toBe(single.customers);
      expectSame(r.business, single.business);
      expect(r.dimensions).toEqual(single.dimensions);
    }
    expect(single.rejects.total).toBeGreaterThan(0);
    expect(single.customers).toBeGreaterThan(1000);
    // Every customer, member and segment item, bit for bit.
    const base = publishedItems(singleItems, single.runId);
    expect(base.customers.length).toBe(single.customers);
    const drift = [
      expectSame(publishedItems(one.items, one.record.runId), base),
      expectSame(publishedItems(eight.items, eight.record.runId), base),
    ];
    // Counts, revenues, historic CLV and CAC are the same bits; anything else may drift in the last bits.
    for (const d of drift) expect(d.worst).toBeLessThan(1e-12);
    console.info(`sharded vs single pass: ${JSON.stringify(drift)}`);
    // Model parameters: the same fit (1e-6 relative is the bar; these are fitted on the same rows).
    const params = (r: RunRecord) => {
      const p = r.predictive;
      if (p?.status !== 'fitted') throw new Error(`predictive ${p?.status}`);
      return { ...p.models.bgNbd, ...p.gammaGamma } as unknown as Record<string, unknown>;
    };
    const expected = params(single);
    for (const r of [one.record, eight.record]) {
      const got = params(r);
      for (const key of ['params'] as const) {
        const e = expected[key] as Record<string, number>;
        const g = got[key] as Record<string, number>;
        for (const k of Object.keys(e))
          expect(Math.abs((g[k] as number) - (e[k] as number)) / Math.abs(e[k] as number)).toBeLessThan(1e-6);
      }
    }
    // The work prefix is gone, the rejects CSV is there.
    const listed = await aws.s3.send(
      new ListObjectsV2Command({ Bucket: aws.bucket, Prefix: `runs-eight/${eight.record.runId}/` }),
    );
    const keys = (listed.Contents ?? []).map((o) => o.Key);
    expect(keys).toEqual([`runs-eight/${eight.record.runId}/rejects.csv`]);
  }, 240_000);
});
