/**
 * `npm run bench`: the job's ingest + per-customer summary against a bare DuckDB group-by over the same
 * CSV, measured in the same run, printed as a ratio. Sizes: BENCH_ORDERS (default 10M), BENCH_CUSTOMERS
 * (default orders / 10). The generated file is cached under .bench/.
 */

import { existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { openIngest } from '../lambdas/ingest/duckdb-ingest.js';
import { churnWindow } from '../lambdas/model/churn.js';
import { runMetrics } from '../lambdas/model/run-metrics.js';
import { parseJobSettings } from '../lambdas/platform/config.js';
import { writeBenchOrders } from '../lambdas/sample/write-large-orders.js';

const orders = Number(process.env.BENCH_ORDERS ?? 10_000_000);
const customers = Number(process.env.BENCH_CUSTOMERS ?? Math.max(1, Math.round(orders / 10)));
const dir = resolve('.bench');
const file = join(dir, `orders-${orders}-${customers}.csv`);
const EXPORT_DATE = '2026-11-24';

const seconds = (ms: number): string => (ms / 1000).toFixed(2);

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await work();
  return [value, performance.now() - t0];
}

/** The baseline: what a bare DuckDB query takes to read the file and aggregate per customer. */
async function bareDuckDb(path: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(
    `SELECT count(*) AS customers FROM (
       SELECT customer_id, count(*) AS orders, count(DISTINCT CAST(order_date AS DATE)) AS days,
              sum(revenue) AS revenue, min(CAST(order_date AS DATE)) AS first, max(CAST(order_date AS DATE)) AS last
       FROM read_csv('${path.replaceAll("'", "''")}', header = true) GROUP BY customer_id)`,
  );
  const count = Number(reader.getRows()[0]?.[0]);
  connection.closeSync();
  instance.closeSync();
  return count;
}

async function main(): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (!existsSync(file)) {
    const [, ms] = await timed(() => writeBenchOrders(file, { orders, customers, seed: 42 }));
    console.log(`generated ${orders.toLocaleString()} orders in ${seconds(ms)} s`);
  }
  const bytes = (await stat(file)).size;
  console.log(
    `bench: ${orders.toLocaleString()} orders, ${customers.toLocaleString()} customers, ${(bytes / 1e6).toFixed(0)} MB CSV`,
  );

  const [baselineCustomers, baselineMs] = await timed(() => bareDuckDb(file));

  const settings = parseJobSettings({ duckdbMemoryMb: 4096 });
  const workDir = join(dir, 'work');
  await rm(workDir, { recursive: true, force: true });
  const ingest = await openIngest({
    exportDate: EXPORT_DATE,
    mapping: settings.mapping,
    workDir,
    memoryLimitMb: 4096,
  });
  // Hashing happens while the fetch stage streams from S3; it is not part of what is measured here.
  const sha256 = 'not-measured';
  const [report, loadMs] = await timed(() =>
    ingest.load([{ dataset: 'orders', name: 'orders.csv', localPath: file, bytes, sha256 }]),
  );
  const [summaries, summaryMs] = await timed(async () => {
    const range = await ingest.orderDateRange();
    if (!range) throw new Error('no orders accepted');
    const window = churnWindow(range.first, EXPORT_DATE, settings.churnWindowMonths);
    return { window, rows: await ingest.customerSummaries(window) };
  });
  await ingest.close();
  const [metrics, modelMs] = await timed(async () =>
    runMetrics(summaries.rows, [], summaries.window, settings),
  );

  const jobMs = loadMs + summaryMs;
  console.log('');
  console.log('stage                                   seconds');
  console.log(`bare DuckDB read + group-by (baseline)  ${seconds(baselineMs).padStart(7)}`);
  console.log(`job ingest (read + validate)            ${seconds(loadMs).padStart(7)}`);
  console.log(`job per-customer summary (to JS)        ${seconds(summaryMs).padStart(7)}`);
  console.log(`job ingest + summary                    ${seconds(jobMs).padStart(7)}`);
  console.log(`model (historic CLV, CAC, RFM, segs)    ${seconds(modelMs).padStart(7)}`);
  console.log('');
  console.log(`ratio (job ingest + summary) / baseline: ${(jobMs / baselineMs).toFixed(2)}x`);
  console.log(
    `rows accepted ${report.datasets.orders.rowsAccepted.toLocaleString()}, rejected ${report.datasets.orders.rowsRejected}, ` +
      `customers ${summaries.rows.length.toLocaleString()} (baseline ${baselineCustomers.toLocaleString()}), ` +
      `segments ${Object.values(metrics.segments).reduce((n, s) => n + s.length, 0)}`,
  );
  // Peak memory of the whole process (DuckDB + summaries + model), to size the function's memory.
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  await rm(workDir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
