// Per-key rate limits (rate-limiter-flexible): in memory on one instance, in Redis when
// REDIS_URL is set so that a key's budget holds across instances. Three budgets:
// reports (reportLocation/reportLocations requests), reads (queries and subscriptions)
// and management (every other mutation). One key's burst never touches another key.
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors.ts';

export type Budget = 'reports' | 'reads' | 'manage';
export const BUDGETS: readonly Budget[] = ['reports', 'reads', 'manage'];

/** Over the limit: retry after `retryAfterSeconds`. */
export class RateLimitedError extends AppError {
  constructor(
    readonly budget: Budget,
    retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', `Too many ${budget} requests for this key; retry in ${retryAfterSeconds} s`, {
      retryAfterSeconds,
    });
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
  async consume(keyId: string, budget: Budget): Promise<void> {
    const limiter = this.limiters.get(budget);
    if (!limiter) return;
    try {
      await limiter.consume(keyId);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      this.onLimited(budget);
      throw new RateLimitedError(budget, Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
    }
  }
}
