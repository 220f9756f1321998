import { MappingError } from './ingest-errors.js';
import { sqlDate, sqlString } from './sql-text.js';

const ISO_DATE = '\\d{4}-\\d{2}-\\d{2}';
/** ISO-8601 timestamp with seconds and an explicit offset (Z, ±hh, ±hhmm, ±hh:mm); RFC 3339 allows t and z. */
const ISO_TIMESTAMP =
  '\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}(:?\\d{2})?)';

/**
 * SQL of the UTC calendar date (DATE) of a trimmed date text, NULL when it does not parse. Without a
 * format: `YYYY-MM-DD` or an ISO timestamp with offset. With a strptime format: a format without `%z`
 * is read as UTC. Needs the session TimeZone to be UTC.
 */
export function dateSql(expr: string, dateFormat: string | undefined): string {
  if (dateFormat !== undefined) {
    return `CAST(CAST(TRY_STRPTIME(${expr}, ${sqlString(dateFormat)}) AS TIMESTAMPTZ) AS DATE)`;
  }
  return `CASE WHEN regexp_full_match(${expr}, ${sqlString(ISO_DATE)}) THEN TRY_CAST(${expr} AS DATE)
    WHEN regexp_full_match(${expr}, ${sqlString(ISO_TIMESTAMP)}) THEN CAST(TRY_CAST(upper(${expr}) AS TIMESTAMPTZ) AS DATE) END`;
}

/** SQL of the reject reason of a date field (`bad_date`, `future_date`), NULL when valid or absent. */
export function dateReasonSql(raw: string, value: string, exportDate: string): string {
  return `CASE WHEN ${raw} IS NULL THEN NULL WHEN ${value} IS NULL THEN 'bad_date'
    WHEN ${value} > ${sqlDate(exportDate)} THEN 'future_date' END`;
}

/** Fails fast with MappingError when DuckDB rejects a configured strptime format. */
export function assertDateFormat(
  dateFormat: string | undefined,
  probe: (sql: string) => Promise<void>,
): Promise<void> {
  if (dateFormat === undefined) return Promise.resolve();
  return probe(`SELECT TRY_STRPTIME('2024-01-01', ${sqlString(dateFormat)})`).catch((cause: unknown) => {
    throw new MappingError(`dateFormat ${JSON.stringify(dateFormat)} is not a valid strptime format`, {
      cause,
    });
  });
}
