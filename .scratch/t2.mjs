import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
const q = async (s) => { try { const r = await c.runAndReadAll(s); console.log(s.slice(0,80)); console.table(r.getRowObjects()); } catch(e) { console.log(s.slice(0,80), 'ERR', e.message); } };
await q("select * from read_csv('a.csv', all_varchar=true, header=true, store_rejects=true)");
await q("select * from reject_errors");
await q("select * from reject_scans");
await q("select *, file_row_number from read_csv('a.csv', all_varchar=true, header=true, file_row_number=true)");
