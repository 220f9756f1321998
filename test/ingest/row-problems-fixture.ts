import { join } from 'node:path';
import { expect } from 'vitest';
import { type ExportIngest, openIngest } from '../../lambdas/ingest/duckdb-ingest.js';
import type { IngestReport, LocalExportFile } from '../../lambdas/ingest/types.js';
import type { ChurnWindow, CustomerSummary } from '../../lambdas/model/types.js';
import { parseJobSettings } from '../../lambdas/platform/config.js';
import { type Scratch, scratch } from './ingest-fixtures.js';

export const WINDOW: ChurnWindow = {
  months: 6,
  previousStart: '2023-12-31',
  lastStart: '2024-06-30',
  asOf: '2024-12-31',
};
export const ORDERS = 'order_id,customer_id,order_date,revenue,cost,currency,status,refund_amount,channel';

/** Rejects as [file, row, field, reason]. */
export function rows(report: IngestReport): (string | number | null)[][] {
  return report.rejects.map((r) => [r.file, r.row, r.field, r.reason]);
}

export function expectConsistent(report: IngestReport): void {
  for (const counts of Object.values(report.datasets)) {
    expect(counts.rowsRead).toBe(counts.rowsAccepted + counts.rowsRejected);
  }
}

/** A scratch folder whose ingests take job settings, parsed like the job's (the zod schema included). */
export interface SettingsScratch {
  readonly s: Scratch;
  open(settings?: unknown): Promise<ExportIngest>;
  /** Loads the files (checking the row counts add up) and reads the customer summaries. */
  load(
    files: LocalExportFile[],
    settings?: unknown,
  ): Promise<{ report: IngestReport; customers: CustomerSummary[] }>;
  cleanup(): Promise<void>;
}

export function settingsScratch(): SettingsScratch {
  const s = scratch();
  const opened: ExportIngest[] = [];
  const open = async (settings: unknown = {}): Promise<ExportIngest> => {
    const parsed = parseJobSettings(settings);
    const ingest = await openIngest({
      exportDate: '2024-12-31',
      mapping: parsed.mapping,
      currency: parsed.currency,
      customerIds: parsed.customerIds,
      segmentDimensions: parsed.segmentDimensions,
      workDir: join(s.dir, `work-${opened.length}`),
      memoryLimitMb: 512,
      threads: 2,
    });
    opened.push(ingest);
    return ingest;
  };
  return {
    s,
    open,
    async load(files, settings = {}) {
      const ingest = await open(settings);
      const report = await ingest.load(files);
      expectConsistent(report);
      return { report, customers: await ingest.customerSummaries(WINDOW) };
    },
    async cleanup() {
      for (const ingest of opened.splice(0)) await ingest.close();
      await s.cleanup();
    },
  };
}
