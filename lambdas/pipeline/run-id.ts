/** Width of the start instant in base 36: epoch milliseconds fit 9 digits until the year 5188. */
const INSTANT_WIDTH = 9;

/**
 * A run id: the export date, then the instant the attempt started as epoch milliseconds in base 36,
 * zero-padded to a fixed width, e.g. `2026-11-24T0mieeu1ls` (the readable start time is the record's
 * `startedAt`). Unique per attempt, and within one export date ordered as the attempts started (fixed
 * width, and `0-9` sort before `a-z`): the current-run pointer only moves to a run id at least as large,
 * so a rerun made on a later day must sort after the run it replaces (a time of day alone would not).
 * Short on purpose: the id is part of every member item's key, and those items sit just under the
 * 1 KB write unit (docs/storage.md).
 */
export function makeRunId(exportDate: string, startedAt: Date): string {
  return `${exportDate}T${startedAt.getTime().toString(36).padStart(INSTANT_WIDTH, '0')}`;
}
