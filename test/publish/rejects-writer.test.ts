import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RejectedRow } from '../../lambdas/ingest/types.js';
import {
  csvCell,
  RejectsWriteError,
  rejectsCsv,
  writeRejectsCsv,
} from '../../lambdas/publish/rejects-writer.js';

const s3Mock = mockClient(S3Client);
beforeEach(() => s3Mock.reset());

const reject = (over: Partial<RejectedRow> = {}): RejectedRow => ({
  file: 'exports/2026-01-01/orders/a.csv',
  row: 3,
  field: 'revenue',
  reason: 'not_a_number',
  message: 'expected a number',
  value: 'abc',
  ...over,
});

describe('csvCell', () => {
  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(12)).toBe('12');
  });

  it('neutralises spreadsheet formulas with a leading quote', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-5')).toBe("'-5");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
  });
});

describe('rejectsCsv', () => {
  it('writes the header and one CRLF line per reject', () => {
    const { csv, omitted } = rejectsCsv([reject(), reject({ field: null, value: null, row: 0 })]);
    expect(omitted).toBe(0);
    expect(csv).toBe(
      'file,row,field,reason,message,value\r\n' +
        'exports/2026-01-01/orders/a.csv,3,revenue,not_a_number,expected a number,abc\r\n' +
        'exports/2026-01-01/orders/a.csv,0,,not_a_number,expected a number,\r\n',
    );
  });

  it('stops at the size cap and says how many were left out', () => {
    const { csv, omitted } = rejectsCsv(
      Array.from({ length: 100 }, () => reject()),
      500,
    );
    expect(omitted).toBeGreaterThan(90);
    expect(csv).toContain(`${omitted} more rejects omitted`);
  });
});

describe('writeRejectsCsv', () => {
  it('uploads text/csv to the key', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).resolves({});

    // Act
    await writeRejectsCsv(new S3Client({}), 'bucket', 'runs/r1/rejects.csv', [reject()]);

    // Assess
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'bucket',
      Key: 'runs/r1/rejects.csv',
      ContentType: 'text/csv; charset=utf-8',
    });
  });

  it('names the object when the upload fails', async () => {
    s3Mock.on(PutObjectCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(writeRejectsCsv(new S3Client({}), 'bucket', 'runs/r1/rejects.csv', [])).rejects.toThrow(
      new RejectsWriteError('Cannot write the rejects CSV to s3://bucket/runs/r1/rejects.csv'),
    );
  });
});
