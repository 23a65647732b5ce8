// Webhook delivery policy, as pure functions: when an attempt is retried, when a webhook is
// disabled, and what pausing one means. The outbox (outbox.ts) stores what these decide;
// the worker (worker.ts) applies them to each attempt. Nothing here does I/O.

export type DeliveryOutcome = 'succeeded' | 'failed' | 'dead';

/** What an attempt came to, as far as the policy cares. */
export interface AttemptSummary {
  /** A 2xx within the timeout. */
  ok: boolean;
  statusCode: number | null;
  /** From a Retry-After header on 429 or 503. */
  retryAfterMs: number | null;
}

/** Retry delays are spread by ±20%, so that a burst of failures does not come back as a burst. */
export const JITTER = 0.2;
/** A receiver's Retry-After is followed up to a day. */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/** 410 Gone: the receiver says the endpoint is gone for good. */
export const isGone = (result: Pick<AttemptSummary, 'statusCode'>) => result.statusCode === 410;

/**
 * What follows attempt number `attempt` (1 is the first): succeeded; failed and retried
 * after `retryInMs` (the schedule's delay for this attempt with jitter, or the receiver's
 * Retry-After); failed and held (410: the webhook is disabled, see `disableReason`, and the
 * delivery goes out again when it is enabled); or dead once the schedule is used up.
 */
export function afterAttempt(
  attempt: number,
  result: AttemptSummary,
  schedule: readonly number[],
  random: () => number = Math.random,
): { status: DeliveryOutcome; retryInMs: number | null } {
  if (result.ok) return { status: 'succeeded', retryInMs: null };
  if (isGone(result)) return { status: 'failed', retryInMs: null };
  if (attempt > schedule.length) return { status: 'dead', retryInMs: null };
  if (result.retryAfterMs !== null) {
    return { status: 'failed', retryInMs: Math.min(result.retryAfterMs, MAX_RETRY_AFTER_MS) };
  }
  const base = schedule[attempt - 1]!;
  return { status: 'failed', retryInMs: Math.round(base * (1 - JITTER + random() * 2 * JITTER)) };
}

/** A webhook's health after its latest attempts were recorded. */
export interface WebhookHealth {
  webhookId: string;
  /** Some attempt answered 410. */
  gone: boolean;
  /** Some attempt succeeded (which ends a failing streak). */
  anySucceeded: boolean;
  /** Since when every attempt has failed (null while attempts succeed). */
  failingSince: Date | null;
}

/**
 * Why a webhook is to be disabled now, or null: at once on 410 Gone, or once every attempt
 * has failed for longer than `disableAfterMs` (WEBHOOK_DISABLE_AFTER).
 */
export function disableReason(health: WebhookHealth, now: Date, disableAfterMs: number): string | null {
  if (health.gone) return 'The endpoint answered 410 Gone.';
  if (health.anySucceeded || !health.failingSince) return null;
  if (now.getTime() - health.failingSince.getTime() <= disableAfterMs) return null;
  return `Every delivery failed since ${health.failingSince.toISOString().replace(/\.\d{3}Z$/, 'Z')}.`;
}

/**
 * What pausing means. A disabled webhook (by its owner, or by `disableReason`) sends
 * nothing: its waiting deliveries (these statuses) are held, kept but not due, and are due
 * again at once when it is enabled. Finished deliveries stay as they are; one being
 * attempted finishes, and if it fails it is held too.
 */
export const HELD_STATUSES = ['pending', 'failed'] as const;
