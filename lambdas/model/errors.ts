/** Base class of the model core's errors. */
export class ModelError extends Error {
  override readonly name: string = 'ModelError';
}

/** Thrown when a date is not a valid `YYYY-MM-DD` calendar date. */
export class InvalidDateError extends ModelError {
  override readonly name = 'InvalidDateError';
}

/** Thrown when model settings would make the metrics meaningless (e.g. a lifespan cap ≤ 0). */
export class InvalidSettingsError extends ModelError {
  override readonly name = 'InvalidSettingsError';
}
