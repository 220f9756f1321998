/** RFC 4180 CSV output through a buffered, backpressure-aware file stream. */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field: quoted (with doubled quotes) when it contains a comma, quote, CR or LF (RFC 4180 §2). */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * One CSV record. Records end in LF, which RFC 4180 §2 tolerates in practice and nearly every exporter
 * emits; quoted fields may still contain CR or LF.
 */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvField).join(',')}\n`;
}

/** Default chunk size: large enough to amortise stream calls, small enough to stay off the old space. */
export const DEFAULT_CHUNK_CHARS = 1 << 20;

/**
 * Appends text to a file in chunks of about `chunkChars`, awaiting `drain` when the stream pushes back,
 * so memory stays bounded however many rows are written.
 */
export class ChunkedFileWriter {
  private buffer = '';
  private error: Error | null = null;
  private constructor(
    private readonly stream: WriteStream,
    private readonly chunkChars: number,
  ) {
    stream.on('error', (err: Error) => {
      this.error = err;
    });
  }

  /** Opens (creating parent folders) a file for writing, truncating it. */
  static async open(path: string, chunkChars = DEFAULT_CHUNK_CHARS): Promise<ChunkedFileWriter> {
    await mkdir(dirname(path), { recursive: true });
    const stream = createWriteStream(path, { highWaterMark: chunkChars });
    await once(stream, 'open');
    return new ChunkedFileWriter(stream, chunkChars);
  }

  /** Buffers text; flushes (and waits for the stream when it pushes back) once a chunk is full. */
  async write(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= this.chunkChars) await this.flush();
  }

  /** Writes bytes as they are (after any buffered text); the caller must not reuse `chunk` afterwards. */
  async writeBytes(chunk: Uint8Array): Promise<void> {
    await this.flush();
    if (!this.stream.write(chunk)) await this.drained();
  }

  /** Writes the buffered text now. */
  async flush(): Promise<void> {
    if (this.error) throw this.error;
    if (this.buffer.length === 0) return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.stream.write(chunk)) await this.drained();
  }

  /** Flushes and closes the file; resolves once every byte is on disk. */
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    if (!this.stream.closed) await once(this.stream, 'close');
    if (this.error) throw this.error;
  }

  private async drained(): Promise<void> {
    // `once` rejects when the stream emits 'error' first, so a failed write cannot hang here.
    await once(this.stream, 'drain');
  }
}

/** Writes a CSV file (header + rows) through a chunked writer; returns the number of data rows. */
export async function writeCsvFile(
  path: string,
  header: readonly string[],
  rows: Iterable<readonly string[]>,
): Promise<number> {
  const writer = await ChunkedFileWriter.open(path);
  let count = 0;
  try {
    await writer.write(csvLine(header));
    for (const row of rows) {
      await writer.write(csvLine(row));
      count += 1;
    }
  } finally {
    await writer.close();
  }
  return count;
}
