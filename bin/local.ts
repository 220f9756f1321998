/**
 * The embedded default: S3 (s3rver) and DynamoDB (dynalite) on 127.0.0.1 with data under .local/, sample
 * exports when the bucket is empty, one nightly run through the same handler as Lambda, a printed summary.
 */

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { makeApiHandler } from '../lambdas/handlers/api-handler.js';
import { nightlyJobDeps } from '../lambdas/handlers/job-deps.js';
import { makeNightlyHandler } from '../lambdas/handlers/nightly-handler.js';
import { BUILT_IN_DIMENSIONS } from '../lambdas/pipeline/run-record.js';
import { awsClients } from '../lambdas/platform/aws-clients.js';
import { type JobConfig, parseJobSettings } from '../lambdas/platform/config.js';
import { faultRecorder } from '../lambdas/platform/fault-recorder.js';
import { jsonLogger, silentLogger } from '../lambdas/platform/logger.js';
import { makeResultsStore, type SegmentResult } from '../lambdas/publish/results-store.js';
import { writeSampleExport } from '../lambdas/sample/generate-exports.js';
import type { TrueParameters } from '../lambdas/sample/sample-model.js';
import { makeApi } from '../lambdas/serve/api.js';
import { startLocalApi } from './local/api-server.js';
import { type LocalArgs, parseLocalArgs, USAGE } from './local/args.js';
import {
  ensureBucket,
  ensureResultsTable,
  exportDateFolders,
  hasObjects,
  uploadFolder,
} from './local/provision.js';
import { formatRunSummary } from './local/report.js';
import { LOCAL_CREDENTIALS, startLocalServers } from './local/servers.js';
import { runSharded } from './local/sharded.js';

/** Where the embedded servers keep their data; CLV_LOCAL_DIR moves it (the tests use a temp folder). */
const LOCAL_DIR = resolve(process.env.CLV_LOCAL_DIR ?? '.local');
const BUCKET = 'clv-exports-local';
const TABLE = 'clv-results-local';
/** The sample export's date is fixed so that every fresh clone prints the same numbers. */
export const SAMPLE_EXPORT_DATE = '2026-11-24';
const SAMPLE = { seed: 20261124, customers: 4000, historyDays: 730 };

async function main(args: LocalArgs): Promise<void> {
  // A run on the user's own files gets its own state so it never mixes with the sample data.
  const stateDir = join(LOCAL_DIR, args.exports ? 'user-run' : 'default');
  if (args.reset || args.exports) await rm(stateDir, { recursive: true, force: true });
  const servers = await startLocalServers({
    s3Dir: join(stateDir, 's3'),
    dynamoDir: join(stateDir, 'dynamodb'),
  });
  try {
    const faults = faultRecorder();
    const { s3, ddb } = awsClients({
      faults,
      endpoint: { s3: servers.s3Endpoint, dynamodb: servers.dynamoEndpoint },
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
    });
    const settingsJson = args.settings ? JSON.parse(await readFile(args.settings, 'utf8')) : {};
    const config: JobConfig = { bucket: BUCKET, table: TABLE, settings: parseJobSettings(settingsJson) };
    await ensureBucket(s3, BUCKET);
    await ensureResultsTable(ddb, TABLE);

    const prefix = config.settings.exportsPrefix;
    let exportDate = args.exportDate;
    // The sample generator's true parameters, kept beside the sample so later runs print them too.
    const truthFile = join(stateDir, 'sample', 'true-parameters.json');
    if (args.exports) {
      exportDate = await uploadUserExports(s3, args, prefix);
      await rm(truthFile, { force: true }); // the bucket now holds the user's data, not only the sample
    } else if (!(await hasObjects(s3, BUCKET, prefix))) {
      const dir = join(stateDir, 'sample', SAMPLE_EXPORT_DATE);
      const sample = await writeSampleExport(dir, {
        ...SAMPLE,
        exportDate: SAMPLE_EXPORT_DATE,
        badRows: true,
      });
      await uploadFolder(s3, BUCKET, dir, `${prefix}${SAMPLE_EXPORT_DATE}/`);
      await writeFile(truthFile, `${JSON.stringify(sample.trueParameters, null, 2)}\n`);
      console.log(
        `Generated sample exports for ${SAMPLE_EXPORT_DATE}: ${sample.counts.customers} customers, ` +
          `${sample.counts.orders} orders, ${sample.counts.badRows} deliberately bad rows.`,
      );
    }

    const log = args.quiet ? silentLogger : jsonLogger({ service: 'clv-local' });
    const workDir = join(stateDir, 'work');
    await mkdir(workDir, { recursive: true });
    // A local run stopped with Ctrl+C must not lock the next one out for the Lambda-sized lease.
    const deps = nightlyJobDeps({ config, s3, ddb, workDir, log, faults, lockLeaseMs: 60_000 });
    const handler = makeNightlyHandler(config, deps);
    const store = makeResultsStore(ddb, TABLE, { retentionDays: config.settings.retentionDays });
    let failure: unknown = null;
    let skipped: string | null = null;
    try {
      const result =
        args.shards === undefined
          ? await handler({ exportDate, asOf: args.asOf })
          : await runSharded(
              config,
              { s3, ddb, workDir, log, faults },
              { exportDate, asOf: args.asOf, shards: args.shards },
            );
      if (result.status === 'skipped') skipped = result.message;
    } catch (error) {
      failure = error;
    }
    if (skipped) console.log(`\nNothing to do: ${skipped}. Rerun it with --export-date <date>.`);
    const current = skipped ? await store.currentRun() : null;
    const record = current ? await store.getRun(current.runId) : (await store.listRuns(1)).items[0];
    if (!record) throw failure ?? new Error('The run left no record');
    const dimensions = [...BUILT_IN_DIMENSIONS, ...config.settings.segmentDimensions];
    const segments = Object.fromEntries(
      await Promise.all(
        dimensions.map(async (d) => [
          d,
          record.status === 'published' ? await store.segments(record.runId, d) : [],
        ]),
      ),
    );
    const truth = args.exports ? null : await readTruth(truthFile);
    console.log(`\n${formatRunSummary(record, segments, BUCKET, truth)}\n`);
    if (args.json) {
      await writeFile(args.json, `${JSON.stringify({ ...record, segments }, null, 2)}\n`);
      console.log(`Run record written to ${args.json}`);
    }
    if (failure) throw failure;
    if (args.serve) {
      const reader = makeResultsStore(ddb, TABLE);
      const handler = makeApiHandler(makeApi({ reader, log }));
      const apiKey = await localApiKey(stateDir);
      const api = await startLocalApi({ handler, apiKey, port: args.port });
      console.log(serveBanner(api.url, apiKey, segments.acquisition_channel ?? []));
      await untilStopped();
      await api.close();
    }
  } finally {
    await servers.close();
  }
}

/** The local API key: CLV_LOCAL_API_KEY, else one made on first use and kept in the state folder. */
async function localApiKey(stateDir: string): Promise<string> {
  if (process.env.CLV_LOCAL_API_KEY) return process.env.CLV_LOCAL_API_KEY;
  const file = join(stateDir, 'api-key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const key = randomBytes(18).toString('base64url');
    await writeFile(file, `${key}\n`, { mode: 0o600 });
    return key;
  }
}

/** What to paste: the URL, the key and requests that work against this run's data. */
function serveBanner(url: string, apiKey: string, channels: readonly SegmentResult[]): string {
  const top = [...channels].sort((a, b) => b.totalClv - a.totalClv)[0]?.value ?? 'unknown';
  const segment = encodeURIComponent(`acquisition_channel:${top}`);
  const curl = (path: string) => `  curl -H 'x-api-key: ${apiKey}' '${url}${path}'`;
  return [
    `Query API serving on ${url} (API key required in x-api-key)`,
    `  API key: ${apiKey}`,
    'Try:',
    curl(`/v1/customers?segment=${segment}&sort=clv&limit=5`),
    curl('/v1/segments?dimension=acquisition_channel&format=csv'),
    curl('/v1/summary'),
    `OpenAPI: ${url}/v1/openapi.json (same key) · docs/api.md · Ctrl+C stops`,
  ].join('\n');
}

/** Resolves on Ctrl+C or SIGTERM. */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Uploads `--exports`: one export-date folder or a bucket-like folder of dates; returns the date to run. */
async function uploadUserExports(
  s3: ReturnType<typeof awsClients>['s3'],
  args: LocalArgs,
  prefix: string,
): Promise<string | undefined> {
  const dir = resolve(args.exports as string);
  const dates = await exportDateFolders(dir);
  const marker = (date: string) =>
    s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}${date}/_SUCCESS`, Body: new Uint8Array(0) }),
    );
  if (dates.length === 0) {
    const date = args.exportDate ?? args.asOf ?? new Date().toISOString().slice(0, 10);
    await uploadFolder(s3, BUCKET, dir, `${prefix}${date}/`);
    await marker(date);
    return date;
  }
  for (const date of dates) {
    await uploadFolder(s3, BUCKET, join(dir, date), `${prefix}${date}/`);
    await marker(date);
  }
  return args.exportDate;
}

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(USAGE);
} else {
  runLocal(argv);
}

function runLocal(args: readonly string[]): void {
  Promise.resolve()
    .then(() => main(parseLocalArgs(args)))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
      process.exitCode = 1;
    });
}

/** The sample's true parameters when `npm start` generated the data in this state directory, else null. */
async function readTruth(file: string): Promise<TrueParameters | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as TrueParameters;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
