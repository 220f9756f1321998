/** Small helpers to embed values in SQL text safely (DuckDB has no parameters in DDL or table functions). */

/** A single-quoted SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The relation of our own Parquet files (a sharded run's parts, summaries, rejects, CLVs), columns matched
 * by name. Hive partitioning is off: a `key=value` folder in a path (the parts' `__shard=<k>/`, a work dir)
 * is not a column of the rows, and DuckDB would otherwise add it.
 */
export function parquetFiles(paths: readonly string[]): string {
  return `read_parquet([${paths.map(sqlString).join(', ')}], union_by_name = true, hive_partitioning = false)`;
}

/** A double-quoted SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * SQL that trims blanks (space, tab, CR, LF) and turns an empty string into NULL. `trim` with a set of
 * characters is slow (seconds on 10M rows × columns), so it only runs when an end may be blank.
 */
export function sqlClean(expr: string): string {
  const blankEnd = `ascii(${expr}) <= 32 OR ${expr} LIKE '% ' OR ${expr} LIKE E'%\\t' OR ${expr} LIKE E'%\\n' OR ${expr} LIKE E'%\\r'`;
  return `CASE WHEN ${blankEnd} THEN NULLIF(trim(${expr}, chr(32) || chr(9) || chr(10) || chr(13)), '') ELSE ${expr} END`;
}

/** A `YYYY-MM-DD` date literal; throws on anything else so no user text reaches SQL unchecked. */
export function sqlDate(isoDate: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) throw new TypeError(`Not an ISO date: ${isoDate}`);
  return `DATE '${isoDate}'`;
}
