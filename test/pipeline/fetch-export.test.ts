import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportDownloadError, type ExportSource } from '../../lambdas/ingest/export-source.js';
import { fetchExportFiles, type ListedExportFile } from '../../lambdas/pipeline/fetch-export.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fetch-export-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const listed = (n: number): ListedExportFile[] =>
  Array.from({ length: n }, (_, i) => ({
    dataset: 'orders',
    key: `exports/d/orders/part-${i}.csv`,
    bytes: 1,
  }));

/**
 * A source whose downloads wait until released by the test (or cancelled through their signal); it
 * notes how many run at once and which ever started or were cancelled.
 */
function gatedSource() {
  const started: string[] = [];
  const cancelled: string[] = [];
  const settled: string[] = [];
  const release = new Map<string, (outcome: Error | null) => void>();
  let inFlight = 0;
  let maxInFlight = 0;
  const source: ExportSource = {
    listCompleteDates: async () => [],
    listFiles: async () => [],
    listIgnored: async () => [],
    download: (key, localPath, options) =>
      new Promise((resolve, reject) => {
        started.push(key);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        let done = false;
        const finish = (outcome: Error | null): void => {
          done = true;
          inFlight--;
          settled.push(key);
          if (outcome) reject(outcome);
          else
            writeFile(localPath, key).then(
              () => resolve({ bytes: key.length, sha256: `sha-${key}` }),
              reject,
            );
        };
        release.set(key, finish);
        options?.signal?.addEventListener('abort', () => {
          if (done) return;
          cancelled.push(key);
          finish(options.signal?.reason as Error);
        });
      }),
  };
  const waitFor = async (count: number): Promise<void> => {
    while (started.length < count) await new Promise((r) => setTimeout(r, 1));
  };
  return { source, started, cancelled, settled, release, waitFor, maxInFlight: () => maxInFlight };
}

describe('fetchExportFiles', () => {
  it('downloads every file, a few at a time, and returns them in listed order', async () => {
    // Prepare
    const files = listed(6);
    const gate = gatedSource();

    // Act
    const fetching = fetchExportFiles(gate.source, files, dir, 2);
    for (let i = 0; i < files.length; i++) {
      await gate.waitFor(i + 1);
      gate.release.get(gate.started[i] as string)?.(null);
    }
    const result = await fetching;

    // Assess
    expect(gate.maxInFlight()).toBe(2);
    expect(result.map((f) => f.name)).toEqual(files.map((f) => f.key));
    expect(result[3]?.localPath).toBe(join(dir, 'orders', '0003-part-3.csv'));
    expect(await readFile(result[3]?.localPath ?? '', 'utf8')).toBe(files[3]?.key);
    expect(result[3]?.sha256).toBe(`sha-${files[3]?.key}`);
  });

  it('on a failure, starts nothing more, cancels the downloads in flight, and throws that failure once all stopped', async () => {
    // Prepare
    const files = listed(6);
    const gate = gatedSource();
    const failure = new ExportDownloadError(
      'Cannot download s3://b/exports/d/orders/part-1.csv: AccessDenied',
    );

    // Act
    const fetching = fetchExportFiles(gate.source, files, dir, 3);
    await gate.waitFor(3);
    gate.release.get(files[1]?.key as string)?.(failure);
    const error = await fetching.catch((e: unknown) => e);

    // Assess
    expect(error).toBe(failure);
    // The first three, in whatever order their folders were created: and nothing after the failure
    expect([...gate.started].sort()).toEqual(files.slice(0, 3).map((f) => f.key));
    expect(gate.cancelled.sort()).toEqual([files[0]?.key, files[2]?.key]);
    expect(gate.settled).toHaveLength(3); // nothing still running when the caller removes the folder
  });
});
