import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '3000MB' });
const c = await db.connect(); await c.run("SET TimeZone='UTC'");
let t = performance.now();
const lap = (l: string) => { console.log(l, Math.round(performance.now() - t)); t = performance.now(); };
await c.run(`CREATE TEMP TABLE o AS SELECT i::INTEGER AS file_idx, i AS row, 'c' || (hash(i) % 1000000) AS customer_id,
     DATE '2020-01-01' + (hash(i*7) % 1800)::INTEGER AS order_date, round((hash(i*3) % 20000) / 100.0, 2) AS revenue,
     CASE WHEN i % 7 = 0 THEN 'web' ELSE 'ads' END AS channel FROM range(10000000) t(i)`);
lap('gen');
await c.run(`CREATE TEMP TABLE a1 AS SELECT customer_id, count(*), fsum(revenue), min(order_date), max(order_date) FROM o GROUP BY customer_id`); lap('base');
await c.run(`CREATE TEMP TABLE a2 AS SELECT customer_id, count(DISTINCT order_date) FROM o GROUP BY customer_id`); lap('count distinct');
await c.run(`CREATE TEMP TABLE a3 AS SELECT customer_id, len(list_distinct(list(order_date))) FROM o GROUP BY customer_id`); lap('list_distinct');
await c.run(`CREATE TEMP TABLE a4 AS SELECT customer_id, count(*) FROM (SELECT customer_id, order_date FROM o GROUP BY ALL) GROUP BY customer_id`); lap('two-level');
await c.run(`CREATE TEMP TABLE a5 AS SELECT customer_id, arg_min_null(channel, {'d': order_date, 'f': file_idx, 'r': row}) FROM o GROUP BY customer_id`); lap('argmin struct');
await c.run(`CREATE TEMP TABLE a6 AS SELECT customer_id, arg_min_null(channel, (order_date - DATE '1900-01-01')::HUGEINT * 18446744073709551616 + file_idx::HUGEINT * 4294967296 + row) FROM o GROUP BY customer_id`); lap('argmin hugeint');
await c.run(`CREATE TEMP TABLE a7 AS SELECT customer_id, arg_min_null(channel, (order_date - DATE '1900-01-01')::BIGINT * 281474976710656 + file_idx::BIGINT * 1073741824 + row) FROM o GROUP BY customer_id`); lap('argmin bigint');
const r = await c.runAndReadAll(`SELECT customer_id, (min(order_date) - DATE '1970-01-01')::INTEGER d, strftime(min(order_date), '%Y-%m-%d') s, count(*)::INTEGER n, fsum(revenue) g, bool_or(revenue > 100) b FROM o GROUP BY customer_id`); lap('read');
const cols = r.getColumnsJS(); lap('convert');
for (let i = 0; i < 6; i++) { r.getColumnsJS; }
const ch = await c.runAndReadAll(`SELECT customer_id FROM a1`); lap('r'); ch.getColumnsJS(); lap('ids');
const ch2 = await c.runAndReadAll(`SELECT "min(order_date)"::VARCHAR FROM a1`); lap('r'); ch2.getColumnsJS(); lap('date strings');
const ch3 = await c.runAndReadAll(`SELECT "count_star()"::INTEGER FROM a1`); lap('r'); ch3.getColumnsJS(); lap('ints');
const ch4 = await c.runAndReadAll(`SELECT "fsum(revenue)" FROM a1`); lap('r'); ch4.getColumnsJS(); lap('doubles');
const ch5 = await c.runAndReadAll(`SELECT "fsum(revenue)" > 10 FROM a1`); lap('r'); ch5.getColumnsJS(); lap('bools');
const ch6 = await c.runAndReadAll(`SELECT "min(order_date)" FROM a1`); lap('r'); const x = ch6.getColumns(); lap('raw dates');
