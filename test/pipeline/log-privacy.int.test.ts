/**
 * Personal data never reaches the logs. Customer ids here are e-mail addresses; the nightly job
 * (published run, rerun, skipped rerun, two failed runs) and the query API log through both our JSON
 * logger and the Powertools logger the Lambda handlers use, and everything written to stdout, stderr
 * or console.* meanwhile is captured too. None of it may hold a customer id, an e-mail address or an
 * order id of the exports, while the rejects file and the API responses (positive controls) do.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { nightlyJobDeps } from '../../lambdas/handlers/job-deps.js';
import { makeNightlyHandler } from '../../lambdas/handlers/nightly-handler.js';
import { RejectThresholdError } from '../../lambdas/pipeline/errors.js';
import { type JobConfig, parseJobSettings } from '../../lambdas/platform/config.js';
import { jsonLogger, type Logger, type LogLevel } from '../../lambdas/platform/logger.js';
import { powertoolsLogger } from '../../lambdas/platform/powertools-logger.js';
import { makeResultsReader } from '../../lambdas/publish/results-reader.js';
import { makeApi } from '../../lambdas/serve/api.js';
import { type LocalAws, startLocalAws } from '../support/local-aws.js';

const PUBLISHED_DATE = '2026-11-01';
const THRESHOLD_DATE = '2026-11-02';
const MIXED_CURRENCY_DATE = '2026-11-03';

const NAMES = [
  'ann.lee',
  'bob.stone',
  'cara.diaz',
  'dan.oduya',
  'eve.berg',
  'finn.moss',
  'gus.kahn',
  'hana.ito',
  'ivo.petrov',
  'jo.park',
];
/** Customer ids are e-mail addresses, as a shop platform's export has them. */
const CUSTOMERS = NAMES.map((n, i) => `${n}+${i + 1}@example.com`);
/** An id that is personal data too: it only appears in a rejected row (a tab inside it). */
const REJECTED_CUSTOMER = 'kim.tab\tbed+99@example.com';
/** Asked for at the API but in no export. */
const UNKNOWN_CUSTOMER = 'nobody.here+404@example.com';
const orderId = (n: number): string => `ord_k7q2_${String(n).padStart(4, '0')}`;
const ORDER_IDS = Array.from({ length: 1000 }, (_, n) => orderId(n));
const CHANNELS = ['web', 'email', 'paid_search'];

function publishedExport(): Record<string, string> {
  const orders = ['order_id,customer_id,order_date,revenue,cost,status,refund_amount,channel'];
  for (const [i, c] of CUSTOMERS.entries()) {
    for (let k = 0; k < 4; k++) {
      const status = k === 3 && i % 4 === 0 ? 'refunded' : 'completed';
      orders.push(
        `${orderId(i * 10 + k)},${c},2026-0${k + 2}-1${i % 9},${20 + i * 3 + k},8,${status},,${CHANNELS[i % 3]}`,
      );
    }
  }
  orders.push(
    `${orderId(900)},${CUSTOMERS[0]},2026-05-01,abc,1,completed,,web`, // not_a_number
    `${orderId(901)},${CUSTOMERS[1]},2027-01-01,10,1,completed,,web`, // future_date
    `${orderId(1)},${CUSTOMERS[2]},2026-05-02,10,1,completed,,web`, // duplicate_order_id: the id is in the reject
    `${orderId(902)},"${REJECTED_CUSTOMER}",2026-05-03,10,1,completed,,web`, // the id is the rejected value
  );
  const customers = ['customer_id,acquired_at,acquisition_channel,country'];
  for (const [i, c] of CUSTOMERS.entries())
    customers.push(`${c},2026-01-01,${CHANNELS[i % 3]},${i % 2 ? 'DE' : 'US'}`);
  customers.push(`${CUSTOMERS[3]},2026-01-01,web,FR`); // duplicate_customer_id
  const spend = ['month,channel,amount', '2026-01,web,300', '2026-01,email,120', '2026-01,paid_search,500'];
  return {
    'orders/orders.csv': orders.join('\n'),
    'customers/customers.csv': customers.join('\n'),
    'marketing_spend/spend.csv': spend.join('\n'),
  };
}

/** 3 of 5 rows broken: above any sensible threshold. */
const THRESHOLD_ORDERS = [
  'order_id,customer_id,order_date,revenue',
  `${orderId(910)},${CUSTOMERS[0]},2026-10-01,10`,
  `${orderId(911)},${CUSTOMERS[1]},2026-10-02,-5`,
  `${orderId(912)},,2026-10-03,10`,
  `${orderId(913)},${CUSTOMERS[3]},2026-02-30,10`,
  `${orderId(914)},${CUSTOMERS[4]},2026-10-05,10`,
].join('\n');

/** Two currencies and no conversion configured: the ingest itself fails, holding what it had rejected. */
const MIXED_CURRENCY_ORDERS = [
  'order_id,customer_id,order_date,revenue,currency',
  `${orderId(920)},${CUSTOMERS[5]},2026-10-01,10,USD`,
  `${orderId(921)},${CUSTOMERS[6]},2026-10-02,12,EUR`,
  `${orderId(920)},${CUSTOMERS[7]},2026-10-03,14,USD`,
  `${orderId(922)},"${REJECTED_CUSTOMER}",2026-10-04,16,USD`,
  ...Array.from({ length: 12 }, (_, k) => `${orderId(930 + k)},${CUSTOMERS[k % 10]},2026-10-05,9,EUR`),
].join('\n');

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** The personal data found in a text: customer ids (also URL-encoded), order ids, e-mail addresses. */
function personalData(text: string): string[] {
  const lower = text.toLowerCase();
  const ids = [...CUSTOMERS, REJECTED_CUSTOMER, UNKNOWN_CUSTOMER].flatMap((c) => [c, encodeURIComponent(c)]);
  const found = [...ids, ...ORDER_IDS].filter((id) => lower.includes(id.toLowerCase()));
  return [...new Set([...found, ...Array.from(text.matchAll(EMAIL), (m) => m[0])])];
}

/** Runs `work` while capturing stdout, stderr and console.*: output a handler could produce around its logger. */
async function capturing(work: () => Promise<unknown>): Promise<{ error: unknown; output: string[] }> {
  const output: string[] = [];
  const keep = (chunk: unknown): void => {
    output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
  };
  const writes = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk);
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    }),
  );
  const consoles = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((m) =>
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => keep(args.map(String).join(' '))),
  );
  try {
    await work();
    return { error: undefined, output };
  } catch (error) {
    return { error, output };
  } finally {
    for (const spy of [...writes, ...consoles]) spy.mockRestore();
  }
}

/** Our JSON logger (lines kept) and the Lambda handlers' Powertools logger (to stdout/stderr), side by side. */
function teeLogger(service: string, lines: string[]): Logger {
  const json = jsonLogger({ level: 'debug', service, write: (line) => lines.push(line) });
  const powertools = powertoolsLogger(service);
  const both =
    (level: LogLevel) =>
    (message: string, fields?: Record<string, unknown>): void => {
      json[level](message, fields);
      powertools[level](message, fields);
    };
  return { debug: both('debug'), info: both('info'), warn: both('warn'), error: both('error') };
}

const nonEmptyLines = (chunks: readonly string[]): string[] =>
  chunks.flatMap((c) => c.split('\n')).filter((l) => l.trim() !== '');

function parsed(lines: readonly string[]): Array<Record<string, unknown>> {
  return lines.map((line) => {
    expect(() => JSON.parse(line), `not a JSON log line: ${line}`).not.toThrow();
    return JSON.parse(line) as Record<string, unknown>;
  });
}

let aws: LocalAws;
let config: JobConfig;
let workDir: string;
const jobLines: string[] = [];

beforeAll(async () => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
  aws = await startLocalAws();
  workDir = await mkdtemp(join(tmpdir(), 'clv-log-privacy-'));
  config = {
    bucket: aws.bucket,
    table: aws.table,
    settings: parseJobSettings({ segmentDimensions: ['country'], rejectThreshold: 0.2 }),
  };
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await aws.close();
});

async function putExport(date: string, files: Record<string, string>): Promise<void> {
  for (const [path, body] of Object.entries({ ...files, _SUCCESS: '' })) {
    const key = `exports/${date}/${path}`;
    // An explicit length: without one the SDK warns about an empty body as if it were a stream.
    const length = Buffer.byteLength(body, 'utf8');
    await aws.s3.send(
      new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: body, ContentLength: length }),
    );
  }
}

/** One invocation of the nightly handler as Lambda composes it, with everything it logs or prints. */
async function invoke(event: Record<string, unknown>) {
  const handler = makeNightlyHandler(
    config,
    nightlyJobDeps({
      config,
      s3: aws.s3,
      ddb: aws.ddb,
      workDir,
      log: teeLogger('clv-nightly-job', jobLines),
    }),
  );
  const from = jobLines.length;
  let result: Awaited<ReturnType<typeof handler>> | undefined;
  const { error, output } = await capturing(async () => {
    result = await handler(event);
  });
  const lines = jobLines.slice(from);
  return { result, error, lines, entries: parsed(lines), printed: nonEmptyLines(output) };
}

type Invocation = Awaited<ReturnType<typeof invoke>>;

/** No personal data anywhere; every line JSON and about `runId`; the Powertools path was exercised. */
function expectPrivateAndAbout(invocation: Invocation, runId: string): void {
  const leaks = [...invocation.lines, ...invocation.printed].flatMap((line) =>
    personalData(line).map((found) => `${found} in ${line.slice(0, 300)}`),
  );
  expect(leaks).toEqual([]);
  expect(invocation.entries.length).toBeGreaterThan(0);
  for (const line of invocation.lines) expect(line).toContain(runId);
  const printed = parsed(invocation.printed);
  expect(printed.filter((e) => e.service === 'clv-nightly-job').length).toBe(invocation.entries.length);
}

describe('the nightly job logs no personal data', () => {
  it('publishes, reruns and skips an unchanged export logging ids of runs and counts only', async () => {
    // Prepare
    await putExport(PUBLISHED_DATE, publishedExport());

    // Act
    const first = await invoke({});
    const rerun = await invoke({ exportDate: PUBLISHED_DATE });
    const skipped = await invoke({});

    // Assess
    for (const run of [first, rerun]) {
      expect(run.error).toBeUndefined();
      if (run.result?.status !== 'published')
        throw new Error(`expected a published run: ${JSON.stringify(run.result)}`);
      expectPrivateAndAbout(run, run.result.runId);
      const last = run.entries.at(-1);
      expect(last).toMatchObject({ message: 'run published', runId: run.result.runId });
      expect(last?.customers).toBe(run.result.customers);
      expect(last?.rejects).toBe(run.result.rejectedRows);
      expect(run.result).toMatchObject({ customers: CUSTOMERS.length, rejectedRows: 5 });
    }
    expect(skipped.result?.status).toBe('skipped');
    expectPrivateAndAbout(skipped, rerun.result?.runId ?? '?');

    // Positive control: the same ids are in the rejects file, where they belong, and the detector sees them.
    const rejectsKey = `${config.settings.runsPrefix}${rerun.result?.runId}/rejects.csv`;
    const rejects = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: rejectsKey }));
    const found = personalData((await rejects.Body?.transformToString()) ?? '');
    expect(found).toEqual(expect.arrayContaining([orderId(1), `${CUSTOMERS[3]}`]));
  });

  it('fails a run above the reject threshold without logging its rows', async () => {
    // Prepare
    await putExport(THRESHOLD_DATE, { 'orders/orders.csv': THRESHOLD_ORDERS });

    // Act
    const run = await invoke({});

    // Assess
    expect(run.error).toBeInstanceOf(RejectThresholdError);
    const failed = run.entries.at(-1);
    expect(failed).toMatchObject({ level: 'error', message: 'run failed', stage: 'validate' });
    expectPrivateAndAbout(run, String(failed?.runId));
    // The counts are in the error's message: 3 of 5 rows.
    expect(JSON.stringify(failed?.error)).toContain('3 of the export');
  });

  it('fails a run whose ingest throws (two currencies) without logging the rejects it carries', async () => {
    // Prepare
    await putExport(MIXED_CURRENCY_DATE, { 'orders/orders.csv': MIXED_CURRENCY_ORDERS });

    // Act
    const run = await invoke({});

    // Assess
    expect(run.error).toBeInstanceOf(Error);
    const failed = run.entries.at(-1);
    expect(failed).toMatchObject({ level: 'error', message: 'run failed', stage: 'ingest' });
    expectPrivateAndAbout(run, String(failed?.runId));
  });
});

describe('the query API logs no personal data', () => {
  it('serves customers by id and lists them without logging the ids requested', async () => {
    // Prepare
    const apiLines: string[] = [];
    const api = makeApi({
      reader: makeResultsReader(aws.ddb, aws.table),
      log: teeLogger('clv-api', apiLines),
    });
    const request = (path: string, query: Record<string, string> = {}) =>
      api({
        method: 'GET',
        path,
        query,
        headers: { 'x-api-key': 'k' },
        baseUrl: 'https://api.test/prod',
        requestId: `req-${path.length}`,
      });
    const customer = CUSTOMERS[4] as string;
    const unknown = UNKNOWN_CUSTOMER;
    const statuses: number[] = [];
    const bodies: string[] = [];

    // Act
    const { error, output } = await capturing(async () => {
      const first = await request('/v1/customers', { limit: '4' });
      const next = (JSON.parse(first.body) as { nextCursor: string | null }).nextCursor;
      const pages = [
        first,
        await request('/v1/customers', { limit: '4', cursor: next ?? '' }),
        await request('/v1/customers', { segment: 'country:DE', sort: 'revenue', format: 'csv' }),
        await request(`/v1/customers/${encodeURIComponent(customer)}`),
        await request(`/v1/customers/${encodeURIComponent(customer)}`, { history: 'true' }),
        await request(`/v1/customers/${encodeURIComponent(unknown)}`),
      ];
      statuses.push(...pages.map((p) => p.statusCode));
      bodies.push(...pages.map((p) => p.body));
    });

    // Assess
    expect(error).toBeUndefined();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    // Positive control: the responses do carry the ids (the 404 names the id it did not find).
    expect(personalData(bodies.join('\n'))).toEqual(expect.arrayContaining([customer, unknown]));
    const printed = nonEmptyLines(output);
    const leaks = [...apiLines, ...printed].flatMap((line) =>
      personalData(line).map((f) => `${f} in ${line}`),
    );
    expect(leaks).toEqual([]);
    expect(parsed(apiLines).map((e) => e.status)).toEqual(statuses);
    expect(parsed(printed).filter((e) => e.service === 'clv-api').length).toBe(apiLines.length);
  });
});
