/**
 * A run id: the export date, then the instant the attempt started in ISO 8601 basic format, e.g.
 * `2026-11-24T20261125T020001123Z`. Unique per attempt, and within one export date ordered as the
 * attempts started: the current-run pointer only moves to a run id at least as large, so a rerun made on
 * a later day must sort after the run it replaces (a time of day alone would not).
 */
export function makeRunId(exportDate: string, startedAt: Date): string {
  const basic = startedAt.toISOString().replace(/[-:.]/g, '');
  return `${exportDate}T${basic}`;
}
