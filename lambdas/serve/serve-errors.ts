/** Errors the API answers with a problem+json body (RFC 9457) instead of a 500. */

/** Base of the serve module's errors: each carries its HTTP status. */
export class ServeError extends Error {
  override readonly name: string = 'ServeError';
  readonly status: number = 500;
}

/** One invalid request parameter, as listed in a 400 problem body. */
export interface ParameterProblem {
  /** Query or path parameter name. */
  readonly parameter: string;
  readonly message: string;
  /** Allowed values, when they are a closed set. */
  readonly allowed?: readonly string[];
}

export class BadRequestError extends ServeError {
  override readonly name = 'BadRequestError';
  override readonly status = 400;
  constructor(
    readonly problems: readonly ParameterProblem[],
    options?: ErrorOptions,
  ) {
    super(problems.map((p) => `${p.parameter}: ${p.message}`).join('; '), options);
  }
}

export class NotFoundError extends ServeError {
  override readonly name = 'NotFoundError';
  override readonly status = 404;
}

/** The run a cursor was paging has been replaced and removed: paging must start again. */
export class RunGoneError extends ServeError {
  override readonly name = 'RunGoneError';
  override readonly status = 410;
}

export class MethodNotAllowedError extends ServeError {
  override readonly name = 'MethodNotAllowedError';
  override readonly status = 405;
}

export class NotAcceptableError extends ServeError {
  override readonly name = 'NotAcceptableError';
  override readonly status = 406;
}

/** DynamoDB throttled the read even after the SDK's retries: the caller should retry shortly. */
export class ThrottledError extends ServeError {
  override readonly name = 'ThrottledError';
  override readonly status = 429;
}
