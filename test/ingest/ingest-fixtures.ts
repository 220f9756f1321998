import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type ExportIngest, openIngest } from '../../lambdas/ingest/duckdb-ingest.js';
import type { Dataset, LocalExportFile } from '../../lambdas/ingest/types.js';
import { type ColumnMapping, mappingSchema } from '../../lambdas/platform/config.js';

/** A temp folder for one test's export files and DuckDB work dir. */
export interface Scratch {
  readonly dir: string;
  /** Writes a file (gzipped when the name ends in .gz) and describes it as an export file. */
  file(dataset: Dataset, name: string, content: string | Buffer): LocalExportFile;
  /** Describes a file that already exists in the folder (e.g. written by DuckDB COPY). */
  existing(dataset: Dataset, name: string): LocalExportFile;
  open(options?: { exportDate?: string; mapping?: unknown }): Promise<ExportIngest>;
  cleanup(): Promise<void>;
}

/** Creates a scratch folder; `cleanup` closes every ingest opened from it and removes the folder. */
export function scratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'clv-ingest-'));
  const opened: ExportIngest[] = [];
  const describe = (dataset: Dataset, name: string): LocalExportFile => {
    const localPath = join(dir, name);
    const bytes = readFileSync(localPath);
    return {
      dataset,
      name,
      localPath,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
  };
  return {
    dir,
    file(dataset, name, content) {
      const raw = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      writeFileSync(join(dir, name), name.endsWith('.gz') ? gzipSync(raw) : raw);
      return describe(dataset, name);
    },
    existing: describe,
    async open(options = {}) {
      const ingest = await openIngest({
        exportDate: options.exportDate ?? '2024-12-31',
        mapping: mappingSchema.parse(options.mapping ?? {}) as ColumnMapping,
        workDir: join(dir, 'work'),
        memoryLimitMb: 512,
        threads: 2,
      });
      opened.push(ingest);
      return ingest;
    },
    async cleanup() {
      for (const ingest of opened) await ingest.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
