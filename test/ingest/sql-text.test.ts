import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { sqlClean } from '../../lambdas/ingest/sql-text.js';

describe('sqlClean', () => {
  it('trims exactly like trim(blanks) + NULLIF, also when it skips the trim', async () => {
    // Prepare
    const texts = [
      '',
      ' ',
      'a',
      ' a',
      'a ',
      '\ta',
      'a\t',
      '\r\na\r\n',
      'a b',
      ' \t\r\n ',
      'é ',
      ' é',
      '\u0001a',
      'a\u0001',
    ];
    const rows = texts.map((t, i) => `(${i}, '${t.replaceAll("'", "''")}')`).join(', ');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();

    // Act
    const reader = await conn.runAndReadAll(`SELECT ${sqlClean('v')},
        NULLIF(trim(v, chr(32) || chr(9) || chr(10) || chr(13)), '')
      FROM (VALUES ${rows}, (${texts.length}, NULL)) t(i, v) ORDER BY i`);
    const pairs = reader.getRowsJS();
    conn.closeSync();
    db.closeSync();

    // Assess
    expect(pairs).toHaveLength(texts.length + 1);
    for (const [got, want] of pairs) expect(got).toBe(want);
  });
});
