/**
 * The locate step shared by the single-pass job and the sharded plan stage (run-gate.ts has the rules):
 * refuse an export older than the current run's, list the export's files, and skip a scheduled run whose
 * export is unchanged since the current run.
 */
import type { ExportSource } from '../ingest/export-source.js';
import type { Logger } from '../platform/logger.js';
import type { ResultsStore } from '../publish/results-store.js';
import { StaleExportError } from './errors.js';
import type { ListedExportFile } from './fetch-export.js';
import { newerCurrentRun, type SkippedRun, skipIfUnchanged } from './run-gate.js';
import type { Timed } from './stages.js';

export interface LocateDeps {
  readonly source: ExportSource;
  readonly store: Pick<ResultsStore, 'currentRun' | 'getRun'>;
  readonly clock: () => Date;
  readonly log: Logger;
}

export interface LocateRequest {
  readonly runId: string;
  readonly exportDate: string;
  readonly asOf: string;
  /** Whether the export date was asked for (an operator's rerun) rather than found (the schedule). */
  readonly requested: boolean;
  readonly settings: unknown;
}

const untimed: Timed = (_stage, work) => work();

/** The export's files, or the skip of a scheduled run; StaleExportError when a newer run is current. */
export async function locateExport(
  deps: LocateDeps,
  request: LocateRequest,
  timed: Timed = untimed,
): Promise<{ readonly listed: readonly ListedExportFile[] } | { readonly skipped: SkippedRun }> {
  const { runId, exportDate, asOf, requested, settings } = request;
  // Checked before any download: publishRun would refuse an older run anyway, but only at the very end.
  const current = await timed('locate', () => deps.store.currentRun());
  const refusal = newerCurrentRun(exportDate, requested, current);
  if (refusal) throw new StaleExportError('locate', refusal);
  const listed = await timed('locate', () => deps.source.listFiles(exportDate));
  if (!requested && current?.exportDate === exportDate) {
    const published = await timed('locate', () => deps.store.getRun(current.runId));
    const today = deps.clock().toISOString().slice(0, 10);
    // A current run whose record has expired cannot be compared with: run.
    const skipped =
      published && (await skipIfUnchanged(published, { runId, listed, asOf, settings, today }, deps));
    if (skipped) return { skipped };
  }
  return { listed };
}
