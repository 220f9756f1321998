/**
 * The fuzz export of test/ingest/ingest.fuzz.test.ts, this time through the whole nightly job on s3rver
 * and dynalite: hundreds of malformed order rows mixed with valid ones never crash the run, every valid
 * row is counted in the published customers, every malformed one is in the rejects (record and CSV), and
 * accepted + rejected = rows read.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nightlyJobDeps } from '../../lambdas/handlers/job-deps.js';
import { runNightlyJob } from '../../lambdas/pipeline/nightly-job.js';
import { type JobConfig, parseJobSettings } from '../../lambdas/platform/config.js';
import { silentLogger } from '../../lambdas/platform/logger.js';
import type { MemberResult } from '../../lambdas/publish/results-reader.js';
import { makeResultsStore } from '../../lambdas/publish/results-store.js';
import type { RunRecord } from '../../lambdas/publish/types.js';
import { buildExport, exportDraftArb } from '../ingest/fuzz-export.js';
import { EXPORT_DATE } from '../ingest/fuzz-rows.js';
import { type LocalAws, startLocalAws } from '../support/local-aws.js';

const SEED = 20261125;
/** Row-0 notices the fuzz files may draw (its extra `note` column): they reject no row. */
const NOTICES = new Set(['ignored_columns', 'delimiter_detected', 'empty_file']);

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws('job-fuzz', 'job-fuzz-results');
});
afterAll(async () => aws.close());

/** Every member of the business segment, page by page. */
async function allCustomers(runId: string): Promise<MemberResult[]> {
  const store = makeResultsStore(aws.ddb, aws.table);
  const out: MemberResult[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.segmentCustomers(runId, '_all', '_all', { limit: 500, cursor });
    out.push(...(page?.items ?? []));
    cursor = page?.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

describe('the nightly job on a fuzzed export', () => {
  it('publishes every valid row and rejects every malformed one, with file, row and reason', async () => {
    // Prepare: one export of the ingest fuzz with at least 600 malformed rows, the one of 20 drawn with
    // the most customers (so the published side has something to count)
    const drafts = fc.sample(exportDraftArb(600), { seed: SEED, numRuns: 20 });
    const draft = drafts.reduce((a, b) => (b.customers.length > a.customers.length ? b : a));
    const built = buildExport(draft);
    const prefix = `exports/${EXPORT_DATE}/orders/`;
    for (const f of built.files) {
      const raw = Buffer.from(f.content, 'utf8');
      const body = f.name.endsWith('.gz') ? gzipSync(raw) : raw;
      await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: `${prefix}${f.name}`, Body: body }));
    }
    await aws.s3.send(
      new PutObjectCommand({ Bucket: aws.bucket, Key: `exports/${EXPORT_DATE}/_SUCCESS`, Body: '' }),
    );
    const config: JobConfig = {
      bucket: aws.bucket,
      table: aws.table,
      // Far more rejects than a real night: the threshold is lifted so the run publishes what is valid.
      settings: parseJobSettings({ rejectThreshold: 1, predictive: { enabled: false } }),
    };
    const workDir = await mkdtemp(join(tmpdir(), 'clv-job-fuzz-'));
    const deps = nightlyJobDeps({ config, s3: aws.s3, ddb: aws.ddb, workDir, log: silentLogger });
    const malformed = built.rows.filter((r) => r.rejects.length > 0);
    const valid = built.rows.filter((r) => r.accepted !== null);

    // Act
    const record = (await runNightlyJob(config, deps, { exportDate: EXPORT_DATE })) as RunRecord;

    // Assess: counts
    expect(record.status).toBe('published');
    expect(malformed.length).toBeGreaterThanOrEqual(600);
    expect(record.counts.orders).toEqual({
      files: built.files.length,
      rowsRead: built.rows.length,
      rowsAccepted: valid.length,
      rowsRejected: malformed.length,
    });
    expect(record.rejects.total).toBe(malformed.length);

    // …rejects by reason in the record, and every malformed row in the CSV with its file and row
    const expectedByReason: Record<string, number> = {};
    for (const r of malformed) {
      for (const x of r.rejects) expectedByReason[x.reason] = (expectedByReason[x.reason] ?? 0) + 1;
    }
    const rowReasons = Object.fromEntries(
      Object.entries(record.rejects.byReason).filter(([reason]) => !NOTICES.has(reason)),
    );
    expect(rowReasons).toEqual(expectedByReason);
    const csv = await (
      await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: record.rejects.objectKey ?? '' }))
    ).Body?.transformToString();
    for (const r of malformed) {
      for (const x of r.rejects) {
        expect(csv, `${r.file} row ${r.row}`).toContain(
          `${prefix}${r.file},${r.row},${x.field ?? ''},${x.reason},`,
        );
      }
    }

    // …and the published customers are exactly the valid rows' (orders, net revenue in cents)
    const expected = new Map<string, { orders: number; netCents: number }>();
    for (const o of valid.map((r) => r.accepted)) {
      if (!o || o.cancelled) continue;
      const c = expected.get(o.customerId) ?? { orders: 0, netCents: 0 };
      expected.set(o.customerId, {
        orders: c.orders + 1,
        netCents: c.netCents + o.revenueCents - o.refundCents,
      });
    }
    const published = await allCustomers(record.runId);
    expect(published.length).toBe(expected.size);
    expect(record.customers).toBe(expected.size);
    for (const c of published) {
      const e = expected.get(c.customerId);
      expect(e, c.customerId).toBeDefined();
      expect(c.orders, c.customerId).toBe(e?.orders);
      expect(c.netRevenue, c.customerId).toBeCloseTo((e?.netCents ?? Number.NaN) / 100, 6);
    }
  });
});
