/**
 * The query API over HTTP (bin/local's loopback server → the Lambda handler) on dynalite data that a
 * real nightly run produced from a generated export. Pages are followed through Link headers, as a BI
 * tool would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../../bin/local/api-server.js';
import { uploadFolder } from '../../bin/local/provision.js';
import { makeApiHandler } from '../../lambdas/handlers/api-handler.js';
import { nightlyJobDeps } from '../../lambdas/handlers/job-deps.js';
import { makeNightlyHandler } from '../../lambdas/handlers/nightly-handler.js';
import { type JobConfig, parseJobSettings } from '../../lambdas/platform/config.js';
import { silentLogger } from '../../lambdas/platform/logger.js';
import { makeResultsReader } from '../../lambdas/publish/results-reader.js';
import { makeResultsStore, type SegmentResult } from '../../lambdas/publish/results-store.js';
import { writeSampleExport } from '../../lambdas/sample/generate-exports.js';
import { makeApi } from '../../lambdas/serve/api.js';
import { type LocalAws, startLocalAws } from '../support/local-aws.js';

const KEY = 'integration-test-key';
const DAY_1 = '2026-11-24';
const DAY_2 = '2026-11-25';

let aws: LocalAws;
let api: LocalApi;
let dir: string;
let config: JobConfig;

type Row = Record<string, unknown>;

async function putExport(date: string, seed: number): Promise<void> {
  const folder = join(dir, date);
  await writeSampleExport(folder, {
    seed,
    customers: 700,
    historyDays: 730,
    exportDate: date,
    badRows: false,
  });
  await uploadFolder(aws.s3, aws.bucket, folder, `exports/${date}/`);
  await aws.s3.send(
    new PutObjectCommand({ Bucket: aws.bucket, Key: `exports/${date}/_SUCCESS`, Body: new Uint8Array(0) }),
  );
}

async function runJob(exportDate: string): Promise<void> {
  const deps = nightlyJobDeps({
    config,
    s3: aws.s3,
    ddb: aws.ddb,
    workDir: join(dir, 'work'),
    log: silentLogger,
  });
  // Small shards, so segment pages are k-way merges over several partitions.
  const store = makeResultsStore(aws.ddb, aws.table, { shardSize: 60 });
  await makeNightlyHandler(config, { ...deps, store })({ exportDate });
}

async function get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<Response> {
  const url = pathAndQuery.startsWith('http') ? pathAndQuery : `${api.url}${pathAndQuery}`;
  return fetch(url, { headers: { 'x-api-key': KEY, ...headers } });
}

function nextUrl(response: Response): string | null {
  const link = response.headers.get('link');
  return link ? (/^<([^>]+)>; rel="next"$/.exec(link)?.[1] ?? null) : null;
}

/** Every page of a list, following Link headers; checks the URL only ever changes in `cursor`. */
async function walk(
  first: string,
  onPage?: (page: number) => Promise<void>,
): Promise<{ rows: Row[]; runIds: Set<string> }> {
  const rows: Row[] = [];
  const runIds = new Set<string>();
  const base = new URL(`${api.url}${first}`);
  let url: string | null = base.toString();
  for (let page = 0; url; page++) {
    const response = await get(url);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: Row[]; nextCursor: string | null };
    rows.push(...body.items);
    runIds.add(response.headers.get('x-run-id') ?? '');
    url = nextUrl(response);
    if (url) {
      const next = new URL(url);
      expect(next.pathname).toBe(base.pathname);
      next.searchParams.delete('cursor');
      expect([...next.searchParams].sort()).toEqual([...base.searchParams].sort());
      expect(new URL(url).searchParams.get('cursor')).toBe(body.nextCursor);
    }
    await onPage?.(page);
  }
  return { rows, runIds };
}

/** A minimal RFC 4180 parser (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

beforeAll(async () => {
  aws = await startLocalAws('api-it-exports', 'api-it-results');
  dir = await mkdtemp(join(tmpdir(), 'clv-api-it-'));
  config = { bucket: aws.bucket, table: aws.table, settings: parseJobSettings({}) };
  await putExport(DAY_1, 11);
  await runJob(DAY_1);
  const handler = makeApiHandler(
    makeApi({ reader: makeResultsReader(aws.ddb, aws.table), log: silentLogger }),
  );
  api = await startLocalApi({ handler, apiKey: KEY, port: 0 });
});

afterAll(async () => {
  await api?.close();
  await aws?.close();
  await rm(dir, { recursive: true, force: true });
});

async function channels(): Promise<SegmentResult[]> {
  const current = await makeResultsReader(aws.ddb, aws.table).currentRun();
  return makeResultsReader(aws.ddb, aws.table).segments(current?.runId ?? '', 'acquisition_channel');
}

describe('query API over HTTP on a real run', () => {
  it('refuses requests without the API key', async () => {
    const response = await fetch(`${api.url}/v1/summary`);
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('serves the summary the run recorded', async () => {
    // Prepare
    const reader = makeResultsReader(aws.ddb, aws.table);
    const record = await reader.getRun((await reader.currentRun())?.runId ?? '');

    // Act
    const summary = (await (await get('/v1/summary')).json()) as Row;

    // Assess
    expect(summary.runId).toBe(record?.runId);
    expect(summary.customers).toBe(700);
    for (const field of [
      'netRevenue',
      'meanClv',
      'medianClv',
      'totalClv',
      'marketingSpend',
      'cac',
      'clvToCac',
      'meanPredictedClv',
      'totalPredictedClv',
      'atRiskShare',
    ] as const) {
      expect(summary[field], field).toBeCloseTo(Number(record?.business?.[field]), 9);
    }
  });

  it("serves the run's predictive models and backtest, and every customer's predictions", async () => {
    // Prepare
    const reader = makeResultsReader(aws.ddb, aws.table);
    const runId = (await reader.currentRun())?.runId ?? '';

    // Act
    const run = (await (await get(`/v1/runs/${runId}`)).json()) as Row;
    const csv = await (await get('/v1/runs?format=csv&limit=1')).text();
    const customers = (await (await get('/v1/customers?limit=1000')).json()) as { items: Row[] };

    // Assess: the record as the job stored it, the CSV's chosen-model columns, predictions on every row
    const predictive = run.predictive as { status: string; model: string; models: Record<string, Row> };
    expect(predictive.status).toBe('fitted');
    expect((await reader.getRun(runId))?.predictive).toEqual(predictive);
    const chosen = predictive.model === 'bg-nbd' ? predictive.models.bgNbd : predictive.models.paretoNbd;
    const backtest = chosen?.backtest as { meanAbsoluteError: number };
    const [header, first] = csv
      .trim()
      .split(/\r?\n/) // CSV lines end in CRLF (RFC 4180)
      .map((line) => line.split(','));
    const column = (name: string) => first?.[header?.indexOf(name) ?? -1];
    expect(column('predictiveModel')).toBe(predictive.model);
    expect(Number(column('backtestMeanAbsoluteError'))).toBeCloseTo(backtest.meanAbsoluteError, 12);
    expect(customers.items).toHaveLength(700);
    // The reliability report as stored: faults survived (a CSV column too) and reject examples by reason
    const stored = await reader.getRun(runId);
    expect(run.faults).toEqual(stored?.faults);
    expect(Number(column('retries'))).toBe(stored?.faults.retries);
    expect((run.rejects as Row).examples).toEqual(stored?.rejects.examples);
    for (const c of customers.items) {
      expect(c.probabilityAlive as number).toBeGreaterThanOrEqual(0);
      expect(c.probabilityAlive as number).toBeLessThanOrEqual(1);
      expect(Number.isFinite(c.predictedClv)).toBe(true);
    }
  });

  it.each([
    ['clv', 'desc', 'historicClv'],
    ['revenue', 'asc', 'netRevenue'],
    ['orders', 'desc', 'orders'],
  ] as const)(
    'pages every customer of the largest channel by %s %s over several shards, none skipped or repeated',
    async (sort, order, field) => {
      // Prepare
      const [largest] = (await channels()).sort((a, b) => b.customers - a.customers);
      expect(largest?.shards).toBeGreaterThan(1);
      const segment = encodeURIComponent(`acquisition_channel:${largest?.value}`);

      // Act
      const { rows } = await walk(`/v1/customers?segment=${segment}&sort=${sort}&order=${order}&limit=23`);

      // Assess
      expect(rows).toHaveLength(largest?.customers ?? -1);
      expect(new Set(rows.map((r) => r.customerId)).size).toBe(rows.length);
      expect(rows.every((r) => r.acquisitionChannel === largest?.value)).toBe(true);
      const keys = rows.map((r) => Math.round(Number(r[field]) * 100));
      const sorted = [...keys].sort((a, b) => (order === 'asc' ? a - b : b - a));
      expect(keys).toEqual(sorted);
    },
  );

  it('gives the same rows as CSV as as JSON, page for page', async () => {
    // Act
    const json = await walk('/v1/customers?limit=250');
    const csvRows: string[][] = [];
    let header: string[] = [];
    let url: string | null = `${api.url}/v1/customers?limit=250&format=csv`;
    while (url) {
      const response = await get(url);
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      const [head, ...rows] = parseCsv(await response.text());
      header = head ?? [];
      csvRows.push(...rows);
      url = nextUrl(response);
    }

    // Assess
    expect(csvRows).toHaveLength(700);
    expect(header).toEqual(Object.keys(json.rows[0] ?? {}));
    csvRows.forEach((cells, i) => {
      const row = json.rows[i] as Row;
      header.forEach((name, c) => {
        const value = row[name];
        const cell = cells[c];
        if (value === null) expect(cell, name).toBe('');
        else if (typeof value === 'number') expect(Number(cell), name).toBe(value);
        else expect(cell, name).toBe(String(value));
      });
    });
  });

  it('lists segments whose customers add up to the business in every dimension', async () => {
    const { rows } = await walk('/v1/segments?limit=7');
    const byDimension = new Map<string, number>();
    for (const r of rows)
      byDimension.set(String(r.dimension), (byDimension.get(String(r.dimension)) ?? 0) + Number(r.customers));
    expect([...byDimension.keys()].sort()).toEqual([
      '_all',
      'acquisition_channel',
      'cohort_month',
      'rfm_segment',
    ]);
    for (const total of byDimension.values()) expect(total).toBe(700);
  });

  it('finishes a paging that started before the next night published, on the run it started on', async () => {
    // Prepare
    await putExport(DAY_2, 12);
    const before = (await (await get('/v1/runs/current')).json()) as Row;

    // Act: the next night runs and publishes after the first page
    const { rows, runIds } = await walk('/v1/customers?limit=200', async (page) => {
      if (page === 0) await runJob(DAY_2);
    });
    const after = (await (await get('/v1/runs/current')).json()) as Row;

    // Assess
    expect(after.exportDate).toBe(DAY_2);
    expect(runIds).toEqual(new Set([before.runId]));
    expect(rows).toHaveLength(700);
    expect(new Set(rows.map((r) => r.customerId)).size).toBe(700);
  });

  it('shows trends across the two runs for a segment and a customer', async () => {
    // Prepare
    const [channel] = await channels();
    const path = `/v1/segments/acquisition_channel/${encodeURIComponent(channel?.value ?? '')}/history`;
    const first = (await (await get('/v1/customers?limit=1')).json()) as { items: Row[] };
    const someone = encodeURIComponent(String(first.items[0]?.customerId));

    // Act
    const segment = await walk(path);
    const from = await walk(`${path}?from=${DAY_2}`);
    const customer = await walk(`/v1/customers/${someone}?history=true`);
    const runs = await walk('/v1/runs');

    // Assess
    expect(segment.rows.map((r) => r.exportDate)).toEqual([DAY_2, DAY_1]);
    expect(from.rows.map((r) => r.exportDate)).toEqual([DAY_2]);
    expect(customer.rows.length).toBeGreaterThanOrEqual(1);
    expect(runs.rows.map((r) => [r.exportDate, r.status, r.current])).toEqual([
      [DAY_2, 'published', true],
      [DAY_1, 'published', false],
    ]);
  });

  it('serves its OpenAPI document with this server as the server URL', async () => {
    const doc = (await (await get('/v1/openapi.json')).json()) as {
      openapi: string;
      servers: Array<{ url: string }>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers[0]?.url).toBe(api.url);
  });
});
