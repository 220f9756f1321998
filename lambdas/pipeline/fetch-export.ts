import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ExportSource } from '../ingest/export-source.js';
import type { Dataset, LocalExportFile } from '../ingest/types.js';

/** A file listed in the export, before download. */
export interface ListedExportFile {
  readonly dataset: Dataset;
  readonly key: string;
  readonly bytes: number;
  /** The S3 entity tag as listed, when the source has one. */
  readonly etag?: string;
}

/** Why the downloads still running were stopped: another file of the export could not be fetched. */
export class FetchCancelledError extends Error {
  override readonly name = 'FetchCancelledError';
}

/**
 * Stage 1: streams every file of the export to `dir` (Lambda: ephemeral /tmp storage), a few at a time;
 * the source retries transient faults. Local names keep the original extension, which tells ingest the
 * format. When one file fails for good, no new download starts, the ones in flight are cancelled, and
 * the first failure is thrown once all have stopped: the job removes `dir` right after, and a download
 * still writing into it (or retrying for seconds) would outlive the run it belongs to.
 */
export async function fetchExportFiles(
  source: ExportSource,
  files: readonly ListedExportFile[],
  dir: string,
  concurrency = 4,
): Promise<LocalExportFile[]> {
  const results: LocalExportFile[] = new Array(files.length);
  const cancel = new AbortController();
  const failures: unknown[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length && !cancel.signal.aborted) {
      const index = next++;
      const file = files[index] as ListedExportFile;
      try {
        const folder = join(dir, file.dataset);
        await mkdir(folder, { recursive: true });
        const localPath = join(folder, `${String(index).padStart(4, '0')}-${basename(file.key)}`);
        const { bytes, sha256 } = await source.download(file.key, localPath, { signal: cancel.signal });
        results[index] = { dataset: file.dataset, name: file.key, localPath, bytes, sha256 };
      } catch (error) {
        if (!(error instanceof FetchCancelledError)) failures.push(error);
        cancel.abort(new FetchCancelledError(`download cancelled: ${file.key} could not be fetched`));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  if (failures.length > 0) throw failures[0];
  return results;
}
