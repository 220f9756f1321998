/** The API's data routes (docs/api.md): each validates with params.ts and answers rows of rows.ts. */
import type { z } from 'zod';
import { ALL } from '../publish/keys.js';
import type { MemberResult, ResultsReader } from '../publish/results-store.js';
import { asCursorProblem, offsetOf, pinnedRunOf, storeCursorOf } from './cursor-checks.js';
import { PAGE_BUDGET_BYTES, pageOf, rowCost } from './paging.js';
import * as p from './params.js';
import { defineRoute, type Route, type RouteInput, type RouteOutput } from './route-types.js';
import {
  customerDetailColumns,
  customerDetailCsvRow,
  customerDetailOf,
  customerRowOf,
  runDetailOf,
  runRowOf,
  segmentRowOf,
  summaryOf,
} from './row-builders.js';
import { customerDetail, customerRow, runDetail, runRow, segmentRow, summaryRow } from './rows.js';
import { type ResolvedRun, resolveRun } from './run-resolution.js';
import { NotFoundError } from './serve-errors.js';

type Row = Record<string, unknown>;

const columnsOf = (schema: z.ZodObject) => (): string[] => Object.keys(schema.shape);
const same = (row: Row): Row => row;

/** A page of an in-memory list, its cursor carrying the offset. */
function listPage(
  rows: readonly Row[],
  input: RouteInput<unknown, unknown>,
  run: ResolvedRun | null,
): RouteOutput {
  pinnedRunOf(input.cursor, run !== null);
  const page = pageOf(rows, offsetOf(input), input.limit);
  return {
    kind: 'list',
    rows: page.items,
    run: run && { runId: run.runId, exportDate: run.exportDate },
    next: page.nextOffset === null ? null : { runId: run?.runId ?? null, position: page.nextOffset },
  };
}

async function currentRunId(reader: ResultsReader): Promise<string | null> {
  return (await reader.currentRun())?.runId ?? null;
}

/** The run's dimensions (`_all` first), or 404 naming the known ones. */
function dimensionsOf(run: ResolvedRun, only?: string): string[] {
  const known = [ALL, ...Object.keys(run.record.dimensions).sort()];
  if (only === undefined) return known;
  if (!known.includes(only)) {
    throw new NotFoundError(`Run ${run.runId} has no dimension "${only}"; it has: ${known.join(', ')}`);
  }
  return [only];
}

const listRuns = defineRoute({
  id: 'listRuns',
  path: '/v1/runs',
  summary: 'Runs, newest export date first',
  description:
    'Every retained run of every status. The rejects sample is left out; GET /v1/runs/{runId} has it.',
  query: p.runsQuery,
  params: p.noPath,
  row: runDetail,
  csv: { columns: columnsOf(runRow), row: runRowOf },
  shapedBy: [],
  async handle({ reader, cursor, limit }) {
    pinnedRunOf(cursor, false);
    const [page, current] = await Promise.all([
      reader.listRuns(limit, storeCursorOf(cursor)).catch(asCursorProblem(cursor)),
      currentRunId(reader),
    ]);
    return {
      kind: 'list',
      rows: page.items.map((r) => runDetailOf(r, current, false)),
      run: null,
      next: page.nextCursor ? { runId: null, position: page.nextCursor } : null,
    };
  },
});

async function oneRun(reader: ResultsReader, runId: string | null): Promise<RouteOutput> {
  const [record, current] = await Promise.all([
    runId ? reader.getRun(runId) : Promise.resolve(null),
    currentRunId(reader),
  ]);
  if (!record) {
    throw new NotFoundError(
      runId ? `No run ${runId}; GET /v1/runs lists the retained runs` : 'No run has been published yet',
    );
  }
  return { kind: 'object', row: runDetailOf(record, current, true) };
}

const getCurrentRun = defineRoute({
  id: 'getCurrentRun',
  path: '/v1/runs/current',
  summary: 'The current run',
  description: 'The published run every read uses unless `run` is given.',
  query: p.recordQuery,
  params: p.noPath,
  row: runDetail,
  csv: { columns: columnsOf(runRow), row: runRowOf },
  shapedBy: [],
  handle: async ({ reader }) => oneRun(reader, await currentRunId(reader)),
});

const getRun = defineRoute({
  id: 'getRun',
  path: '/v1/runs/{runId}',
  summary: 'One run',
  description: 'Status, export date, inputs, row and reject counts, stage durations and settings of a run.',
  query: p.recordQuery,
  params: p.runIdPath,
  row: runDetail,
  csv: { columns: columnsOf(runRow), row: runRowOf },
  shapedBy: [],
  handle: async ({ reader, params }) => oneRun(reader, params.runId),
});

const getSummary = defineRoute({
  id: 'getSummary',
  path: '/v1/summary',
  summary: 'Whole-business figures of a run',
  description: 'Customers, revenue, CLV, CAC, CLV:CAC and health of the whole business.',
  query: p.summaryQuery,
  params: p.noPath,
  row: summaryRow,
  csv: { columns: columnsOf(summaryRow), row: same },
  shapedBy: [],
  async handle({ reader, query }) {
    const run = await resolveRun(reader, query.run, undefined);
    return { kind: 'object', row: summaryOf(run.record) };
  },
});

const listSegments = defineRoute({
  id: 'listSegments',
  path: '/v1/segments',
  summary: 'Segments of a run',
  description:
    'One row per segment value with every segment metric; every dimension unless `dimension` is given.',
  query: p.segmentsQuery,
  params: p.noPath,
  row: segmentRow,
  csv: { columns: columnsOf(segmentRow), row: same },
  shapedBy: ['dimension', 'run'],
  async handle(input) {
    const run = await resolveRun(input.reader, input.query.run, pinnedRunOf(input.cursor, true));
    const dimensions = dimensionsOf(run, input.query.dimension);
    const lists = await Promise.all(dimensions.map((d) => input.reader.segments(run.runId, d)));
    return listPage(lists.flat().map(segmentRowOf), input, run);
  },
});

const getSegmentHistory = defineRoute({
  id: 'getSegmentHistory',
  path: '/v1/segments/{dimension}/{value}/history',
  summary: 'One segment across runs',
  description: 'The segment in every retained published run (newest first): trend lines.',
  query: p.segmentHistoryQuery,
  params: p.segmentPath,
  row: segmentRow,
  csv: { columns: columnsOf(segmentRow), row: same },
  shapedBy: ['from', 'to'],
  async handle(input) {
    const { dimension, value } = input.params;
    const entries = await input.reader.segmentHistory(dimension, value);
    if (entries.length === 0) throw new NotFoundError(`No segment ${dimension}=${value} in any retained run`);
    const { from, to } = input.query;
    const inRange = entries.filter((e) => (!from || e.exportDate >= from) && (!to || e.exportDate <= to));
    return listPage(
      inRange.map((e) => segmentRowOf({ ...e, shards: 0 })),
      input,
      null,
    );
  },
});

const listCustomers = defineRoute({
  id: 'listCustomers',
  path: '/v1/customers',
  summary: 'Customers of a segment, sorted',
  description: 'Flat rows, one per customer of the segment (every customer by default).',
  query: p.customersQuery,
  params: p.noPath,
  row: customerRow,
  csv: { columns: columnsOf(customerRow), row: same },
  shapedBy: ['segment', 'sort', 'order', 'run'],
  async handle(input) {
    const { query, reader, cursor } = input;
    const run = await resolveRun(reader, query.run, pinnedRunOf(cursor, true));
    const { dimension, value } = query.segment ?? { dimension: ALL, value: ALL };
    dimensionsOf(run, dimension);
    const page = await reader
      .segmentCustomers(run.runId, dimension, value, {
        limit: input.limit,
        cursor: storeCursorOf(cursor),
        order: { sort: query.sort, direction: query.order },
        // A member carries the row's fields (plus its run ref), so its cost bounds the row's.
        budget: { bytes: PAGE_BUDGET_BYTES, cost: (m: MemberResult) => rowCost(m) },
      })
      .catch(asCursorProblem(cursor));
    if (!page) throw new NotFoundError(`Run ${run.runId} has no segment ${dimension}=${value}`);
    return {
      kind: 'list',
      rows: page.items.map(customerRowOf),
      run: { runId: run.runId, exportDate: run.exportDate },
      next: page.nextCursor ? { runId: run.runId, position: page.nextCursor } : null,
    };
  },
});

const getCustomer = defineRoute({
  id: 'getCustomer',
  path: '/v1/customers/{customerId}',
  summary: 'One customer',
  description:
    'The customer in the current run (or `run`); with history=true, in every retained published run, newest first, as a paged list.',
  query: p.customerQuery,
  params: p.customerPath,
  row: customerDetail,
  csv: { columns: customerDetailColumns, row: customerDetailCsvRow },
  shapedBy: ['history', 'run'],
  async handle(input) {
    const { customerId } = input.params;
    if (input.query.history) {
      const history = await input.reader.customerHistory(customerId);
      if (history.length === 0) throw new NotFoundError(`No customer ${customerId} in any retained run`);
      const rows = history.map(customerDetailOf);
      // Attribute columns from the whole history, so every CSV page has the same header.
      return { ...listPage(rows, input, null), columnRows: rows } as RouteOutput;
    }
    const run = await resolveRun(input.reader, input.query.run, undefined);
    const customer = await input.reader.customer(customerId, run);
    if (!customer) throw new NotFoundError(`No customer ${customerId} in run ${run.runId}`);
    return { kind: 'object', row: customerDetailOf(customer) };
  },
});

/** Every data route, in documentation order. */
export const DATA_ROUTES: readonly Route[] = [
  listRuns,
  getCurrentRun,
  getRun,
  getSummary,
  listSegments,
  getSegmentHistory,
  listCustomers,
  getCustomer,
];
