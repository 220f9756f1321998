/** The shape of a route: its parameters and rows (zod, also the OpenAPI source) and what it does. */
import type { z } from 'zod';
import type { ResultsReader, RunRef } from '../publish/results-store.js';
import type { ApiCursor } from './paging.js';

type Row = Record<string, unknown>;

export interface RouteInput<Q, P> {
  readonly query: Q;
  readonly params: P;
  readonly reader: ResultsReader;
  /** The decoded cursor of a list request, if one was passed. */
  readonly cursor: ApiCursor | undefined;
  /** Rows per page (lists). */
  readonly limit: number;
  /** Public URL the routes are served under (see ApiRequest.baseUrl). */
  readonly baseUrl: string;
}

export type RouteOutput =
  | { readonly kind: 'object'; readonly row: Row }
  | {
      readonly kind: 'list';
      readonly rows: readonly Row[];
      /** The run every row belongs to, for run-scoped lists. */
      readonly run: RunRef | null;
      readonly next: ApiCursor | null;
      /** Rows the CSV columns come from when they vary by row (default: this page's rows). */
      readonly columnRows?: readonly Row[];
    }
  | { readonly kind: 'document'; readonly body: unknown };

export interface Route<Q = unknown, P = unknown> {
  /** OpenAPI operationId. */
  readonly id: string;
  /** Path template with `{name}` parameters, e.g. `/v1/runs/{runId}`. */
  readonly path: string;
  readonly summary: string;
  readonly description: string;
  readonly query: z.ZodType<Q, unknown>;
  readonly params: z.ZodType<P, unknown>;
  /** Schema of the JSON object, or of one list item. */
  readonly row: z.ZodType;
  /** CSV: the row's columns and cells; absent when the route has no CSV form. */
  readonly csv?: {
    readonly columns: (rows: readonly Row[]) => string[];
    readonly row: (row: Row) => Row;
  };
  /** Query fields that shape the list (the cursor fingerprint); limit, cursor and format never do. */
  readonly shapedBy: readonly string[];
  handle(input: RouteInput<Q, P>): Promise<RouteOutput>;
}

/** Keeps each route's parameter types while the table holds them as `Route`. */
export function defineRoute<Q, P>(route: Route<Q, P>): Route {
  return route as unknown as Route;
}

/** The query parameter names a route accepts (its query schema's keys). */
export function queryParameterNames(route: Route): string[] {
  const shape = (route.query as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}
