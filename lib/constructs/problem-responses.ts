/** Gateway responses of the Query API: errors API Gateway answers itself, as problem+json. */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';

/**
 * Errors API Gateway answers itself, as RFC 9457 problem details (the function writes its own). `status` is
 * left out where one response type covers several codes: the member is advisory (RFC 9457 §3.1.2) and a
 * template cannot read the status line. `title` is the status phrase, as `about:blank` asks (§4.2.1).
 */
export const PROBLEM_RESPONSES: readonly {
  readonly type: apigateway.ResponseType;
  readonly status?: number;
  readonly title?: string;
  /** A fixed hint: the gateway cannot compute the time to the next token or quota period. */
  readonly retryAfterSeconds?: number;
}[] = [
  { type: apigateway.ResponseType.DEFAULT_4XX },
  { type: apigateway.ResponseType.DEFAULT_5XX },
  { type: apigateway.ResponseType.BAD_REQUEST_PARAMETERS, status: 400, title: 'Bad Request' },
  { type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN, status: 403, title: 'Forbidden' },
  { type: apigateway.ResponseType.INVALID_API_KEY, status: 403, title: 'Forbidden' },
  { type: apigateway.ResponseType.ACCESS_DENIED, status: 403, title: 'Forbidden' },
  // Throttling refills tokens every second; a quota only restarts with its period, so retry much later.
  { type: apigateway.ResponseType.THROTTLED, status: 429, title: 'Too Many Requests', retryAfterSeconds: 1 },
  {
    type: apigateway.ResponseType.QUOTA_EXCEEDED,
    status: 429,
    title: 'Too Many Requests',
    retryAfterSeconds: 3600,
  },
  { type: apigateway.ResponseType.INTEGRATION_TIMEOUT, status: 504, title: 'Gateway Timeout' },
];

/** The body template of a gateway response: `messageString` is already a quoted JSON string. */
export function problemTemplate(response: (typeof PROBLEM_RESPONSES)[number]): string {
  const title =
    response.title === undefined ? '"$context.error.responseType"' : JSON.stringify(response.title);
  const status = response.status === undefined ? '' : `"status":${response.status},`;
  return `{"type":"about:blank","title":${title},${status}"detail":$context.error.messageString}`;
}
