import { describe, expect, it } from 'vitest';
import { Utf8Validator, utf16Of } from '../../lambdas/ingest/text-encoding.js';

describe('UTF-8 validation over chunks', () => {
  /** Pushes `bytes` split at `at` and returns the offset of the first bad byte found. */
  function badOffset(bytes: Buffer, at: number): number | null {
    const validator = new Utf8Validator();
    validator.push(bytes.subarray(0, at));
    validator.push(bytes.subarray(at));
    validator.end();
    return validator.badOffset;
  }

  it('accepts a character split at any byte, and finds a bad byte wherever the split falls', () => {
    // Prepare: 2-, 3- and 4-byte characters; then the same text with one Latin-1 byte inside.
    const valid = Buffer.from('aé€😀z', 'utf8');
    const invalid = Buffer.concat([
      Buffer.from('ab', 'utf8'),
      Buffer.from([0xe9]),
      Buffer.from('cé', 'utf8'),
    ]);

    // Act
    const validResults = Array.from({ length: valid.length + 1 }, (_, at) => badOffset(valid, at));
    const invalidResults = Array.from({ length: invalid.length + 1 }, (_, at) => badOffset(invalid, at));

    // Assess
    expect(validResults.every((r) => r === null)).toBe(true);
    expect(invalidResults.every((r) => r === 2)).toBe(true);
  });

  it('rejects overlong forms, surrogates and a sequence cut off at the end', () => {
    // Prepare: overlong "/" (C0 AF), a UTF-16 surrogate (ED A0 80), "€" without its last byte.
    const cases = [
      Buffer.from([0x61, 0xc0, 0xaf]),
      Buffer.from([0x61, 0xed, 0xa0, 0x80]),
      Buffer.from([0x61, 0xe2, 0x82]),
    ];

    // Act
    const offsets = cases.map((bytes) => badOffset(bytes, bytes.length));

    // Assess
    expect(offsets).toEqual([1, 1, 1]);
  });
});

describe('UTF-16 sniffing', () => {
  const header = 'order_id,customer_id,order_date,revenue\no1,c1,2024-01-01,10\n';

  it('finds UTF-16 without a byte-order mark from the NUL beside each ASCII character', () => {
    expect(utf16Of(Buffer.from(header, 'utf16le'))?.encoding).toBe('UTF-16LE');
    expect(utf16Of(Buffer.from(header, 'utf16le').swap16())?.encoding).toBe('UTF-16BE');
    expect(utf16Of(Buffer.from(`\ufeff${header}`, 'utf16le'))?.evidence).toBe('byte-order mark FF FE');
  });

  it('leaves a UTF-8 file with a stray NUL in one value to the row checks', () => {
    expect(utf16Of(Buffer.from(`${header}o2,c\u00002,2024-01-02,5\n`, 'utf8'))).toBeNull();
    expect(utf16Of(Buffer.from(header, 'utf8'))).toBeNull();
  });
});
