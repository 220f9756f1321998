/** DynamoDB error classification shared by the results-table writers. */

/** A conditional write refused because its condition did not hold (not a fault: a decision to act on). */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
