// The webhook delivery policy on its own: pure functions, no server.
import { describe, expect, it } from 'vitest';
import { afterAttempt, disableReason, JITTER, MAX_RETRY_AFTER_MS } from '../src/webhooks/policy.ts';

const SCHEDULE = [5_000, 300_000, 1_800_000];
const failed = (statusCode: number | null = 500, retryAfterMs: number | null = null) => ({
  ok: false,
  statusCode,
  retryAfterMs,
});

describe('after an attempt', () => {
  it('a success is final', () => {
    expect(afterAttempt(1, { ok: true, statusCode: 204, retryAfterMs: null }, SCHEDULE)).toEqual({
      status: 'succeeded',
      retryInMs: null,
    });
  });

  it('a failure is retried after the schedule’s delay for that attempt, spread by ±20%', () => {
    for (const [attempt, base] of SCHEDULE.entries()) {
      expect(afterAttempt(attempt + 1, failed(), SCHEDULE, () => 0.5).retryInMs).toBe(base);
      expect(afterAttempt(attempt + 1, failed(), SCHEDULE, () => 0).retryInMs).toBe(base * (1 - JITTER));
      expect(afterAttempt(attempt + 1, failed(), SCHEDULE, () => 1).retryInMs).toBe(base * (1 + JITTER));
      expect(afterAttempt(attempt + 1, failed(null), SCHEDULE).status).toBe('failed');
    }
  });

  it('is dead once the schedule is used up', () => {
    expect(afterAttempt(SCHEDULE.length + 1, failed(), SCHEDULE)).toEqual({
      status: 'dead',
      retryInMs: null,
    });
    expect(afterAttempt(1, failed(), [])).toEqual({ status: 'dead', retryInMs: null });
  });

  it('follows the receiver’s Retry-After (429, 503), up to a day', () => {
    expect(afterAttempt(1, failed(429, 42_000), SCHEDULE)).toEqual({ status: 'failed', retryInMs: 42_000 });
    expect(afterAttempt(2, failed(503, 10 * 86_400_000), SCHEDULE).retryInMs).toBe(MAX_RETRY_AFTER_MS);
  });

  it('holds a delivery answered 410 Gone (not retried, not dead: it goes out when the webhook is enabled again)', () => {
    expect(afterAttempt(1, failed(410), SCHEDULE)).toEqual({ status: 'failed', retryInMs: null });
    expect(afterAttempt(99, failed(410), SCHEDULE)).toEqual({ status: 'failed', retryInMs: null });
  });
});

describe('disabling a webhook', () => {
  const now = new Date('2026-11-30T12:00:00.000Z');
  const DAY = 86_400_000;

  it('happens at once on 410 Gone', () => {
    expect(
      disableReason({ webhookId: 'w', gone: true, anySucceeded: false, failingSince: now }, now, 5 * DAY),
    ).toBe('The endpoint answered 410 Gone.');
  });

  it('happens when every attempt has failed for longer than WEBHOOK_DISABLE_AFTER', () => {
    const since = new Date(now.getTime() - 5 * DAY - 1);
    expect(
      disableReason({ webhookId: 'w', gone: false, anySucceeded: false, failingSince: since }, now, 5 * DAY),
    ).toBe(`Every delivery failed since ${since.toISOString().replace(/\.\d{3}Z$/, 'Z')}.`);
  });

  it('does not happen within that time, after a success, or with no failing streak', () => {
    const recent = new Date(now.getTime() - 5 * DAY);
    const old = new Date(now.getTime() - 9 * DAY);
    const health = (failingSince: Date | null, anySucceeded = false) => ({
      webhookId: 'w',
      gone: false,
      anySucceeded,
      failingSince,
    });
    expect(disableReason(health(recent), now, 5 * DAY)).toBeNull();
    expect(disableReason(health(old, true), now, 5 * DAY)).toBeNull();
    expect(disableReason(health(null), now, 5 * DAY)).toBeNull();
  });
});
