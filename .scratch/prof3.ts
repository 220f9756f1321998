import { DuckDBInstance } from '@duckdb/node-api';
import { customerSummarySql } from '../lambdas/ingest/customer-summary-sql.js';
const db = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '3000MB' });
const c = await db.connect(); await c.run("SET TimeZone='UTC'");
await c.run(`CREATE TEMP TABLE orders_ok AS SELECT i::INTEGER AS file_idx, i AS row, 'o'||i AS order_id, 'c' || (hash(i) % 1000000) AS customer_id,
     DATE '2020-01-01' + (hash(i*7) % 1800)::INTEGER AS order_date, round((hash(i*3) % 20000) / 100.0, 2) AS revenue, NULL::DOUBLE AS cost, NULL AS currency,
     CASE WHEN i % 20 = 0 THEN 'cancelled' WHEN i % 33 = 0 THEN 'refunded' ELSE 'completed' END AS status, NULL::DOUBLE AS refund_amount,
     CASE WHEN i % 7 = 0 THEN 'web' ELSE 'ads' END AS channel FROM range(10000000) t(i)`);
await c.run(`CREATE TEMP TABLE customers_ok (file_idx INTEGER, row BIGINT, customer_id VARCHAR, acquired_at DATE, acquisition_channel VARCHAR)`);
const sql = customerSummarySql({ months: 12, previousStart: '2022-12-31', lastStart: '2023-12-31', asOf: '2024-12-31' }, []);
const r = await c.runAndReadAll(`EXPLAIN ANALYZE ${sql}`);
console.log(String(r.getRows()[0]?.[1]));
