/** The API's own request and response shapes: adapters (API Gateway, node:http) translate to them. */

export interface ApiRequest {
  readonly method: string;
  /** Route path without the stage or base-path prefix, e.g. `/v1/customers`. */
  readonly path: string;
  /** Decoded query parameters; a repeated parameter keeps its last value. */
  readonly query: Readonly<Record<string, string>>;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  /** Public URL up to (not including) `path`, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/prod`. */
  readonly baseUrl: string;
  /** Correlates logs and problem bodies (API Gateway's request id). */
  readonly requestId: string;
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}
