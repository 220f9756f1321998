import type { DuckDBConnection } from '@duckdb/node-api';

/** The first column of the first row of `sql` as a number (0 when there is no row or it is NULL). */
export async function scalarNumber(conn: DuckDBConnection, sql: string): Promise<number> {
  return Number((await conn.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0);
}
