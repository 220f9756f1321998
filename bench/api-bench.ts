/**
 * `npm run bench:api`: `GET /v1/customers` over loopback HTTP against a bare DynamoDB Query for the same
 * items through the same document client on the same dynalite, measured in the same run, printed as
 * ratios. The data is a real nightly run over a sample export. Sizes: BENCH_API_CUSTOMERS (default
 * 10,000), BENCH_API_REQUESTS (measured requests per workload and mode, default 200; a third of that for
 * limit=1000). Everything runs in this one process, on one event loop: see bench/README.md.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type LocalApi, startLocalApi } from '../bin/local/api-server.js';
import { uploadFolder } from '../bin/local/provision.js';
import { makeApiHandler } from '../lambdas/handlers/api-handler.js';
import { nightlyJobDeps } from '../lambdas/handlers/job-deps.js';
import { makeNightlyHandler } from '../lambdas/handlers/nightly-handler.js';
import { type JobConfig, parseJobSettings } from '../lambdas/platform/config.js';
import { silentLogger } from '../lambdas/platform/logger.js';
import { ALL, MEMBER_SORT_INDEXES, memberPk } from '../lambdas/publish/keys.js';
import { makeResultsReader } from '../lambdas/publish/results-reader.js';
import { writeSampleExport } from '../lambdas/sample/generate-exports.js';
import { makeApi } from '../lambdas/serve/api.js';
import { rowCost } from '../lambdas/serve/paging.js';
import { customerRowOf } from '../lambdas/serve/row-builders.js';
import { type LocalAws, startLocalAws } from '../test/support/local-aws.js';

const CUSTOMERS = Number(process.env.BENCH_API_CUSTOMERS ?? 10_000);
const REQUESTS = Number(process.env.BENCH_API_REQUESTS ?? 200);
const WARMUP = 30;
const CONCURRENCY = 8;
const EXPORT_DATE = '2026-11-24';
const API_KEY = 'bench-key';

type Item = Record<string, unknown>;
/** One page; `last` when the list has no page after it. */
interface Page {
  readonly items: Item[];
  readonly last: boolean;
}
/** One request of a workload; a client keeps its own paging state between calls. */
type Client = () => Promise<Page>;

interface Stats {
  readonly p50: number;
  readonly p99: number;
  readonly rps: number;
}

/** Nearest-rank percentile of sorted samples. */
const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

/** Runs `requests` calls spread over `concurrency` clients (after a warm-up of the same shape). */
async function measure(makeClient: () => Client, requests: number, concurrency: number): Promise<Stats> {
  const run = async (count: number): Promise<{ latencies: number[]; wallMs: number }> => {
    const clients = Array.from({ length: concurrency }, makeClient);
    const latencies: number[] = [];
    let issued = 0;
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (client) => {
        while (issued < count) {
          issued++;
          const start = performance.now();
          await client();
          latencies.push(performance.now() - start);
        }
      }),
    );
    return { latencies, wallMs: performance.now() - t0 };
  };
  await run(WARMUP);
  const { latencies, wallMs } = await run(requests);
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), rps: requests / (wallMs / 1000) };
}

/** A client of one API URL; `walk` follows nextCursor and starts over after the last page. */
function apiClient(url: string, walk: boolean): () => Client {
  return () => {
    let cursor: string | null = null;
    return async () => {
      const target = cursor ? `${url}&cursor=${encodeURIComponent(cursor)}` : url;
      const response = await fetch(target, { headers: { 'x-api-key': API_KEY } });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`${target}: ${response.status} ${text.slice(0, 300)}`);
      const body = JSON.parse(text) as { items: Item[]; nextCursor: string | null };
      if (walk) cursor = body.nextCursor;
      return { items: body.items, last: body.nextCursor === null };
    };
  };
}

interface BareQuery {
  readonly table: string;
  readonly pk: string;
  readonly index?: string;
  readonly limit: number;
}

/** A client issuing bare Queries for `limit` items of one partition (table or index), highest first. */
function bareClient(ddb: DynamoDBDocumentClient, query: BareQuery, walk: boolean): () => Client {
  return () => {
    let startKey: Item | undefined;
    return async () => {
      const items: Item[] = [];
      do {
        const out = await ddb.send(
          new QueryCommand({
            TableName: query.table,
            IndexName: query.index,
            KeyConditionExpression: 'PK = :pk',
            ExpressionAttributeValues: { ':pk': query.pk },
            ScanIndexForward: false,
            Limit: query.limit - items.length,
            ExclusiveStartKey: startKey,
          }),
        );
        items.push(...(out.Items ?? []));
        startKey = out.LastEvaluatedKey;
      } while (startKey && items.length < query.limit);
      const last = startKey === undefined;
      if (!walk) startKey = undefined;
      return { items, last };
    };
  };
}

type Tally = Record<string, { ms: number; calls: number }>;

/** A DynamoDB client that adds each call's time to `tally` under its command name (sequential use only). */
function tallied(ddb: DynamoDBDocumentClient, tally: Tally): DynamoDBDocumentClient {
  return new Proxy(ddb, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: object, ...rest: unknown[]) => {
        const t0 = performance.now();
        try {
          return await (target.send as (...a: unknown[]) => Promise<unknown>).call(target, command, ...rest);
        } finally {
          const entry = tally[command.constructor.name] ?? { ms: 0, calls: 0 };
          tally[command.constructor.name] = { ms: entry.ms + performance.now() - t0, calls: entry.calls + 1 };
        }
      };
    },
  });
}

const ms = (value: number): string => value.toFixed(2).padStart(8);
const ids = (page: Page): string => page.items.map((i) => i.customerId).join(',');

interface Workload {
  readonly name: string;
  readonly requests: number;
  readonly api: () => Client;
  readonly bare: () => Client;
}

/** A real nightly run over a sample export: the data the API serves. */
async function publishSample(aws: LocalAws, dir: string): Promise<{ runId: string; seconds: number }> {
  const config: JobConfig = { bucket: aws.bucket, table: aws.table, settings: parseJobSettings({}) };
  const exportDir = join(dir, 'export');
  const options = { seed: 20261124, customers: CUSTOMERS, historyDays: 730, exportDate: EXPORT_DATE };
  await writeSampleExport(exportDir, { ...options, badRows: false });
  // writeSampleExport writes `_SUCCESS` too, so the upload marks the export complete.
  await uploadFolder(aws.s3, aws.bucket, exportDir, `${config.settings.exportsPrefix}${EXPORT_DATE}/`);
  const workDir = join(dir, 'work');
  const deps = nightlyJobDeps({ config, s3: aws.s3, ddb: aws.ddb, workDir, log: silentLogger });
  const t0 = performance.now();
  const result = await makeNightlyHandler(config, deps)({ exportDate: EXPORT_DATE });
  if (result.status !== 'published') throw new Error(`The run was not published: ${result.status}`);
  return { runId: result.runId, seconds: (performance.now() - t0) / 1000 };
}

/** Walks every page once, sequentially; fails unless every customer comes exactly once. */
async function traverse(client: Client, customers: number): Promise<{ pages: number; ms: number }> {
  const seen = new Set<unknown>();
  let pages = 0;
  const t0 = performance.now();
  for (let last = false; !last; pages++) {
    const page = await client();
    for (const item of page.items) seen.add(item.customerId);
    last = page.last;
    if (seen.size > customers) break;
  }
  const elapsed = performance.now() - t0;
  if (seen.size !== customers) throw new Error(`walk saw ${seen.size} of ${customers} customers`);
  return { pages, ms: elapsed };
}

async function main(): Promise<void> {
  const aws = await startLocalAws('bench-exports', 'bench-results');
  const dir = await mkdtemp(join(tmpdir(), 'clv-api-bench-'));
  let api: LocalApi | undefined;
  try {
    const { runId, seconds } = await publishSample(aws, dir);
    const reader = makeResultsReader(aws.ddb, aws.table);
    const all = (await reader.segments(runId, ALL))[0];
    const channel = (await reader.segments(runId, 'acquisition_channel')).sort(
      (a, b) => b.customers - a.customers,
    )[0];
    if (!channel || !all) throw new Error('The run has no segments');
    // One member shard per segment at this size, so one bare Query reads exactly what the API merges.
    if (all.shards !== 1 || channel.shards !== 1) throw new Error('Segments span shards; lower the size');
    console.log(
      `api bench: ${all.customers.toLocaleString()} customers published in ${seconds.toFixed(1)} s by one ` +
        `nightly run; segment acquisition_channel:${channel.value} has ${channel.customers.toLocaleString()}`,
    );

    api = await startLocalApi({
      handler: makeApiHandler(makeApi({ reader, log: silentLogger })),
      apiKey: API_KEY,
      port: 0,
    });
    const url = `${api.url}/v1/customers`;
    const segment = encodeURIComponent(`acquisition_channel:${channel.value}`);
    const table = aws.table;
    const allPk = memberPk(runId, ALL, ALL, 0);
    const channelPk = memberPk(runId, 'acquisition_channel', channel.value, 0);
    const workload = (name: string, query: string, bare: BareQuery, walk = false): Workload => ({
      name,
      requests: bare.limit > 100 ? Math.ceil(REQUESTS / 3) : REQUESTS,
      api: apiClient(`${url}?${query}`, walk),
      bare: bareClient(aws.ddb, bare, walk),
    });
    const workloads = [
      workload('first page, limit=100', 'limit=100', { table, pk: allPk, limit: 100 }),
      workload('paged walk, limit=100', 'limit=100', { table, pk: allPk, limit: 100 }, true),
      workload('first page, limit=1000', 'limit=1000', { table, pk: allPk, limit: 1000 }),
      workload('segment by revenue (GSI), limit=100', `segment=${segment}&sort=revenue&limit=100`, {
        table,
        pk: channelPk,
        index: MEMBER_SORT_INDEXES.revenue.indexName,
        limit: 100,
      }),
    ];
    // The baseline must read the same customers in the same order, or the ratio compares other work.
    for (const w of workloads) {
      if (ids(await w.api()()) !== ids(await w.bare()())) throw new Error(`${w.name}: pages differ`);
    }
    const walkApi = await traverse(workloads[1]?.api() as Client, all.customers);
    const walkBare = await traverse(workloads[1]?.bare() as Client, all.customers);
    console.log(
      `whole business page by page (limit=100, each customer once): API ${walkApi.pages} pages in ` +
        `${(walkApi.ms / 1000).toFixed(2)} s, bare Query ${walkBare.pages} pages in ${(walkBare.ms / 1000).toFixed(2)} s`,
    );

    console.log(`\nAfter ${WARMUP} warm-up requests; latencies in ms; ratios API / bare`);
    console.log(
      'workload                             conc    n   API p50  API p99  API r/s bare p50 bare p99 bare r/s  p50 ratio  r/s ratio',
    );
    for (const w of workloads) {
      for (const concurrency of [1, CONCURRENCY]) {
        const a = await measure(w.api, w.requests, concurrency);
        const b = await measure(w.bare, w.requests, concurrency);
        console.log(
          `${w.name.padEnd(36)} ${String(concurrency).padStart(4)} ${String(w.requests).padStart(4)} ` +
            `${ms(a.p50)} ${ms(a.p99)} ${a.rps.toFixed(0).padStart(8)} ${ms(b.p50)} ${ms(b.p99)} ` +
            `${b.rps.toFixed(0).padStart(8)} ${(a.p50 / b.p50).toFixed(2).padStart(10)} ${(a.rps / b.rps).toFixed(2).padStart(10)}`,
        );
      }
    }
    await breakdown(aws.ddb, aws.table, api.url, allPk);
  } finally {
    await api?.close();
    await aws.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Where one page's time goes, sequentially: the API in-process with its DynamoDB calls timed, the same
 * page over HTTP, and the bare Query, interleaved round by round so that all three see the same heap.
 */
async function breakdown(ddb: DynamoDBDocumentClient, table: string, url: string, pk: string): Promise<void> {
  const columns: Array<Array<[string, string]>> = [];
  const shapes = [
    { limit: 100, rounds: 100 },
    { limit: 1000, rounds: 40 },
  ];
  for (const { limit, rounds } of shapes) {
    const tally: Tally = {};
    const inProcess = makeApi({ reader: makeResultsReader(tallied(ddb, tally), table), log: silentLogger });
    const request = { method: 'GET', path: '/v1/customers', query: { limit: String(limit) } };
    const overHttp = apiClient(`${url}/v1/customers?limit=${limit}`, false)();
    const bare = bareClient(ddb, { table, pk, limit }, false)();
    const total = { api: 0, http: 0, bare: 0 };
    let body = '';
    for (let i = 0; i < WARMUP + rounds; i++) {
      if (i === WARMUP) {
        for (const key of Object.keys(tally)) delete tally[key];
        Object.assign(total, { api: 0, http: 0, bare: 0 });
      }
      const t0 = performance.now();
      body = (await inProcess({ ...request, headers: {}, baseUrl: url, requestId: 'bench' })).body;
      const t1 = performance.now();
      await overHttp();
      const t2 = performance.now();
      await bare();
      Object.assign(total, {
        api: total.api + t1 - t0,
        http: total.http + t2 - t1,
        bare: total.bare + performance.now() - t2,
      });
    }
    const page = JSON.parse(body) as { items: Item[] };
    const t3 = performance.now();
    for (let i = 0; i < rounds; i++) JSON.stringify(page);
    const stringifyMs = (performance.now() - t3) / rounds;
    const t4 = performance.now();
    for (let i = 0; i < rounds; i++) for (const row of page.items) rowCost(customerRowOf(row as never));
    const budgetMs = (performance.now() - t4) / rounds;
    const mean = (x: number): string => (x / rounds).toFixed(2);
    const gets = tally.GetCommand ?? { ms: 0, calls: 0 };
    const queries = tally.QueryCommand ?? { ms: 0, calls: 0 };
    columns.push([
      ['DynamoDB GetItem (calls per page)', `${mean(gets.ms)} (${gets.calls / rounds})`],
      ['DynamoDB Query (calls per page)', `${mean(queries.ms)} (${queries.calls / rounds})`],
      ['API work besides DynamoDB', mean(total.api - gets.ms - queries.ms)],
      ['of which JSON.stringify of the body (alone)', stringifyMs.toFixed(2)],
      ['of which page budget, rowCost per row (alone)', budgetMs.toFixed(2)],
      ['API in-process total', mean(total.api)],
      ['HTTP: proxy event, node:http, fetch, parse', mean(total.http - total.api)],
      ['API over HTTP total', mean(total.http)],
      ['bare Query (baseline)', mean(total.bare)],
      ['response body (KiB)', (Buffer.byteLength(body) / 1024).toFixed(0)],
      ['rounds (interleaved, after warm-up)', String(rounds)],
    ]);
  }
  const header = shapes.map((x) => `limit=${x.limit}`.padStart(10)).join(' ');
  console.log(`\n${'first page, sequential, mean ms'.padEnd(47)} ${header}`);
  (columns[0] ?? []).forEach(([label], i) => {
    console.log(`${label?.padEnd(47)} ${columns.map((c) => (c[i]?.[1] ?? '').padStart(10)).join(' ')}`);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
