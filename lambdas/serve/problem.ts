/** RFC 9457 problem details: the body of every error response. */
import type { ApiResponse } from './http.js';
import type { ParameterProblem } from './serve-errors.js';

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  410: 'Gone',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

export interface Problem {
  readonly status: number;
  readonly detail: string;
  readonly requestId: string;
  /** The request path (the problem's `instance`). */
  readonly instance: string;
  /** 400: every invalid parameter. */
  readonly errors?: readonly ParameterProblem[];
  readonly headers?: Readonly<Record<string, string>>;
}

/** A problem+json response; `type` is about:blank, so `title` is the status phrase (RFC 9457 §4.2.1). */
export function problemResponse(problem: Problem): ApiResponse {
  const body = {
    type: 'about:blank',
    title: TITLES[problem.status] ?? 'Error',
    status: problem.status,
    detail: problem.detail,
    instance: problem.instance,
    requestId: problem.requestId,
    ...(problem.errors ? { errors: problem.errors } : {}),
  };
  return {
    statusCode: problem.status,
    headers: {
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      ...problem.headers,
    },
    body: JSON.stringify(body),
  };
}
