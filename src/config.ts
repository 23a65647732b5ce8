// The only module that reads process.env: parses and validates every setting at once.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import type { QueryLimits } from './transport/limits.ts';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses "500ms", "15s", "5m", "2h", "1d" (a bare number means milliseconds). */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? 'ms') as keyof typeof UNITS_MS;
  return Math.round(Number(match[1]) * UNITS_MS[unit]);
}

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a duration such as 500ms, 15s, 5m or 2h, got "${text}"`,
        });
        return z.NEVER;
      }
      return ms;
    });

const integer = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const boolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => ['true', '1', 'on', 'yes'].includes(value));

/** "5s,5m,30m" -> [5000, 300000, 1800000] */
const durationList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const parts = text.split(',').map((part) => part.trim());
      const values = parts.map(parseDuration);
      const bad = parts.find((_, i) => values[i] === undefined);
      if (bad !== undefined) {
        ctx.addIssue({ code: 'custom', message: `expected durations such as 5s,5m,30m, got "${bad}"` });
        return z.NEVER;
      }
      return values as number[];
    });

/** "127.0.0.1/32,::1/128" -> parsed CIDRs */
const cidrList = z
  .string()
  .default('')
  .transform((text, ctx) => {
    const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
    for (const part of text.split(',').map((p) => p.trim())) {
      if (part === '') continue;
      try {
        ranges.push(ipaddr.parseCIDR(part));
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: `expected CIDRs such as 127.0.0.1/32 or ::1/128, got "${part}"`,
        });
        return z.NEVER;
      }
    }
    return ranges;
  });

const postgresUrl = z.string().refine((value) => /^postgres(ql)?:\/\//.test(value) && URL.canParse(value), {
  message: 'expected a postgres:// or postgresql:// URL',
});

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: integer(4000, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: integer(10, 1, 1000),
  DATA_DIR: z.string().min(1).default('./data'),
  REDIS_URL: z
    .string()
    .refine((value) => /^rediss?:\/\//.test(value) && URL.canParse(value), {
      message: 'expected a redis:// or rediss:// URL',
    })
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOCATION_MAX_FUTURE_SKEW: duration('5m'),
  LIVE_BUFFER_LIMIT: integer(10_000, 10, 10_000_000),
  LIVE_MAX_SUBSCRIPTIONS_PER_KEY: integer(5000, 1, 10_000_000),
  WS_MAX_OPERATIONS_PER_CONNECTION: integer(50, 1, 100_000),
  GRAPHQL_SSE_RESERVATION_TIMEOUT: duration('30s'),
  GRAPHQL_SSE_MAX_RESERVATIONS_PER_KEY: integer(20, 1, 100_000),
  SHUTDOWN_TIMEOUT: duration('10s'),
  RATE_LIMIT_REPORTS_PER_MINUTE: integer(60_000, 0, 100_000_000),
  RATE_LIMIT_READS_PER_MINUTE: integer(6_000, 0, 100_000_000),
  RATE_LIMIT_MANAGE_PER_MINUTE: integer(600, 0, 100_000_000),
  RATE_LIMIT_REPORTS_PER_DEVICE_PER_MINUTE: integer(600, 0, 100_000_000),
  GRAPHQL_MAX_DEPTH: integer(10, 1, 1000),
  GRAPHQL_MAX_ALIASES: integer(20, 0, 100_000),
  GRAPHQL_MAX_TOKENS: integer(2000, 50, 1_000_000),
  GRAPHQL_MAX_DIRECTIVES: integer(20, 0, 100_000),
  GRAPHQL_MAX_COST: integer(100_000, 10, 100_000_000),
  CORS_ORIGINS: z
    .string()
    .default('*')
    .transform((text, ctx) => {
      const origins = text
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      if (origins.includes('*')) return '*' as const;
      const bad = origins.find((o) => !/^https?:\/\/[^/\s]+$/.test(o));
      if (bad !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `expected * or origins such as https://app.example.com, got "${bad}"`,
        });
        return z.NEVER;
      }
      return origins;
    }),
  RETENTION_DAYS: integer(30, 0, 36_500),
  RETENTION_INTERVAL: duration('1h'),
  WEBHOOK_WORKER: boolean(true),
  WEBHOOK_TIMEOUT_MS: integer(15_000, 100, 300_000),
  WEBHOOK_RETRY_SCHEDULE: durationList('5s,5m,30m,2h,5h,10h,10h'),
  WEBHOOK_ALLOW_PRIVATE_CIDRS: cidrList,
  WEBHOOK_SECRET_OVERLAP: duration('24h'),
  WEBHOOK_DISABLE_AFTER: duration('5d'),
  WEBHOOK_CONCURRENCY: integer(200, 1, 10_000),
  WEBHOOK_ENDPOINT_CONCURRENCY: integer(16, 1, 1000),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  database: DatabaseConfig;
  /** Unset: PubSub in memory (one instance). */
  redisUrl: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  locations: { maxFutureSkewMs: number };
  /** Locations a live subscriber may fall behind before it is disconnected (it then resumes). */
  live: {
    bufferLimit: number;
    /** Live streams one key may hold open on one instance. */
    maxStreamsPerKey: number;
    /** Operations (subscriptions included) one WebSocket connection or graphql-sse stream may run at once. */
    maxOperationsPerConnection: number;
    /** graphql-sse single-connection mode: a reserved stream not opened within this time is dropped. */
    reservationTimeoutMs: number;
    /** graphql-sse single-connection mode: reserved streams one key may hold per instance. */
    maxReservationsPerKey: number;
  };
  webhooks: WebhookConfig;
  /** Requests per minute and key, per budget (0: no limit). */
  rateLimits: { reports: number; reads: number; manage: number; device: number };
  /** What one GraphQL document may ask for. */
  queryLimits: QueryLimits;
  /** Browser origins allowed to call the API (CORS): '*' or a list. */
  corsOrigins: '*' | string[];
  /** A graceful stop that takes longer than this exits at once (with code 1). */
  shutdownTimeoutMs: number;
  /** Locations and webhook deliveries older than `days` are deleted every `intervalMs`; 0 days keeps them. */
  retention: { days: number; intervalMs: number };
}

export interface WebhookConfig {
  /** Run a delivery worker inside the server (`npm run worker` runs one on its own). */
  worker: boolean;
  /** An attempt succeeds on a 2xx within this time. */
  timeoutMs: number;
  /** Delays before each retry; after the last one a delivery is dead. */
  retrySchedule: number[];
  /** Ranges webhooks may reach although they are not public. */
  allowPrivateCidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][];
  /** How long a rotated-out secret keeps signing alongside the new one. */
  secretOverlapMs: number;
  /** A webhook whose attempts have all failed for this long is disabled. */
  disableAfterMs: number;
  /** Requests in flight per worker, over all endpoints. */
  concurrency: number;
  /** Requests in flight per worker to one endpoint. */
  endpointConcurrency: number;
}

export const DEFAULT_WEBHOOK_CONFIG: WebhookConfig = {
  worker: true,
  timeoutMs: 15_000,
  retrySchedule: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
  allowPrivateCidrs: [],
  secretOverlapMs: 86_400_000,
  disableAfterMs: 5 * 86_400_000,
  concurrency: 200,
  endpointConcurrency: 16,
};

export type DatabaseConfig =
  | { kind: 'postgres'; url: string; poolSize: number }
  /** `dataDir` may be `memory://` for a throw-away database. */
  | { kind: 'embedded'; dataDir: string };

/** Reads the environment; throws a ConfigError listing every problem found. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "unset", as in most deployment tools.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
      : { kind: 'embedded', dataDir: e.DATA_DIR },
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    locations: { maxFutureSkewMs: e.LOCATION_MAX_FUTURE_SKEW },
    live: {
      bufferLimit: e.LIVE_BUFFER_LIMIT,
      maxStreamsPerKey: e.LIVE_MAX_SUBSCRIPTIONS_PER_KEY,
      maxOperationsPerConnection: e.WS_MAX_OPERATIONS_PER_CONNECTION,
      reservationTimeoutMs: e.GRAPHQL_SSE_RESERVATION_TIMEOUT,
      maxReservationsPerKey: e.GRAPHQL_SSE_MAX_RESERVATIONS_PER_KEY,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT,
    corsOrigins: e.CORS_ORIGINS,
    rateLimits: {
      reports: e.RATE_LIMIT_REPORTS_PER_MINUTE,
      reads: e.RATE_LIMIT_READS_PER_MINUTE,
      manage: e.RATE_LIMIT_MANAGE_PER_MINUTE,
      device: e.RATE_LIMIT_REPORTS_PER_DEVICE_PER_MINUTE,
    },
    queryLimits: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      maxCost: e.GRAPHQL_MAX_COST,
      blockSuggestions: e.NODE_ENV === 'production',
    },
    retention: { days: e.RETENTION_DAYS, intervalMs: e.RETENTION_INTERVAL },
    webhooks: {
      worker: e.WEBHOOK_WORKER,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retrySchedule: e.WEBHOOK_RETRY_SCHEDULE,
      allowPrivateCidrs: e.WEBHOOK_ALLOW_PRIVATE_CIDRS,
      secretOverlapMs: e.WEBHOOK_SECRET_OVERLAP,
      disableAfterMs: e.WEBHOOK_DISABLE_AFTER,
      concurrency: e.WEBHOOK_CONCURRENCY,
      endpointConcurrency: e.WEBHOOK_ENDPOINT_CONCURRENCY,
    },
  };
}
