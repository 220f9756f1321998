import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
const q = async (s) => { try { const r = await c.runAndReadAll(s); console.log(s.slice(0,80)); console.table(r.getRowObjects()); } catch(e) { console.log(s.slice(0,80), 'ERR', e.message); } };
const f = process.argv[2];
await q(`select * from read_csv('${f}', all_varchar=true, header=true, store_rejects=true, delim=',', quote='"', escape='"', auto_detect=false, columns={'id':'VARCHAR','name':'VARCHAR','amt':'VARCHAR'})`);
await q("select line, line_byte_position, byte_position, column_idx, column_name, error_type, csv_line, error_message from reject_errors");
