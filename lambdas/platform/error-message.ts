/** The message of an Error, or the thrown value as text: for failure messages a user reads. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
