/**
 * What the data routes check of a decoded API cursor (paging.ts checked its shape): that its position is
 * of the kind the list pages by, and that it carries a run exactly when the list is run-scoped; and the
 * store's refusal of the position inside it, which is the caller's bad `cursor` (400).
 */
import { InvalidCursorError } from '../publish/results-store.js';
import type { RouteInput } from './route-types.js';
import { BadRequestError } from './serve-errors.js';

type Cursor = RouteInput<unknown, unknown>['cursor'];

const staleCursor = (): BadRequestError =>
  new BadRequestError([{ parameter: 'cursor', message: 'not a cursor for this route; start without it' }]);

/** The cursor's offset into an in-memory list (0 without a cursor). */
export function offsetOf(input: RouteInput<unknown, unknown>): number {
  const position = input.cursor?.position ?? 0;
  if (typeof position !== 'number') throw staleCursor();
  return position;
}

/** The store's own cursor inside the API cursor (undefined without a cursor), for lists the store pages. */
export function storeCursorOf(cursor: Cursor): string | undefined {
  const position = cursor?.position;
  if (position !== undefined && typeof position !== 'string') throw staleCursor();
  return position;
}

/**
 * The run a run-scoped list's cursor pins (undefined without a cursor). Run-scoped lists always issue
 * cursors with a run, lists across runs never do: a cursor that differs was not issued for this list.
 */
export function pinnedRunOf(cursor: Cursor, runScoped: boolean): string | undefined {
  if (!cursor) return undefined;
  if ((cursor.runId !== null) !== runScoped) throw staleCursor();
  return cursor.runId ?? undefined;
}

/**
 * A store's refusal of its cursor is the caller's bad `cursor` parameter (400), not a server error. So is
 * DynamoDB's ValidationException on a read that started from a cursor: the store checks positions before
 * it reads, and this keeps any start key DynamoDB still refuses (dynalite checks fewer) from becoming a 500.
 */
export function asCursorProblem(cursor: Cursor): (error: unknown) => never {
  return (error: unknown): never => {
    const refused =
      error instanceof InvalidCursorError ||
      (cursor !== undefined && error instanceof Error && error.name === 'ValidationException');
    throw refused ? staleCursor() : error;
  };
}
