import { DuckDBInstance } from '@duckdb/node-api';
import { customerSummarySql } from '../lambdas/ingest/customer-summary-sql.js';
const db = await DuckDBInstance.create(':memory:', { threads: String(process.env.T ?? 2), memory_limit: '3000MB' });
const c = await db.connect(); await c.run("SET TimeZone='UTC'");
let t = performance.now();
const lap = (l: string) => { console.log(l, Math.round(performance.now() - t)); t = performance.now(); };
await c.run(`CREATE TEMP TABLE orders_ok AS SELECT i::INTEGER AS file_idx, i AS row, 'o'||i AS order_id, 'c' || (hash(i) % 1000000) AS customer_id,
     DATE '2020-01-01' + (hash(i*7) % 1800)::INTEGER AS order_date, round((hash(i*3) % 20000) / 100.0, 2) AS revenue, NULL::DOUBLE AS cost, NULL AS currency,
     CASE WHEN i % 20 = 0 THEN 'cancelled' WHEN i % 33 = 0 THEN 'refunded' ELSE 'completed' END AS status, NULL::DOUBLE AS refund_amount,
     CASE WHEN i % 7 = 0 THEN 'web' ELSE 'ads' END AS channel FROM range(10000000) t(i)`);
await c.run(`CREATE TEMP TABLE customers_ok (file_idx INTEGER, row BIGINT, customer_id VARCHAR, acquired_at DATE, acquisition_channel VARCHAR)`);
lap('gen');
const sql = customerSummarySql({ months: 12, previousStart: '2022-12-31', lastStart: '2023-12-31', asOf: '2024-12-31' }, []);
await c.run(`CREATE TEMP TABLE s AS ${sql}`); lap('query only (materialize)');
const r = await c.runAndReadAll(`SELECT * FROM s ORDER BY customer_id`); lap('read all');
r.getColumnsJS(); lap('getColumnsJS');
const r2 = await c.runAndReadAll(`SELECT * FROM s`); lap('read all unsorted');
await c.run(`CREATE TEMP TABLE s2 AS ${sql.replace("count(DISTINCT order_date)::INTEGER", "count(order_date)::INTEGER")}`); lap('no distinct');
await c.run(`CREATE TEMP TABLE s3 AS ${sql.replace("arg_min_null(channel, {'d': order_date, 'f': file_idx, 'r': row})", "NULL")}`); lap('no argmin');
