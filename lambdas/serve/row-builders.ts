/** Store results → API rows (rows.ts): flat, every field present, in the schema's order. */
import type { CustomerResult, MemberResult, SegmentResult } from '../publish/results-store.js';
import type { RunRecord } from '../publish/types.js';
import { customerDetail, customerRow, project, runDetail, runRow, segmentRow, summaryRow } from './rows.js';

type Row = Record<string, unknown>;

/** A run record as JSON; lists leave the rejects sample and examples out (they are on GET /v1/runs/{runId}). */
export function runDetailOf(record: RunRecord, currentRunId: string | null, withSample: boolean): Row {
  const rejects = withSample ? record.rejects : { ...record.rejects, examples: {}, sample: [] };
  return project(runDetail, {
    ...record,
    current: record.runId === currentRunId,
    rejects,
    settings: (record.settings ?? {}) as Row,
  });
}

/** A run row (runDetailOf) as one flat row (CSV). */
export function runRowOf(detail: Row): Row {
  const record = detail as unknown as RunRecord;
  const { orders, customers, marketing_spend: spend } = record.counts;
  return project(runRow, {
    ...record,
    ordersRowsRead: orders?.rowsRead ?? 0,
    ordersRowsRejected: orders?.rowsRejected ?? 0,
    customersRowsRead: customers?.rowsRead ?? 0,
    customersRowsRejected: customers?.rowsRejected ?? 0,
    spendRowsRead: spend?.rowsRead ?? 0,
    spendRowsRejected: spend?.rowsRejected ?? 0,
    rejectsTotal: record.rejects.total,
    rejectShare: record.rejects.share,
    failureStage: record.failure?.stage ?? null,
    failureMessage: record.failure?.message ?? null,
    degradedReason: record.degraded?.reason ?? null,
    retries: record.faults?.retries ?? null,
    ...predictiveColumns(record.predictive),
  });
}

/** The chosen model and its backtest totals, for the flat run row. */
function predictiveColumns(report: RunRecord['predictive'] | undefined): Row {
  if (report?.status !== 'fitted') return {};
  const chosen = report.model === 'bg-nbd' ? report.models.bgNbd : report.models.paretoNbd;
  const backtest = chosen.status === 'fitted' ? chosen.backtest : null;
  return {
    predictiveModel: report.model,
    backtestPredictedPurchases: backtest?.predictedPurchases ?? null,
    backtestActualPurchases: backtest?.actualPurchases ?? null,
    backtestMeanAbsoluteError: backtest?.meanAbsoluteError ?? null,
  };
}

/** The whole business of a published run. */
export function summaryOf(record: RunRecord): Row {
  return project(summaryRow, {
    ...record.business,
    runId: record.runId,
    exportDate: record.exportDate,
    asOf: record.asOf,
    annualChurn: record.annualChurn,
    expectedLifespanYears: record.expectedLifespanYears,
  });
}

export function segmentRowOf(segment: SegmentResult): Row {
  return project(segmentRow, segment as unknown as Row);
}

export function customerRowOf(member: MemberResult): Row {
  return project(customerRow, member as unknown as Row);
}

/** One customer with its attributes (RFM flattened like the list rows). */
export function customerDetailOf(customer: CustomerResult): Row {
  const { rfm, ...rest } = customer;
  return project(customerDetail, {
    ...rest,
    rfmR: rfm.r,
    rfmF: rfm.f,
    rfmM: rfm.m,
    rfmSegment: rfm.segment,
  });
}

/** CSV columns of customer details: the flat fields, then `attribute.<name>` for every attribute on the page. */
export function customerDetailColumns(rows: readonly Row[]): string[] {
  const names = new Set<string>();
  for (const row of rows) for (const name of Object.keys((row.attributes as Row) ?? {})) names.add(name);
  const base = Object.keys(customerDetail.shape).filter((k) => k !== 'attributes');
  return [...base, ...[...names].sort().map((n) => `attribute.${n}`)];
}

/** A customer detail row with its attributes spread into `attribute.<name>` fields (CSV). */
export function customerDetailCsvRow(row: Row): Row {
  const { attributes, ...rest } = row;
  const spread = Object.entries((attributes as Record<string, string>) ?? {}).map(([n, v]) => [
    `attribute.${n}`,
    v,
  ]);
  return { ...rest, ...Object.fromEntries(spread) };
}
