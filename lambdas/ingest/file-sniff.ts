/**
 * One streaming pass over a CSV or JSON Lines export (after gunzip) before DuckDB reads it: is the gzip
 * stream whole, is the text UTF-8, and what is its first line. Bad files get a second pass that counts
 * their lines; good files (almost all) cost one read at disk speed.
 */

import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { HEAD_BYTES, Utf8Validator, type Utf16, utf16Of } from './text-encoding.js';

/** Longest first line kept for delimiter detection. */
const FIRST_LINE_MAX = 65_536;
const CHUNK = 1 << 20;

/** What the pass found: the text is readable, or in another encoding, or the file is broken. */
export type TextSniff =
  | { readonly kind: 'ok'; readonly bytes: number; readonly firstLine: string }
  | {
      readonly kind: 'bad_encoding';
      /** What was found, e.g. `UTF-16 LE (byte-order mark FF FE)`. */
      readonly found: string;
      /** The encoding to convert from, as iconv names it. */
      readonly iconvFrom: string;
      /** Lines holding anything but blanks: the row count of a file nobody can parse. */
      readonly nonEmptyLines: number;
    }
  | { readonly kind: 'unreadable'; readonly problem: string };

/** Feeds every (decompressed) chunk of the file to `onChunk`; zlib errors reject the promise. */
async function eachChunk(path: string, gzip: boolean, onChunk: (chunk: Buffer) => void): Promise<void> {
  const source = createReadStream(path, { highWaterMark: CHUNK });
  const sink = async (chunks: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of chunks) onChunk(chunk);
  };
  if (gzip) await pipeline(source, createGunzip({ chunkSize: CHUNK }), sink);
  else await pipeline(source, sink);
}

function isZlibError(error: unknown): error is Error & { code: string } {
  const code: unknown = error instanceof Error ? Reflect.get(error, 'code') : undefined;
  return typeof code === 'string' && code.startsWith('Z_');
}

/** A zlib failure explained: where the data stops and what to do about it. */
function gzipProblem(error: Error & { code: string }, fileBytes: number, decompressed: number): string {
  const after = `${decompressed.toLocaleString('en-US')} bytes`;
  if (error.code === 'Z_BUF_ERROR') {
    return `gzip stream ends early after ${after} of data (the file is ${fileBytes.toLocaleString('en-US')} bytes): the upload was probably interrupted; re-upload the file and rerun the date`;
  }
  if (decompressed === 0 && /header/i.test(error.message)) {
    return 'not a gzip file (it does not start with the gzip signature 1F 8B): compress it with gzip, or upload it without the .gz ending if it is plain text';
  }
  return `gzip data is corrupt after ${after} (zlib: ${error.message}): re-upload the file and rerun the date`;
}

/** Counts non-blank lines (decoded text) and the line holding character `badOffset`. */
class LineCounter {
  nonEmpty = 0;
  badLine = 0;
  private line = 1;
  private offset = 0;
  private hasContent = false;

  constructor(private readonly badOffset: number | null) {}

  push(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.offset + i === this.badOffset) this.badLine = this.line;
      if (c === 10) {
        if (this.hasContent) this.nonEmpty++;
        this.hasContent = false;
        this.line++;
      } else if (!this.hasContent && c !== 13 && c !== 32 && c !== 9 && c !== 0xfeff && c !== 0) {
        this.hasContent = true;
      }
    }
    this.offset += text.length;
  }

  end(): void {
    if (this.hasContent) this.nonEmpty++;
  }
}

/** Second pass over a badly encoded file: decode it as `encoding` and count its lines. */
async function countLines(
  path: string,
  gzip: boolean,
  encoding: Utf16 | 'latin1',
  badOffset: number | null,
): Promise<LineCounter> {
  const counter = new LineCounter(badOffset);
  // latin1 maps each byte to one character, so character offsets are byte offsets.
  const decoder = encoding === 'latin1' ? null : new TextDecoder(encoding.toLowerCase());
  await eachChunk(path, gzip, (chunk) =>
    counter.push(decoder === null ? chunk.toString('latin1') : decoder.decode(chunk, { stream: true })),
  );
  counter.end();
  return counter;
}

/** Checks a CSV or JSON Lines file (`gzip`: compressed) for a broken gzip stream and a non-UTF-8 encoding. */
export async function sniffTextFile(path: string, gzip: boolean, fileBytes: number): Promise<TextSniff> {
  const utf8 = new Utf8Validator();
  const head: Buffer[] = [];
  let headBytes = 0;
  let bytes = 0;
  try {
    await eachChunk(path, gzip, (chunk) => {
      bytes += chunk.length;
      if (headBytes < FIRST_LINE_MAX) {
        head.push(chunk);
        headBytes += chunk.length;
      }
      utf8.push(chunk);
    });
  } catch (error) {
    if (isZlibError(error)) return { kind: 'unreadable', problem: gzipProblem(error, fileBytes, bytes) };
    throw error;
  }
  utf8.end();
  const start = Buffer.concat(head).subarray(0, FIRST_LINE_MAX);
  const utf16 = utf16Of(start.subarray(0, HEAD_BYTES));
  if (utf16 !== null) {
    const lines = await countLines(path, gzip, utf16.encoding, null);
    const name = utf16.encoding.replace('LE', ' LE').replace('BE', ' BE');
    return {
      kind: 'bad_encoding',
      found: `${name} (${utf16.evidence}), not UTF-8`,
      iconvFrom: utf16.encoding,
      nonEmptyLines: lines.nonEmpty,
    };
  }
  if (utf8.badOffset !== null) {
    const lines = await countLines(path, gzip, 'latin1', utf8.badOffset);
    const hex = utf8.badByte.toString(16).toUpperCase().padStart(2, '0');
    const char = new TextDecoder('windows-1252').decode(Buffer.from([utf8.badByte]));
    return {
      kind: 'bad_encoding',
      found: `not UTF-8: byte 0x${hex} at line ${lines.badLine} (“${char}” in Windows-1252), looks like Latin-1/Windows-1252`,
      iconvFrom: 'WINDOWS-1252',
      nonEmptyLines: lines.nonEmpty,
    };
  }
  const newline = start.indexOf(10);
  const line = start.subarray(0, newline < 0 ? start.length : newline).toString('utf8');
  return { kind: 'ok', bytes, firstLine: line.replace(/^\uFEFF/, '').replace(/\r$/, '') };
}
