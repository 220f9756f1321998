import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ExportSource } from '../ingest/export-source.js';
import type { Dataset, LocalExportFile } from '../ingest/types.js';

/** A file listed in the export, before download. */
export interface ListedExportFile {
  readonly dataset: Dataset;
  readonly key: string;
  readonly bytes: number;
}

/**
 * Stage 1: streams every file of the export to `dir` (Lambda: ephemeral /tmp storage), a few at a time.
 * Local names keep the original extension, which tells ingest the format.
 */
export async function fetchExportFiles(
  source: ExportSource,
  files: readonly ListedExportFile[],
  dir: string,
  concurrency = 4,
): Promise<LocalExportFile[]> {
  const results: LocalExportFile[] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      const file = files[index] as ListedExportFile;
      const folder = join(dir, file.dataset);
      await mkdir(folder, { recursive: true });
      const localPath = join(folder, `${String(index).padStart(4, '0')}-${basename(file.key)}`);
      const { bytes, sha256 } = await source.download(file.key, localPath);
      results[index] = { dataset: file.dataset, name: file.key, localPath, bytes, sha256 };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return results;
}
