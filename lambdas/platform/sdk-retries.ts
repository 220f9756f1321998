/**
 * Counts the retries the AWS SDK performs inside one `send` (its adaptive retry strategy), by the fault
 * that caused each: a middleware inside the retry loop notes every failed attempt, one outside it hands
 * them to the FaultRecorder once the call has ended: every failed attempt that the SDK retried counts,
 * the last failure of a call that fails does not (the caller's own retry loop counts it if it retries).
 */
import type { FaultRecorder } from './fault-recorder.js';

interface MiddlewareStack {
  add(middleware: unknown, options: { step: string; name: string; priority?: string }): void;
}

type Handler = (args: unknown) => Promise<unknown>;
type Context = { clvFaults?: string[] };

/** The fault's name as the recorder keys it: the service error code, else the network error code, else the HTTP status. */
export function faultName(error: unknown): string {
  const e = error as { name?: string; code?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code;
  const name = e?.Code ?? e?.name;
  if (typeof name === 'string' && name !== 'Error' && name !== 'Unknown') return name;
  const status = e?.$metadata?.httpStatusCode;
  return status ? `HTTP${status}` : 'unknown';
}

/** Adds the two counting middlewares to an SDK client. */
export function countSdkRetries(
  client: { middlewareStack: object },
  service: string,
  faults: FaultRecorder,
): void {
  // Typed loosely on purpose: the precise middleware types live in @smithy/types, not a dependency of ours.
  const stack = client.middlewareStack as MiddlewareStack;
  stack.add(
    (next: Handler, context: Context) => async (args: unknown) => {
      context.clvFaults = [];
      try {
        const output = await next(args);
        for (const fault of context.clvFaults) faults.retried(`${service}:${fault}`);
        return output;
      } catch (error) {
        // The last failure was not retried here (the caller may retry it, and then counts it itself).
        for (const fault of context.clvFaults.slice(0, -1)) faults.retried(`${service}:${fault}`);
        throw error;
      }
    },
    { step: 'initialize', name: 'clvCountSurvivedFaults', priority: 'high' },
  );
  // The deserialize step runs once per attempt, inside the retry loop: it sees each failed attempt.
  stack.add(
    (next: Handler, context: Context) => async (args: unknown) => {
      try {
        return await next(args);
      } catch (error) {
        context.clvFaults?.push(faultName(error));
        throw error;
      }
    },
    { step: 'deserialize', name: 'clvNoteFailedAttempt', priority: 'high' },
  );
}
