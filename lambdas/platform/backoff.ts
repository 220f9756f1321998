/** Backoff between retries, shared by the S3 download loop and the DynamoDB batch writer. */

/**
 * The backoff before retry number `retry` (1 = the first retry): "full jitter", uniform in
 * [0, min(cap, base · 2^(retry−1))) (M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog,
 * 2015), which spreads the retries of concurrent callers (downloads, write batches) instead of having them
 * return together.
 */
export function backoffDelay(
  retry: number,
  policy: { readonly baseDelayMs: number; readonly maxDelayMs: number; readonly random: () => number },
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(policy.random() * ceiling);
}
