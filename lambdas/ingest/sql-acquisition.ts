import type { DuckDBConnection } from '@duckdb/node-api';
import { scalarNumber } from './duckdb-scalar.js';
import { beforeAcquisitionMessageSql } from './reject-messages.js';

/**
 * Rejects the otherwise valid rows of the checked orders `table` dated before their customer's
 * `acquired_at` in `customers_ok` (`before_acquisition`, naming the customers row), and removes them so
 * that duplicates are judged among the rest. Skipped without a single acquired_at: no join on 10M rows.
 */
export async function rejectOrdersBeforeAcquisition(conn: DuckDBConnection, table: string): Promise<void> {
  const dated = await scalarNumber(
    conn,
    'SELECT count(*) FROM (SELECT 1 FROM customers_ok WHERE acquired_at IS NOT NULL LIMIT 1)',
  );
  if (dated === 0) return;
  await conn.run(`CREATE TEMP TABLE ${table}_early AS
    SELECT o.rowid AS rid, o.file_idx, o.row, o.order_date, c.acquired_at,
      c.file_idx AS customer_file, c.row AS customer_row
    FROM ${table} o JOIN customers_ok c ON c.customer_id = o.customer_id
    WHERE o.__errs IS NULL AND o.order_date < c.acquired_at`);
  const message = beforeAcquisitionMessageSql('e.order_date', 'e.acquired_at', 'f.name', 'e.customer_row');
  await conn.run(`INSERT INTO rejects
    SELECT e.file_idx, e.row, 50, 'order_date', 'before_acquisition', ${message},
      strftime(e.order_date, '%Y-%m-%d')
    FROM ${table}_early e JOIN files f ON f.file_idx = e.customer_file`);
  await conn.run(`DELETE FROM ${table} WHERE rowid IN (SELECT rid FROM ${table}_early)`);
  await conn.run(`DROP TABLE ${table}_early`);
}
