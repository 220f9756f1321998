/**
 * An in-memory ResultsReader for the API's unit tests: runs, segments and members held in arrays,
 * with the store's contract (published runs only in history, null for an unknown segment, an
 * opaque cursor). The DynamoDB reader itself is exercised in test/publish and test/serve/*.int.
 */
import type { CustomerMetrics, SegmentMetrics } from '../../lambdas/model/types.js';
import { dimensionValue, flatMetrics } from '../../lambdas/publish/items.js';
import { ALL } from '../../lambdas/publish/keys.js';
import type {
  CurrentRun,
  CustomerResult,
  MemberOrder,
  MemberResult,
  ResultsReader,
  SegmentHistoryEntry,
  SegmentPage,
  SegmentResult,
} from '../../lambdas/publish/results-store.js';
import { InvalidCursorError } from '../../lambdas/publish/results-store.js';
import type { RunRecord } from '../../lambdas/publish/types.js';
import { runRecord, segmentsOf } from '../publish/fixture.js';

export interface MemoryRun {
  readonly record: RunRecord;
  readonly customers: readonly CustomerMetrics[];
  readonly segments: Readonly<Record<string, readonly SegmentMetrics[]>>;
}

/** A published run of `list` over `dimensions`, with a business summary. */
export function memoryRun(
  runId: string,
  exportDate: string,
  list: readonly CustomerMetrics[],
  dimensions: readonly string[],
  status: RunRecord['status'] = 'published',
): MemoryRun {
  const segments = segmentsOf(list, dimensions);
  const [business] = segmentsOf(list, [ALL])[ALL] ?? [];
  const record: RunRecord = {
    ...runRecord(runId, exportDate, Object.fromEntries(dimensions.map((d) => [d, segments[d]?.length ?? 0]))),
    status,
    customers: list.length,
    business: business ?? null,
    annualChurn: 0.25,
    expectedLifespanYears: 4,
  };
  return { record, customers: list, segments: { ...segments, [ALL]: business ? [business] : [] } };
}

const SORT_VALUE: Record<MemberOrder['sort'], (m: MemberResult) => number> = {
  clv: (m) => Math.round(m.historicClv * 100),
  revenue: (m) => Math.round(m.netRevenue * 100),
  orders: (m) => m.orders,
};

export interface MemoryReader extends ResultsReader {
  runs: MemoryRun[];
  pointer: string | null;
  /** Every call, by method name (for tests that check what a route reads). */
  readonly calls: string[];
}

export function memoryReader(runs: MemoryRun[], pointer: string | null): MemoryReader {
  const ref = (run: MemoryRun) => ({ runId: run.record.runId, exportDate: run.record.exportDate });
  const find = (runId: string) => reader.runs.find((r) => r.record.runId === runId);
  const published = () => reader.runs.filter((r) => r.record.status === 'published');
  const customerOf = (run: MemoryRun, c: CustomerMetrics): CustomerResult => ({
    ...c,
    ...ref(run),
    attributesTruncated: false,
  });
  const reader: MemoryReader = {
    runs,
    pointer,
    calls: [],
    async currentRun(): Promise<CurrentRun | null> {
      reader.calls.push('currentRun');
      const run = reader.pointer ? find(reader.pointer) : undefined;
      return run ? { ...ref(run), publishedAt: `${run.record.exportDate}T03:00:00.000Z` } : null;
    },
    async getRun(runId) {
      reader.calls.push('getRun');
      return find(runId)?.record ?? null;
    },
    async listRuns(limit, cursor) {
      reader.calls.push('listRuns');
      const sorted = [...reader.runs].sort((a, b) => (a.record.runId < b.record.runId ? 1 : -1));
      const start = cursor ? Number(cursor.slice(1)) : 0;
      if (cursor && !/^o\d+$/.test(cursor)) throw new InvalidCursorError('bad');
      const items = sorted.slice(start, start + Math.min(limit, 100)).map((r) => r.record);
      const next = start + items.length;
      return next < sorted.length ? { items, nextCursor: `o${next}` } : { items };
    },
    async customer(customerId, run) {
      reader.calls.push('customer');
      const runId = typeof run === 'string' ? run : run.runId;
      const found = find(runId);
      const c = found?.customers.find((x) => x.customerId === customerId);
      return found && c ? customerOf(found, c) : null;
    },
    async customerHistory(customerId) {
      reader.calls.push('customerHistory');
      return published()
        .sort((a, b) => (a.record.runId < b.record.runId ? 1 : -1))
        .flatMap((run) =>
          run.customers.filter((c) => c.customerId === customerId).map((c) => customerOf(run, c)),
        );
    },
    async segments(runId, dimension): Promise<SegmentResult[]> {
      reader.calls.push('segments');
      const run = find(runId);
      return (run?.segments[dimension] ?? []).map((s) => ({ ...s, ...ref(run as MemoryRun), shards: 1 }));
    },
    async segmentCustomers(runId, dimension, value, page): Promise<SegmentPage<MemberResult> | null> {
      reader.calls.push('segmentCustomers');
      const run = find(runId);
      if (!run?.segments[dimension]?.some((s) => s.value === value)) return null;
      const order = page.order ?? { sort: 'clv', direction: 'desc' };
      const sign = order.direction === 'desc' ? -1 : 1;
      const members = run.customers
        .filter((c) => dimensionValue(c, dimension) === value)
        .map((c): MemberResult => ({ ...flatMetrics(c), ...ref(run) }))
        .sort(
          (a, b) =>
            sign * (SORT_VALUE[order.sort](a) - SORT_VALUE[order.sort](b)) ||
            (a.customerId < b.customerId ? sign : -sign),
        );
      const token = `${runId}|${dimension}|${value}|${order.sort}|${order.direction}|`;
      if (page.cursor && !page.cursor.startsWith(token)) throw new InvalidCursorError('other segment');
      const start = page.cursor ? Number(page.cursor.slice(token.length)) : 0;
      const items: MemberResult[] = [];
      let spent = 0;
      for (const m of members.slice(start, start + page.limit)) {
        spent += page.budget ? page.budget.cost(m) : 0;
        if (page.budget && items.length > 0 && spent > page.budget.bytes) break;
        items.push(m);
      }
      const next = start + items.length;
      return next < members.length ? { items, nextCursor: `${token}${next}` } : { items };
    },
    async segmentHistory(dimension, value): Promise<SegmentHistoryEntry[]> {
      reader.calls.push('segmentHistory');
      return published()
        .sort((a, b) => (a.record.runId < b.record.runId ? 1 : -1))
        .flatMap((run) =>
          (run.segments[dimension] ?? [])
            .filter((s) => s.value === value)
            .map((s) => ({ ...s, ...ref(run) })),
        );
    },
  };
  return reader;
}
