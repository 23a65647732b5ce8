// How long to wait before trying again: exponential backoff with jitter, never shorter
// than the server asked for.

export interface RetryOptions {
  /** The first wait (about; jittered down to half). */
  minDelayMs: number;
  /** The longest wait. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { minDelayMs: 1000, maxDelayMs: 60_000 };

/** The wait before retry number `attempt` (0 for the first). */
export function retryDelay(attempt: number, retry: RetryOptions, retryAfterMs = 0): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** attempt);
  return Math.max(retryAfterMs, ceiling / 2 + (Math.random() * ceiling) / 2);
}
