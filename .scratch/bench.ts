import { DuckDBInstance } from '@duckdb/node-api';
import { openIngest } from '../lambdas/ingest/duckdb-ingest.js';
import { mappingSchema } from '../lambdas/platform/config.js';
import { statSync } from 'node:fs';
const dir = '/tmp/clvbench'; 
const path = `${dir}/orders.csv`;
try { statSync(path); } catch {
  const db = await DuckDBInstance.create(':memory:'); const c = await db.connect();
  await c.run(`COPY (SELECT i AS order_id, 'c' || (hash(i) % 1000000) AS customer_id,
     strftime(DATE '2020-01-01' + (hash(i*7) % 1800)::INTEGER, '%Y-%m-%d') AS order_date,
     round((hash(i*3) % 20000) / 100.0, 2) AS revenue,
     CASE WHEN i % 20 = 0 THEN 'cancelled' WHEN i % 33 = 0 THEN 'refunded' ELSE 'completed' END AS status,
     CASE WHEN i % 7 = 0 THEN 'web' ELSE 'ads' END AS channel
     FROM range(10000000) t(i)) TO '${path}' (HEADER)`);
}
const ing = await openIngest({ exportDate: '2025-12-31', mapping: mappingSchema.parse({}), workDir: `${dir}/work`, memoryLimitMb: 3000, threads: Number(process.env.T ?? 2) });
let t = performance.now();
const rep = await ing.load([{ dataset: 'orders', name: 'orders.csv', localPath: path, bytes: statSync(path).size, sha256: '' }]);
console.log('load ms', Math.round(performance.now() - t), rep.datasets.orders, rep.rejects.length);
t = performance.now();
const s = await ing.customerSummaries({ months: 12, previousStart: '2022-12-31', lastStart: '2023-12-31', asOf: '2024-12-31' });
console.log('summaries ms', Math.round(performance.now() - t), s.length, s[0]);
console.log('rss MB', Math.round(process.memoryUsage().rss / 1e6));
await ing.close();
