/**
 * Four runs in the results store for the request fuzz test, and the ground truth the oracle checks
 * responses against: two published runs with different export dates, customers and segments, a
 * failed run, and a run still publishing whose items are in the table but must never be served.
 */
import type { CustomerMetrics } from '../../lambdas/model/types.js';
import { dimensionValue } from '../../lambdas/publish/items.js';
import { ALL } from '../../lambdas/publish/keys.js';
import type { ResultsStore } from '../../lambdas/publish/results-store.js';
import type { RunStatus } from '../../lambdas/publish/types.js';
import { customers, runRecord, segment, segmentsOf } from '../publish/fixture.js';

export const DIMENSIONS = ['acquisition_channel', 'country'];
const EXPIRES = 2_000_000_000;

export interface TruthRun {
  readonly runId: string;
  readonly exportDate: string;
  readonly status: RunStatus;
  readonly customers: ReadonlyMap<string, CustomerMetrics>;
  /** `<dimension>\u0000<value>` of every segment the run has, `_all` included. */
  readonly segments: ReadonlySet<string>;
}

export interface Truth {
  readonly runs: ReadonlyMap<string, TruthRun>;
  readonly current: string;
  readonly published: ReadonlySet<string>;
  /** Every customer id of every run, so fuzzed ids can be kept apart from real ones. */
  readonly customerIds: ReadonlySet<string>;
}

export const RUN_A = '2026-03-01T020000000Z';
export const RUN_B = '2026-03-02T020000000Z';
export const RUN_FAILED = '2026-03-03T020000000Z';
export const RUN_PUBLISHING = '2026-03-04T020000000Z';

export const segmentKeyOf = (dimension: string, value: string): string => `${dimension}\u0000${value}`;

/** Run B: 40 customers shared with A (other metrics), the rest new, and `organic` renamed `referral`. */
function runBCustomers(): CustomerMetrics[] {
  return customers(120, 8).map((c, i) => ({
    ...c,
    customerId: i < 40 ? c.customerId : `d${c.customerId.slice(1)}`,
    acquisitionChannel: c.acquisitionChannel === 'organic' ? 'referral' : c.acquisitionChannel,
  }));
}

/** Customers of the run that never publishes: ids of their own, so a leak of them is unmistakable. */
function publishingCustomers(): CustomerMetrics[] {
  return customers(60, 9).map((c) => ({ ...c, customerId: `p${c.customerId.slice(1)}` }));
}

function truthRun(runId: string, exportDate: string, status: RunStatus, list: CustomerMetrics[]): TruthRun {
  const segments = new Set([segmentKeyOf(ALL, ALL)]);
  for (const c of list) for (const d of DIMENSIONS) segments.add(segmentKeyOf(d, dimensionValue(c, d)));
  return {
    runId,
    exportDate,
    status,
    customers: new Map(list.map((c) => [c.customerId, c])),
    segments: status === 'failed' ? new Set() : segments,
  };
}

async function writeRun(
  store: ResultsStore,
  runId: string,
  exportDate: string,
  list: readonly CustomerMetrics[],
  publish: boolean,
): Promise<void> {
  const segments = segmentsOf(list, DIMENSIONS);
  const dimensions = Object.fromEntries(DIMENSIONS.map((d) => [d, segments[d]?.length ?? 0]));
  const record = { ...runRecord(runId, exportDate, dimensions), customers: list.length };
  await store.writeRunRecord(record, EXPIRES);
  const shards = await store.writeCustomers(runId, exportDate, list, DIMENSIONS, EXPIRES);
  await store.writeSegments(runId, exportDate, segments, segment(ALL, ALL, list.length), shards, EXPIRES);
  if (publish) await store.publishRun({ ...record, finishedAt: `${exportDate}T02:10:00.000Z` }, EXPIRES);
}

/** Writes the four runs (B ends up current) and returns what each holds. */
export async function publishFuzzRuns(store: ResultsStore): Promise<Truth> {
  const a = customers(150, 7);
  const b = runBCustomers();
  const p = publishingCustomers();
  await writeRun(store, RUN_A, '2026-03-01', a, true);
  await writeRun(store, RUN_B, '2026-03-02', b, true);
  await store.writeRunRecord(
    {
      ...runRecord(RUN_FAILED, '2026-03-03'),
      status: 'failed',
      failure: { stage: 'ingest', message: 'too many rejects' },
    },
    EXPIRES,
  );
  await writeRun(store, RUN_PUBLISHING, '2026-03-04', p, false);
  const runs = [
    truthRun(RUN_A, '2026-03-01', 'published', a),
    truthRun(RUN_B, '2026-03-02', 'published', b),
    truthRun(RUN_FAILED, '2026-03-03', 'failed', []),
    truthRun(RUN_PUBLISHING, '2026-03-04', 'publishing', p),
  ];
  return {
    runs: new Map(runs.map((r) => [r.runId, r])),
    current: RUN_B,
    published: new Set([RUN_A, RUN_B]),
    customerIds: new Set(runs.flatMap((r) => [...r.customers.keys()])),
  };
}
