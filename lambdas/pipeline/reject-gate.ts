/** What a run does with its rejects once every row is read: write them, summarise them, maybe stop. */
import type { IngestReport, RejectedRow } from '../ingest/types.js';
import type { JobSettings } from '../platform/config.js';
import type { RunRejects } from '../publish/types.js';
import { RejectThresholdError, UnreadableExportError } from './errors.js';
import { rejectSummary } from './run-record.js';
import type { Timed } from './stages.js';

/** Writes the rejects CSV (`<runsPrefix><runId>/rejects.csv`) when there are any, and summarises them. */
export async function gateRejects(
  report: IngestReport,
  ctx: {
    readonly runId: string;
    readonly settings: JobSettings;
    readonly writeRejects: (key: string, rejects: readonly RejectedRow[]) => Promise<void>;
    readonly timed: Timed;
  },
): Promise<RunRejects> {
  const { settings, runId } = ctx;
  const rejectsKey = report.rejects.length > 0 ? `${settings.runsPrefix}${runId}/rejects.csv` : null;
  if (rejectsKey) await ctx.timed('rejects', () => ctx.writeRejects(rejectsKey, report.rejects));
  return rejectSummary(report, settings.rejectThreshold, rejectsKey);
}

/** Throws when the run must not publish: a file could not be read, or too many rows were rejected. */
export function assertPublishable(report: IngestReport, rejects: RunRejects, threshold: number): void {
  const rejectsKey = rejects.objectKey;
  if (report.unreadableFiles.length > 0) {
    throw new UnreadableExportError(
      'validate',
      `${report.unreadableFiles.join(', ')} could not be read (see the unreadable_file rejects in ` +
        `${rejectsKey}); an unknown number of rows would be missing, so nothing was published. ` +
        'Re-upload the file(s) and rerun the date.',
    );
  }
  if (rejects.share > threshold) {
    throw new RejectThresholdError(
      'validate',
      `${rejects.total} of the export's rows were rejected (${(rejects.share * 100).toFixed(2)}%), above the ` +
        `threshold of ${(threshold * 100).toFixed(2)}%; nothing was published. See ${rejectsKey}.`,
    );
  }
}
