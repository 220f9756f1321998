import type { ApiRequest } from '../../lambdas/serve/http.js';

/** A request as the Lambda adapter hands it to the API (a GET unless `extra` says otherwise). */
export function apiRequest(
  path: string,
  query: Record<string, string> = {},
  extra: Partial<ApiRequest> = {},
): ApiRequest {
  return {
    method: 'GET',
    path,
    query,
    headers: {},
    baseUrl: 'https://api.example.test/prod',
    requestId: 'req-1',
    ...extra,
  };
}
