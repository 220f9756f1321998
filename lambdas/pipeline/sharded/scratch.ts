import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngestOptions } from '../../ingest/duckdb-ingest.js';
import type { JobSettings } from '../../platform/config.js';
import { NightlyJobError } from '../errors.js';
import { stageTimer } from '../stages.js';

/**
 * Runs a stage's work in its own scratch directory under `workDir`, emptied before (a warm Lambda keeps
 * /tmp, and a retried invocation may find its first attempt's files) and removed after. Errors are
 * wrapped in a NightlyJobError naming the stage, as the single-pass job does.
 */
export async function inScratch<T>(
  workDir: string,
  name: string,
  stage: string,
  work: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = join(workDir, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    return await stageTimer({})(stage, () => work(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The ingest settings of a run (the single-pass job passes the same to openIngest). */
export function ingestOptions(settings: JobSettings, exportDate: string, workDir: string): IngestOptions {
  return {
    exportDate,
    mapping: settings.mapping,
    currency: settings.currency,
    customerIds: settings.customerIds,
    segmentDimensions: settings.segmentDimensions,
    workDir,
    memoryLimitMb: settings.duckdbMemoryMb,
  };
}

/**
 * A stage's error as the state machine sees it (Lambda passes only the name and message on): the message
 * starts with `<stage> failed: `, which is how failRun names the stage in the run record.
 */
export function namingStage(error: unknown): unknown {
  if (!(error instanceof NightlyJobError) || error.message.startsWith(`${error.stage} failed: `))
    return error;
  const named = new NightlyJobError(error.stage, `${error.stage} failed: ${error.message}`, { cause: error });
  Object.defineProperty(named, 'name', { value: error.name });
  return named;
}
