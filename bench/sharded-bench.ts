/**
 * `npm run bench:sharded` (part of `npm run bench`): the same export through the single-pass job and
 * through the sharded path (the state machine's stages, run in-process by the local runner) with
 * S = 1, 2, 4, 8 shards, printing each stage's wall time and the ratio to the single pass, measured in
 * the same process. S3 is a local folder (bench/local-stores.ts); DynamoDB is dynalite on loopback, except
 * the customer and member puts, which are counted and sized instead of sent (bench/counting-dynamo.ts):
 * their time is set by the table's throughput and is extrapolated in docs/scale.md.
 *
 * Sizes: BENCH_ORDERS (default 10M), BENCH_CUSTOMERS (default orders / 10), BENCH_FILES (export files,
 * default 8), BENCH_SHARDS (default "1,2,4,8"). The CSV is cached under .bench/.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureResultsTable } from '../bin/local/provision.js';
import { LOCAL_CREDENTIALS, startLocalServers } from '../bin/local/servers.js';
import { nightlyJobDeps } from '../lambdas/handlers/job-deps.js';
import { runNightlyJob } from '../lambdas/pipeline/nightly-job.js';
import { runShardedJob } from '../lambdas/pipeline/sharded/local-runner.js';
import { awsClients } from '../lambdas/platform/aws-clients.js';
import { type JobConfig, parseJobSettings } from '../lambdas/platform/config.js';
import { jsonLogger, silentLogger } from '../lambdas/platform/logger.js';
import type { RunRecord } from '../lambdas/publish/types.js';
import { writeBenchOrders } from '../lambdas/sample/write-large-orders.js';
import { countingDynamo, type WriteTally } from './counting-dynamo.js';
import { folderExportSource, folderWorkStore } from './local-stores.js';
import { splitCsv } from './split-csv.js';

const orders = Number(process.env.BENCH_ORDERS ?? 10_000_000);
const customers = Number(process.env.BENCH_CUSTOMERS ?? Math.max(1, Math.round(orders / 10)));
const fileCount = Number(process.env.BENCH_FILES ?? 8);
const shardCounts = (process.env.BENCH_SHARDS ?? '1,2,4,8').split(',').map(Number);
/** writeBenchOrders puts every order in the two years before 2025-01-01: the export of that night. */
const EXPORT_DATE = '2025-01-01';
const dir = resolve('.bench');
const csv = join(dir, `orders-${orders}-${customers}.csv`);
const exportsRoot = join(dir, `export-${orders}-${customers}-${fileCount}`);
const DYNAMODB_NEW_TABLE_WCU_PER_S = 4_000;
/** BENCH_LOG=1 prints the job's own log lines (to follow a long run). */
const log = process.env.BENCH_LOG ? jsonLogger({ service: 'bench' }) : silentLogger;

const seconds = (ms: number): string => (ms / 1000).toFixed(2);

/** Peak resident memory of this process while `work` runs, sampled every 100 ms. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<[T, number]> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  try {
    return [await work(), peak];
  } finally {
    clearInterval(timer);
  }
}

async function prepareExport(): Promise<number> {
  await mkdir(dir, { recursive: true });
  if (!existsSync(csv)) {
    await writeBenchOrders(csv, { orders, customers, seed: 42 });
  }
  const done = join(exportsRoot, EXPORT_DATE, '_SUCCESS');
  if (!existsSync(done)) {
    await rm(exportsRoot, { recursive: true, force: true });
    await splitCsv(csv, fileCount, join(exportsRoot, EXPORT_DATE, 'orders'));
    await writeFile(done, '');
  }
  return (await stat(csv)).size;
}

interface Measured {
  readonly label: string;
  readonly steps: Readonly<Record<string, number>>;
  readonly totalMs: number;
  readonly peakRssMb: number;
  readonly writes: WriteTally;
  readonly record: RunRecord;
}

function printTable(rows: readonly Measured[], single: Measured): void {
  const stepNames = [...new Set(rows.flatMap((r) => Object.keys(r.steps)))];
  const header = ['run', ...stepNames, 'total s', '÷ single', 'peak RSS MB', 'items counted'];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const r of rows) {
    const cells = stepNames.map((s) => (r.steps[s] === undefined ? '' : seconds(r.steps[s] as number)));
    const ratio = (r.totalMs / single.totalMs).toFixed(2);
    const row = [r.label, ...cells, seconds(r.totalMs), `${ratio}×`, String(r.peakRssMb)];
    console.log(`| ${[...row, r.writes.items.toLocaleString()].join(' | ')} |`);
  }
}

async function main(): Promise<void> {
  const bytes = await prepareExport();
  const cores = availableParallelism();
  console.log(
    `bench:sharded: ${orders.toLocaleString()} orders, ${customers.toLocaleString()} customers, ` +
      `${(bytes / 1e6).toFixed(0)} MB CSV in ${fileCount} files, ${cores} cores, Map concurrency ${cores}`,
  );
  const scratch = join(dir, 'sharded-scratch');
  await rm(scratch, { recursive: true, force: true });
  const servers = await startLocalServers({ s3Dir: join(scratch, 's3-unused') });
  try {
    const { s3, ddb } = awsClients({
      endpoint: { s3: servers.s3Endpoint, dynamodb: servers.dynamoEndpoint },
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
    });
    const results: Measured[] = [];
    const measure = async (
      label: string,
      run: (config: JobConfig, counted: typeof ddb, workDir: string) => Promise<Measured['steps']>,
    ): Promise<Measured> => {
      const table = `bench-${results.length}`;
      await ensureResultsTable(ddb, table);
      const config: JobConfig = { bucket: 'local-folder', table, settings: parseJobSettings({}) };
      const counting = countingDynamo(ddb, (item) => item.type === 'customer' || item.type === 'member');
      const workDir = join(scratch, label.replaceAll(' ', '-'));
      const t0 = performance.now();
      const [steps, peak] = await withPeakRss(() => run(config, counting.client, workDir));
      const totalMs = performance.now() - t0;
      const deps = nightlyJobDeps({ config, s3, ddb, workDir, log });
      const record = (await deps.store.listRuns(1)).items[0];
      if (record?.status !== 'published') throw new Error(`${label}: the run did not publish`);
      const measured = {
        label,
        steps,
        totalMs,
        peakRssMb: Math.round(peak / 2 ** 20),
        writes: counting.tally,
        record,
      };
      results.push(measured);
      console.log(`  ${label}: ${seconds(totalMs)} s, ${record.customers.toLocaleString()} customers`);
      return measured;
    };
    const source = folderExportSource(exportsRoot);
    const request = { exportDate: EXPORT_DATE };
    const single = await measure('single pass', async (config, counted, workDir) => {
      const deps = { ...nightlyJobDeps({ config, s3, ddb: counted, workDir, log }), source };
      const record = await runNightlyJob(config, { ...deps, writeRejects: async () => {} }, request);
      if (record.status !== 'published') throw new Error(`single pass: ${record.status}`);
      return record.stageDurationsMs;
    });
    for (const shards of shardCounts) {
      await measure(`S=${shards}`, async (config, counted, workDir) => {
        const { openIngest: _, ...base } = nightlyJobDeps({
          config,
          s3,
          ddb: counted,
          workDir,
          log,
        });
        const deps = {
          ...base,
          source,
          writeRejects: async () => {},
          work: folderWorkStore(join(workDir, 'bucket')),
        };
        const outcome = await runShardedJob(config, deps, { ...request, shards }, { concurrency: cores });
        if (outcome.status !== 'published' || !outcome.stepWallMs)
          throw new Error(`S=${shards}: ${outcome.status}`);
        return outcome.stepWallMs;
      });
    }
    printTable(results, single);
    for (const r of results) {
      const same =
        r.record.customers === single.record.customers &&
        JSON.stringify(r.record.counts) === JSON.stringify(single.record.counts) &&
        JSON.stringify(r.record.business) === JSON.stringify(single.record.business) &&
        r.writes.items === single.writes.items;
      if (!same) throw new Error(`${r.label} published other counts than the single pass`);
    }
    const w = single.writes;
    console.log(
      `DynamoDB: ${w.items.toLocaleString()} customer + member items per run (${(w.items / single.record.customers).toFixed(1)} per customer), ` +
        `mean ${(w.bytes / w.items).toFixed(0)} B, ${w.writeUnits.toLocaleString()} WCU; at a new on-demand table's ` +
        `${DYNAMODB_NEW_TABLE_WCU_PER_S.toLocaleString()} WCU/s that is ${seconds((w.writeUnits / DYNAMODB_NEW_TABLE_WCU_PER_S) * 1000)} s of writes.`,
    );
  } finally {
    await servers.close();
  }
}

await main();
