/** Byte-level encoding checks for text exports: UTF-16 sniffing and UTF-8 validation over chunks. */

import { isUtf8 } from 'node:buffer';

/** How many leading bytes are looked at for a UTF-16 byte-order mark or NUL bytes. */
export const HEAD_BYTES = 1024;

export type Utf16 = 'UTF-16LE' | 'UTF-16BE';

/** A UTF-16 file recognised from its first bytes, with what gave it away. */
export interface Utf16Finding {
  readonly encoding: Utf16;
  readonly evidence: string;
}

/**
 * UTF-16 from the first bytes: a byte-order mark (FF FE little endian, FE FF big endian), else NUL
 * NUL bytes on at least a quarter of the odd (LE) or even (BE) positions: UTF-16 has one beside every
 * ASCII character (LE: after it, BE: before), UTF-8 text only as a stray control character.
 */
export function utf16Of(head: Buffer): Utf16Finding | null {
  if (head[0] === 0xff && head[1] === 0xfe)
    return { encoding: 'UTF-16LE', evidence: 'byte-order mark FF FE' };
  if (head[0] === 0xfe && head[1] === 0xff)
    return { encoding: 'UTF-16BE', evidence: 'byte-order mark FE FF' };
  let even = 0;
  let odd = 0;
  const examined = Math.min(head.length, HEAD_BYTES);
  for (let i = 0; i < examined; i++) {
    if (head[i] === 0) i % 2 === 0 ? even++ : odd++;
  }
  // UTF-16 text puts a NUL beside most characters of Latin scripts, all on one side; a stray NUL or two
  // in UTF-8 is a bad value of one row (control_character), not a UTF-16 file.
  if (even + odd === 0 || Math.max(even, odd) < examined / 8) return null;
  return {
    encoding: odd >= even ? 'UTF-16LE' : 'UTF-16BE',
    evidence: `no byte-order mark, but ${even + odd} NUL bytes in the first ${HEAD_BYTES} bytes`,
  };
}

/**
 * Number of bytes at the end of `buf` that begin a multi-byte UTF-8 sequence the buffer does not
 * complete: they are checked with the next chunk, so a character split across chunks is not an error.
 */
function incompleteTail(buf: Buffer): number {
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const b = buf[buf.length - back] as number;
    if ((b & 0xc0) === 0x80) continue;
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

/** Lowest and highest allowed second byte after each lead byte (RFC 3629: no overlongs, no surrogates). */
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

/** Offset of the first byte of the first invalid UTF-8 sequence in `buf`, or -1 (slow; only for a bad chunk). */
export function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const lead = buf[i] as number;
    const length =
      lead < 0x80 ? 1 : lead < 0xc2 ? 0 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : lead < 0xf5 ? 4 : 0;
    if (length === 0) return i;
    if (length > 1) {
      const [low, high] = secondByteRange(lead);
      const second = buf[i + 1];
      if (second === undefined || second < low || second > high) return i;
      for (let k = 2; k < length; k++) {
        const next = buf[i + k];
        if (next === undefined || (next & 0xc0) !== 0x80) return i;
      }
    }
    i += length;
  }
  return -1;
}

/** Validates a stream as UTF-8 chunk by chunk (native `isUtf8`), remembering the first bad byte. */
export class Utf8Validator {
  private carry: Buffer = Buffer.alloc(0);
  private seen = 0;
  /** Offset (in the whole stream) of the first byte of the first invalid sequence, or null. */
  badOffset: number | null = null;
  /** The byte at `badOffset`. */
  badByte = 0;

  push(chunk: Buffer): void {
    if (this.badOffset !== null) return;
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const keep = incompleteTail(data);
    const whole = data.subarray(0, data.length - keep);
    if (!isUtf8(whole)) this.fail(whole, firstInvalidUtf8(whole));
    this.seen += whole.length;
    this.carry = Buffer.from(data.subarray(data.length - keep));
  }

  /** The stream ended: a sequence still open is invalid. */
  end(): void {
    if (this.badOffset === null && this.carry.length > 0) this.fail(this.carry, 0);
  }

  private fail(buf: Buffer, at: number): void {
    this.badOffset = this.seen + at;
    this.badByte = buf[at] as number;
  }
}
