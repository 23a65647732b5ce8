// Per-key rate limits (rate-limiter-flexible): in memory on one instance, in Redis when
// REDIS_URL is set so that a key's budget holds across instances. Three budgets per key:
// reports (reportLocation/reportLocations requests), reads (queries and subscriptions)
// and management (every other mutation); and one per device of a key, so that a device
// stuck in a loop cannot spend the reports budget its whole fleet shares. One key's
// burst never touches another key.
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors.ts';

export type Budget = 'reports' | 'reads' | 'manage' | 'device';
export const BUDGETS: readonly Budget[] = ['reports', 'reads', 'manage', 'device'];

/** Over the limit: retry after `retryAfterSeconds`. */
export class RateLimitedError extends AppError {
  constructor(
    readonly budget: Budget,
    retryAfterSeconds: number,
    message = `Too many ${budget} requests for this key; retry in ${retryAfterSeconds} s`,
  ) {
    super('RATE_LIMITED', message, { retryAfterSeconds });
    this.name = 'RateLimitedError';
  }
}

interface Limiter {
  consume(key: string, points?: number): Promise<RateLimiterRes>;
}

export class RateLimits {
  private readonly limiters = new Map<Budget, Limiter>();

  constructor(
    /** Requests per minute and key for each budget; 0 turns a budget off. */
    perMinute: Record<Budget, number>,
    redis?: Redis,
    private readonly onLimited: (budget: Budget) => void = () => {},
  ) {
    for (const budget of BUDGETS) {
      const points = perMinute[budget];
      if (points <= 0) continue;
      const options = { keyPrefix: `gofindme:rl:${budget}`, points, duration: 60 };
      this.limiters.set(
        budget,
        redis
          ? new RateLimiterRedis({
              ...options,
              storeClient: redis,
              // While Redis is unreachable, each instance limits on its own rather than failing requests.
              insuranceLimiter: new RateLimiterMemory(options),
            })
          : new RateLimiterMemory(options),
      );
    }
  }

  /** Takes one request from the key's budget; throws RateLimitedError when it is spent. */
  async consume(keyId: string, budget: Exclude<Budget, 'device'>): Promise<void> {
    const limiter = this.limiters.get(budget);
    if (!limiter) return;
    try {
      await limiter.consume(keyId);
    } catch (rejection) {
      throw this.refusal(rejection, budget);
    }
  }

  /** Takes one request from the budget of each device a report names (a batch counts once per device). */
  async consumeDevices(keyId: string, deviceIds: readonly string[]): Promise<void> {
    const limiter = this.limiters.get('device');
    if (!limiter) return;
    // All at once: with Redis, a batch of many devices waits for one round trip, not one each.
    const devices = [...new Set(deviceIds)];
    const outcomes = await Promise.allSettled(devices.map((id) => limiter.consume(`${keyId}:${id}`)));
    const spent = outcomes.findIndex((outcome) => outcome.status === 'rejected');
    if (spent === -1) return;
    throw this.refusal(
      (outcomes[spent] as PromiseRejectedResult).reason,
      'device',
      `Device "${devices[spent]}" reports too often (RATE_LIMIT_REPORTS_PER_DEVICE_PER_MINUTE)`,
    );
  }

  private refusal(rejection: unknown, budget: Budget, what?: string): unknown {
    if (!(rejection instanceof RateLimiterRes)) return rejection;
    this.onLimited(budget);
    const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    return new RateLimitedError(budget, seconds, what && `${what}; retry in ${seconds} s`);
  }
}
