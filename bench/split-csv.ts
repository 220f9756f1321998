/** Splits a CSV into `parts` files of about equal size at line boundaries, each with the header: a multi-file export. */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Offset just past the first newline at or after `from`. */
async function nextLineStart(path: string, from: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    for (let at = from; ; at += buffer.length) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
      if (bytesRead === 0) return at;
      const i = buffer.subarray(0, bytesRead).indexOf(10);
      if (i >= 0) return at + i + 1;
    }
  } finally {
    await handle.close();
  }
}

export async function splitCsv(path: string, parts: number, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const { size } = await stat(path);
  const bodyStart = await nextLineStart(path, 0);
  const header = createReadStream(path, { start: 0, end: bodyStart - 1 });
  const headerBytes = Buffer.concat(await header.toArray());
  const cuts = [bodyStart];
  for (let i = 1; i < parts; i += 1) {
    cuts.push(
      Math.max(
        cuts[i - 1] as number,
        await nextLineStart(path, bodyStart + Math.floor(((size - bodyStart) * i) / parts)),
      ),
    );
  }
  cuts.push(size);
  const written: string[] = [];
  for (let i = 0; i < parts; i += 1) {
    const start = cuts[i] as number;
    const end = cuts[i + 1] as number;
    if (end <= start) continue;
    const file = join(outDir, `part-${String(i + 1).padStart(4, '0')}.csv`);
    const out = createWriteStream(file);
    out.write(headerBytes);
    await pipeline(createReadStream(path, { start, end: end - 1 }), out);
    written.push(file);
  }
  return written;
}
