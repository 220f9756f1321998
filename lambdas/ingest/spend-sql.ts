import type { DuckDBConnection } from '@duckdb/node-api';
import type { SpendByChannelMonth } from '../model/types.js';

/** Marketing spend of `spend_ok` summed by channel and month, ordered by channel then month. */
export async function readSpendByChannelMonth(conn: DuckDBConnection): Promise<SpendByChannelMonth[]> {
  const reader = await conn.runAndReadAll(
    'SELECT channel, month, fsum(amount) FROM spend_ok GROUP BY channel, month ORDER BY channel, month',
  );
  return reader.getRowsJS().map(([channel, month, amount]) => ({
    channel: String(channel),
    month: String(month),
    amount: Number(amount),
  }));
}
