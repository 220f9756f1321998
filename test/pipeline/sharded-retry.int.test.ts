/**
 * Issue 6's idempotency bar through the real parts (s3rver + dynalite): Step Functions retries a Lambda
 * task that timed out even when its first attempt had finished writing, so every stage of a sharded run
 * must be safe to run twice. Each Map item and each single step runs twice in a row here; the second
 * attempt must leave exactly the objects and items the first left, and the run must publish what a clean
 * run of the same export publishes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureResultsTable } from '../../bin/local/provision.js';
import { shardedJobDeps } from '../../lambdas/handlers/sharded-deps.js';
import { sqlString } from '../../lambdas/ingest/sql-text.js';
import {
  type FileItem,
  finishRun,
  fitRun,
  gateRun,
  partitionFile,
  plan,
  publishShardedRun,
  type ScorePart,
  type ShardedJobDeps,
  type ShardItem,
  scorePart,
  summariseShard,
  validateShard,
} from '../../lambdas/pipeline/sharded/index.js';
import { runShardedJob } from '../../lambdas/pipeline/sharded/local-runner.js';
import { type JobConfig, parseJobSettings } from '../../lambdas/platform/config.js';
import { silentLogger } from '../../lambdas/platform/logger.js';
import type { RunRecord } from '../../lambdas/publish/types.js';
import { type WrittenSampleExport, writeSampleExport } from '../../lambdas/sample/generate-exports.js';
import { type LocalAws, startLocalAws } from '../support/local-aws.js';
import { publishedItems, tableItems } from '../support/run-items.js';

const EXPORT_DATE = '2026-11-10';
const SHARDS = 3;
/** Segment members a customer has: `_all`, acquisition channel, cohort month, RFM segment, country. */
const MEMBERS_PER_CUSTOMER = 5;
let aws: LocalAws;
let sample: WrittenSampleExport;
let scratch: string;
let duckDb: DuckDBInstance;
let duck: DuckDBConnection;

beforeAll(async () => {
  aws = await startLocalAws('retry-exports', 'retry-results');
  scratch = await mkdtemp(join(tmpdir(), 'clv-retry-parquet-'));
  duckDb = await DuckDBInstance.create(':memory:', { threads: '1' });
  duck = await duckDb.connect();
  const dir = await mkdtemp(join(tmpdir(), 'clv-retry-sample-'));
  sample = await writeSampleExport(dir, {
    seed: 29,
    customers: 300,
    exportDate: EXPORT_DATE,
    historyDays: 730,
    badRows: true,
  });
  // `sample.files` lists paths relative to the export folder, `_SUCCESS` last (the export is complete).
  for (const name of sample.files) {
    const Body = await readFile(join(dir, name));
    await aws.s3.send(
      new PutObjectCommand({ Bucket: aws.bucket, Key: `exports/${EXPORT_DATE}/${name}`, Body }),
    );
  }
}, 60_000);
afterAll(async () => {
  duck?.closeSync();
  duckDb?.closeSync();
  await rm(scratch, { recursive: true, force: true });
  await aws.close();
});

/** Each run in its own table and runs prefix: a publish sweeps other attempts of its date from its table. */
async function setUp(name: string): Promise<{ config: JobConfig; deps: ShardedJobDeps }> {
  const table = `retry-${name}`;
  await ensureResultsTable(aws.ddb, table);
  const config: JobConfig = {
    bucket: aws.bucket,
    table,
    settings: parseJobSettings({
      runsPrefix: `runs-${name}/`,
      segmentDimensions: ['country'],
      marginRate: 0.35,
      rejectThreshold: 0.5,
      // ≈ 100 customers a shard: each is scored in three parts, whose partials the publish merges.
      sharding: { customersPerScorePart: 40 },
    }),
  };
  const workDir = await mkdtemp(join(tmpdir(), `clv-retry-${name}-`));
  return { config, deps: shardedJobDeps({ config, s3: aws.s3, ddb: aws.ddb, workDir, log: silentLogger }) };
}

/**
 * The fit's wall times (PredictiveReport.durationMs, each model's fitMs) are the only time-dependent
 * values in the work objects: everything else derives from the export, the settings and run.startedAt,
 * which the plan fixed once for every attempt.
 */
const WALL_TIMES = new Set(['durationMs', 'fitMs']);
const withoutWallTimes = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value ?? null, (k, v: unknown) => (WALL_TIMES.has(k) ? undefined : v)));

/**
 * A Parquet object's columns and rows in a fixed order, by ETag (each version is read once). Not its
 * bytes: DuckDB's COPY writes rows in whatever order its threads finish, so a retry's valid rows or
 * calibration Parquet may hold the same rows in another order (seen on some runs). No reader depends
 * on it: the summaries sum each customer's orders in (file, row) order, and the fit and score stages
 * read summaries and calibration rows by customer id.
 */
const parquetByEtag = new Map<string, unknown>();
async function parquetContent(deps: ShardedJobDeps, key: string, etag: string): Promise<unknown> {
  const known = parquetByEtag.get(etag);
  if (known !== undefined) return known;
  const local = join(scratch, `${parquetByEtag.size}.parquet`);
  await deps.work.download(key, local);
  const read = await duck.run(`SELECT * FROM read_parquet(${sqlString(local)}) ORDER BY ALL`);
  const content = { columns: read.columnNames(), rows: await read.getRowsJson() };
  parquetByEtag.set(etag, content);
  return content;
}

/** Every object under a prefix: JSON ones parsed (wall times dropped), Parquet ones as sorted rows. */
async function objectsUnder(deps: ShardedJobDeps, prefix: string): Promise<Record<string, unknown>> {
  const keys = await deps.work.list(prefix);
  const listed = await aws.s3.send(new ListObjectsV2Command({ Bucket: aws.bucket, Prefix: prefix }));
  expect(listed.IsTruncated).toBeFalsy();
  const etags = new Map((listed.Contents ?? []).map((o) => [o.Key, o.ETag ?? '']));
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (key.endsWith('.json')) out[key] = withoutWallTimes(await deps.work.getJson(key));
    else if (key.endsWith('.parquet')) out[key] = await parquetContent(deps, key, etags.get(key) ?? '');
    else out[key] = etags.get(key);
  }
  return out;
}

async function text(key: string): Promise<string> {
  const out = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
  return (await out.Body?.transformToString('utf8')) ?? '';
}

describe('a sharded run whose every stage is retried after its first attempt completed', () => {
  it('writes the same objects and items on each retry and publishes what a clean run publishes', async () => {
    // Prepare
    const { config, deps } = await setUp('retried');
    const planned = await plan(config, deps, { exportDate: EXPORT_DATE, shards: SHARDS });
    if (planned.status !== 'run') throw new Error(`plan skipped the run: ${JSON.stringify(planned)}`);
    const { run } = planned;
    const runPrefix = `${config.settings.runsPrefix}${run.runId}/`;
    const files = await deps.work.getJson<FileItem[]>(run.manifests.files);
    const shards = await deps.work.getJson<ShardItem[]>(run.manifests.shards);
    expect(shards.map((s) => s.shard)).toEqual([0, 1, 2]);
    // The run prefix holds the work objects and the gate's rejects CSV; the table is checked after the
    // stages that write to it (fit: run record and segment manifest; score: customers and members).
    const twice = async <T>(step: string, attempt: () => Promise<T>, writesTable = false): Promise<T> => {
      const first = await attempt();
      const objects = await objectsUnder(deps, runPrefix);
      const items = writesTable ? await tableItems(aws.ddb, config.table) : [];
      const again = await attempt();
      const objectsAgain = await objectsUnder(deps, runPrefix);
      expect(Object.keys(objectsAgain), `${step}: object keys`).toEqual(Object.keys(objects));
      expect(objectsAgain, `${step}: object contents`).toEqual(objects);
      if (writesTable) expect(await tableItems(aws.ddb, config.table), `${step}: table items`).toEqual(items);
      expect(withoutWallTimes(again), `${step}: result`).toEqual(withoutWallTimes(first));
      return again;
    };

    // Act: every Map item and every single step twice in a row, then publish and finish once.
    for (const f of files) await twice(`partition ${f.fileIdx}`, () => partitionFile(config, deps, run, f));
    for (const s of shards) await twice(`validate ${s.shard}`, () => validateShard(config, deps, run, s));
    const { range } = await twice('gate', () => gateRun(config, deps, run));
    for (const s of shards)
      await twice(`summarise ${s.shard}`, () => summariseShard(config, deps, run, s, range));
    await twice('fit', () => fitRun(config, deps, run, range), true);
    const parts = await deps.work.getJson<ScorePart[]>(run.manifests.scoreParts);
    expect(parts.length).toBeGreaterThan(shards.length);
    for (const p of parts)
      await twice(`score ${p.shard}.${p.part}`, () => scorePart(config, deps, run, p), true);
    const workKeys = (await deps.work.list(run.workPrefix)).map((k) => k.slice(run.workPrefix.length));
    const record = await publishShardedRun(config, deps, run);
    await finishRun(config, deps, run);
    const retriedItems = await tableItems(aws.ddb, config.table);

    const clean = await setUp('clean');
    const cleanRecord = (await runShardedJob(clean.config, clean.deps, {
      exportDate: EXPORT_DATE,
      shards: SHARDS,
    })) as RunRecord;
    const cleanItems = await tableItems(aws.ddb, clean.config.table);

    // Assess: the retries compared every JSON record a stage hands on, not an empty prefix.
    for (const name of ['files', 'shards', 'gate', 'context', 'spend'])
      expect(workKeys, name).toContain(`${name}.json`);
    for (const stage of ['validate', 'summarise'])
      for (const s of shards) expect(workKeys).toContain(`${stage}/shard-0000${s.shard}.json`);
    for (const p of parts) expect(workKeys).toContain(`score/shard-0000${p.shard}-part-0000${p.part}.json`);
    for (const f of files)
      expect(workKeys).toContain(`partition/file-${String(f.fileIdx).padStart(5, '0')}.json`);
    expect(await deps.work.list(run.workPrefix)).toEqual([]);

    // The run record: the clean run's counts, and the sample's broken rows, each rejected once.
    expect(record.status).toBe('published');
    expect(cleanRecord.status).toBe('published');
    expect(record.counts).toEqual(cleanRecord.counts);
    expect(record.customers).toBe(cleanRecord.customers);
    expect(record.rejects.total).toBe(sample.counts.badRows);
    expect(record.rejects.byReason).toEqual(cleanRecord.rejects.byReason);
    expect(record.rejects.total).toBe(cleanRecord.rejects.total);
    expect(record.business).toEqual(cleanRecord.business);
    expect(withoutWallTimes(record.predictive)).toEqual(withoutWallTimes(cleanRecord.predictive));
    expect(record.predictive?.status).toBe('fitted');
    const csv = (r: RunRecord) => text(r.rejects.objectKey ?? '');
    expect(await csv(record)).toEqual(await csv(cleanRecord));

    // Every customer, member, segment and summary item, the same bits as the clean run's.
    const got = publishedItems(retriedItems, record.runId);
    const want = publishedItems(cleanItems, cleanRecord.runId);
    expect(got).toEqual(want);
    // No customer or member twice: the score retries overwrote their items rather than adding to them.
    expect(got.customers).toHaveLength(record.customers);
    expect(new Set(got.customers.map((c) => c.customerId)).size).toBe(record.customers);
    expect(got.members).toHaveLength(record.customers * MEMBERS_PER_CUSTOMER);
    expect(record.customers).toBeGreaterThan(200);
  }, 120_000);
});
