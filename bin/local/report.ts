import type { SegmentMetrics } from '../../lambdas/model/types.js';
import type { RunRecord } from '../../lambdas/publish/types.js';
import type { TrueParameters } from '../../lambdas/sample/sample-model.js';
import { formatModelSummary } from './model-report.js';

const money = (v: number | null): string =>
  v === null ? '—' : v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const ratio = (v: number | null): string => (v === null ? '—' : `${v.toFixed(2)}:1`);
const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '),
    )
    .join('\n');
}

/** The human summary `npm start` prints after a run. */
export function formatRunSummary(
  record: RunRecord,
  segments: Readonly<Record<string, readonly SegmentMetrics[]>>,
  bucket: string,
  truth: TrueParameters | null = null,
  topN = 5,
): string {
  const lines: string[] = [];
  const c = record.counts;
  lines.push(
    `Run ${record.runId}  status ${record.status}  export ${record.exportDate}  as of ${record.asOf}`,
  );
  lines.push(
    `Rows read: orders ${c.orders.rowsRead}, customers ${c.customers.rowsRead}, marketing_spend ${c.marketing_spend.rowsRead}` +
      `  |  rejected ${record.rejects.total} (${pct(record.rejects.share)}, threshold ${pct(record.rejects.threshold)})`,
  );
  const reasons = Object.entries(record.rejects.byReason).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) lines.push(`Rejects by reason: ${reasons.map(([r, n]) => `${r} ${n}`).join(', ')}`);
  if (record.rejects.objectKey)
    lines.push(`Rejects file: s3://${bucket}/${record.rejects.objectKey} (local s3rver)`);
  const faults = Object.entries(record.faults?.byKind ?? {});
  if (faults.length > 0) {
    const kinds = faults.map(([kind, n]) => `${kind} ${n}`).join(', ');
    lines.push(`Faults survived: ${record.faults.retries} retries (${kinds})`);
  }
  if (record.failure) lines.push(`FAILED at ${record.failure.stage}: ${record.failure.message}`);
  if (record.degraded) lines.push(`DEGRADED at ${record.degraded.stage}: ${record.degraded.reason}`);
  const b = record.business;
  if (b) {
    lines.push('');
    lines.push(
      `Whole business: ${b.customers} customers, net revenue ${money(b.netRevenue)}, ` +
        `mean CLV ${money(b.meanClv)} (median ${money(b.medianClv)}), CAC ${money(b.cac)}, ` +
        `CLV:CAC ${ratio(b.clvToCac)} ${b.health ?? ''}`,
    );
    lines.push(
      `Annual churn ${pct(record.annualChurn)} over ${record.churnWindow?.months ?? '—'}-month windows → expected lifespan ` +
        `${record.expectedLifespanYears?.toFixed(2) ?? '—'} years; repeat rate ${pct(b.repeatRate)}, payback ${b.paybackMonths?.toFixed(1) ?? '—'} months`,
    );
  }
  lines.push(...formatModelSummary(record, truth));
  for (const [dimension, rows] of Object.entries(segments)) {
    const top = [...rows].sort((x, y) => y.totalClv - x.totalClv).slice(0, topN);
    lines.push('');
    lines.push(`Top ${top.length} of ${rows.length} segments by total CLV — ${dimension}`);
    lines.push(
      table([
        [
          'value',
          'customers',
          'mean CLV',
          'CAC',
          'CLV:CAC',
          'health',
          'payback mo',
          'retention',
          'pred. CLV',
          'at risk',
        ],
        ...top.map((s) => [
          s.value,
          String(s.customers),
          money(s.meanClv),
          money(s.cac),
          ratio(s.clvToCac),
          s.health ?? '—',
          s.paybackMonths === null ? '—' : s.paybackMonths.toFixed(1),
          pct(s.retention),
          money(s.meanPredictedClv),
          pct(s.atRiskShare),
        ]),
      ]),
    );
  }
  return lines.join('\n');
}
