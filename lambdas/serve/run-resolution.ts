/**
 * Which run a read uses: the cursor's run when paging (so pages never mix runs), else the `run`
 * parameter, else the current-run pointer. Only published runs are served: a run still publishing or
 * failed has partial results, and a reader must never see those.
 */
import type { ResultsReader, RunRef } from '../publish/results-store.js';
import type { RunRecord } from '../publish/types.js';
import { BadRequestError, NotFoundError, RunGoneError } from './serve-errors.js';

export interface ResolvedRun extends RunRef {
  readonly record: RunRecord;
}

/** The published run to read; 404 when there is none, 410 when a cursor's run has since been removed. */
export async function resolveRun(
  reader: ResultsReader,
  requested: string | undefined,
  pinned: string | null | undefined,
): Promise<ResolvedRun> {
  const explicit = requested && requested !== 'current' ? requested : undefined;
  if (pinned) {
    if (explicit && explicit !== pinned) {
      throw new BadRequestError([
        { parameter: 'cursor', message: `pages run ${pinned}, not run=${explicit}` },
      ]);
    }
    const record = await reader.getRun(pinned);
    // Cursors are issued for published runs only, and a replaced run is deleted, not unpublished: a cursor
    // naming a run that is publishing or failed was edited (or caught the moment a run that lost the race
    // for the pointer, and so was never current, was marked failed).
    if (record && record.status !== 'published') {
      throw new BadRequestError([
        {
          parameter: 'cursor',
          message: `pages run ${pinned}, which is ${record.status}; start again without it`,
        },
      ]);
    }
    if (!record) {
      throw new RunGoneError(
        `Run ${pinned}, which this cursor was paging, has been replaced by a newer run of its export date; ` +
          'start again from the first page (without cursor)',
      );
    }
    return { runId: pinned, exportDate: record.exportDate, record };
  }
  if (explicit) {
    const record = await reader.getRun(explicit);
    if (!record) throw new NotFoundError(`No run ${explicit}; GET /v1/runs lists the retained runs`);
    if (record.status !== 'published') {
      throw new NotFoundError(
        `Run ${explicit} is ${record.status}, not published; only published runs have results to serve`,
      );
    }
    return { runId: explicit, exportDate: record.exportDate, record };
  }
  const current = await reader.currentRun();
  const record = current ? await reader.getRun(current.runId) : null;
  if (!current || !record) {
    throw new NotFoundError('No run has been published yet; the nightly job publishes one per export date');
  }
  return { runId: current.runId, exportDate: current.exportDate, record };
}
