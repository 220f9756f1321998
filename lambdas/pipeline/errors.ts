/** Errors of the nightly job. Each names the stage that failed; the run record stores it. */
export class NightlyJobError extends Error {
  override readonly name: string = 'NightlyJobError';
  constructor(
    readonly stage: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The export has no usable orders. */
export class NoOrdersError extends NightlyJobError {
  override readonly name = 'NoOrdersError';
}

/** Too many rows broke the contract: the run fails without publishing. */
export class RejectThresholdError extends NightlyJobError {
  override readonly name = 'RejectThresholdError';
}

/** The export date is older than the current run's: publishing it would replace a newer run. */
export class StaleExportError extends NightlyJobError {
  override readonly name = 'StaleExportError';
}

/** An export file could not be read at all (truncated gzip, corrupt Parquet): its rows cannot be counted. */
export class UnreadableExportError extends NightlyJobError {
  override readonly name = 'UnreadableExportError';
}
