/** A run id: the export date and the start instant, e.g. `2026-11-24T020001Z`; unique per attempt, sortable. */
export function makeRunId(exportDate: string, startedAt: Date): string {
  const time = startedAt.toISOString().slice(11, 19).replaceAll(':', '');
  const millis = startedAt.toISOString().slice(20, 23);
  return `${exportDate}T${time}${millis}Z`;
}
