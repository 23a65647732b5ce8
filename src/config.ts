// The only module that reads process.env: parses and validates every setting at once.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

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

/**
 * Every setting's default, written as it would be in the environment. This table is the
 * only place a default lives: the schema below parses it like any other value, and tests
 * build their configuration through loadConfig too.
 */
export const DEFAULTS = {
  NODE_ENV: 'development',
  PORT: '4000',
  HOST: '0.0.0.0',
  DATABASE_POOL_SIZE: '10',
  DATA_DIR: './data',
  LOG_LEVEL: 'info',
  LOCATION_MAX_FUTURE_SKEW: '5m',
  LIVE_BUFFER_LIMIT: '10000',
  LIVE_MAX_SUBSCRIPTIONS_PER_KEY: '5000',
  WS_MAX_OPERATIONS_PER_CONNECTION: '50',
  GRAPHQL_SSE_RESERVATION_TIMEOUT: '30s',
  GRAPHQL_SSE_MAX_RESERVATIONS_PER_KEY: '20',
  SHUTDOWN_TIMEOUT: '10s',
  RATE_LIMIT_REPORTS_PER_MINUTE: '60000',
  RATE_LIMIT_READS_PER_MINUTE: '6000',
  RATE_LIMIT_MANAGE_PER_MINUTE: '600',
  RATE_LIMIT_REPORTS_PER_DEVICE_PER_MINUTE: '600',
  GRAPHQL_MAX_DEPTH: '10',
  GRAPHQL_MAX_ALIASES: '20',
  GRAPHQL_MAX_TOKENS: '2000',
  GRAPHQL_MAX_DIRECTIVES: '20',
  GRAPHQL_MAX_COST: '100000',
  CORS_ORIGINS: '*',
  RETENTION_DAYS: '30',
  RETENTION_INTERVAL: '1h',
  WEBHOOK_WORKER: 'true',
  WEBHOOK_TIMEOUT_MS: '15000',
  WEBHOOK_RETRY_SCHEDULE: '5s,5m,30m,2h,5h,10h,10h',
  WEBHOOK_ALLOW_PRIVATE_CIDRS: '',
  WEBHOOK_SECRET_OVERLAP: '24h',
  WEBHOOK_DISABLE_AFTER: '5d',
  WEBHOOK_CONCURRENCY: '200',
  WEBHOOK_ENDPOINT_CONCURRENCY: '16',
  WEBHOOKS_MAX_PER_GROUP: '50',
  GEOFENCES_MAX_PER_GROUP: '10000',
  GEOFENCE_EXIT_MARGIN: '15',
  GEOFENCE_MAX_ACCURACY: '100',
  MAP_TILE_URL: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
  MAP_TILE_ATTRIBUTION: '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
  MAP_STALE_AFTER: '5m',
} as const;

const duration = () =>
  z.string().transform((text, ctx) => {
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

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** "5s,5m,30m" -> [5000, 300000, 1800000] */
const durationList = () =>
  z.string().transform((text, ctx) => {
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
const cidrList = z.string().transform((text, ctx) => {
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
  NODE_ENV: z.enum(['development', 'production', 'test']),
  PORT: integer(0, 65535),
  HOST: z.string().min(1),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: integer(1, 1000),
  DATA_DIR: z.string().min(1),
  REDIS_URL: z
    .string()
    .refine((value) => /^rediss?:\/\//.test(value) && URL.canParse(value), {
      message: 'expected a redis:// or rediss:// URL',
    })
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  LOCATION_MAX_FUTURE_SKEW: duration(),
  LIVE_BUFFER_LIMIT: integer(10, 10_000_000),
  LIVE_MAX_SUBSCRIPTIONS_PER_KEY: integer(1, 10_000_000),
  WS_MAX_OPERATIONS_PER_CONNECTION: integer(1, 100_000),
  GRAPHQL_SSE_RESERVATION_TIMEOUT: duration(),
  GRAPHQL_SSE_MAX_RESERVATIONS_PER_KEY: integer(1, 100_000),
  SHUTDOWN_TIMEOUT: duration(),
  RATE_LIMIT_REPORTS_PER_MINUTE: integer(0, 100_000_000),
  RATE_LIMIT_READS_PER_MINUTE: integer(0, 100_000_000),
  RATE_LIMIT_MANAGE_PER_MINUTE: integer(0, 100_000_000),
  RATE_LIMIT_REPORTS_PER_DEVICE_PER_MINUTE: integer(0, 100_000_000),
  GRAPHQL_MAX_DEPTH: integer(1, 1000),
  GRAPHQL_MAX_ALIASES: integer(0, 100_000),
  GRAPHQL_MAX_TOKENS: integer(50, 1_000_000),
  GRAPHQL_MAX_DIRECTIVES: integer(0, 100_000),
  GRAPHQL_MAX_COST: integer(10, 100_000_000),
  CORS_ORIGINS: z.string().transform((text, ctx) => {
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
  RETENTION_DAYS: integer(0, 36_500),
  RETENTION_INTERVAL: duration(),
  // true/false, 1/0, yes/no, on/off (zod's stringbool)
  WEBHOOK_WORKER: z.stringbool(),
  WEBHOOK_TIMEOUT_MS: integer(100, 300_000),
  WEBHOOK_RETRY_SCHEDULE: durationList(),
  WEBHOOK_ALLOW_PRIVATE_CIDRS: cidrList,
  WEBHOOK_SECRET_OVERLAP: duration(),
  WEBHOOK_DISABLE_AFTER: duration(),
  WEBHOOK_CONCURRENCY: integer(1, 10_000),
  WEBHOOK_ENDPOINT_CONCURRENCY: integer(1, 1000),
  WEBHOOKS_MAX_PER_GROUP: integer(1, 100_000),
  GEOFENCES_MAX_PER_GROUP: integer(1, 1_000_000),
  GEOFENCE_EXIT_MARGIN: z.coerce.number().min(0).max(10_000),
  GEOFENCE_MAX_ACCURACY: z.coerce.number().min(1).max(100_000),
  // Empty: no tiles (the map draws its grid only).
  MAP_TILE_URL: z
    .string()
    .trim()
    .refine(
      (url) =>
        url === '' ||
        (/^https?:\/\/[^/\s]+\/\S*$/.test(url) && ['{z}', '{x}', '{y}'].every((part) => url.includes(part))),
      'expected an http(s) URL template with {z}, {x} and {y} (and optionally {s}, {r}), or empty for no tiles',
    ),
  MAP_TILE_ATTRIBUTION: z.string().trim().max(1000),
  MAP_STALE_AFTER: duration(),
});

/** What one GraphQL document may ask for, on every transport. */
export interface QueryLimits {
  /** Nesting of selections (introspection is exempt). */
  maxDepth: number;
  maxAliases: number;
  /** Lexical tokens of the document: stops huge documents before they are parsed. */
  maxTokens: number;
  maxDirectives: number;
  /** GraphQL Armor's static cost: objects 2, scalars 1, growing with depth (introspection exempt). */
  maxCost: number;
  /** Hide "Did you mean …?" hints (on in production: they reveal the schema to anyone). */
  blockSuggestions: boolean;
}

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
  geofences: GeofenceConfig;
  map: MapConfig;
}

/** The live map at /. */
export interface MapConfig {
  /** Raster tiles, a Leaflet URL template ({z}/{x}/{y}, optionally {s} and {r}); empty: none. */
  tileUrl: string;
  /** The tiles' attribution (HTML: a link is allowed). */
  tileAttribution: string;
  /** A device without a fix for this long is drawn as stale. */
  staleAfterMs: number;
}

export interface GeofenceConfig {
  /** Geofences one group may have. */
  maxPerGroup: number;
  /** Metres beyond its accuracy a fix must be outside a geofence to count as outside. */
  exitMarginMeters: number;
  /** Fixes less accurate than this (metres) never change a geofence state. */
  maxAccuracyMeters: number;
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
  /** Webhooks one group may have. */
  maxPerGroup: number;
}

export type DatabaseConfig =
  | { kind: 'postgres'; url: string; poolSize: number }
  /** `dataDir` may be `memory://` for a throw-away database. */
  | { kind: 'embedded'; dataDir: string };

/** Reads the environment (over DEFAULTS); throws a ConfigError listing every problem found. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "unset", as in most deployment tools.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse({ ...DEFAULTS, ...present });
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
    map: {
      tileUrl: e.MAP_TILE_URL,
      tileAttribution: e.MAP_TILE_ATTRIBUTION,
      staleAfterMs: e.MAP_STALE_AFTER,
    },
    geofences: {
      maxPerGroup: e.GEOFENCES_MAX_PER_GROUP,
      exitMarginMeters: e.GEOFENCE_EXIT_MARGIN,
      maxAccuracyMeters: e.GEOFENCE_MAX_ACCURACY,
    },
    webhooks: {
      worker: e.WEBHOOK_WORKER,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retrySchedule: e.WEBHOOK_RETRY_SCHEDULE,
      allowPrivateCidrs: e.WEBHOOK_ALLOW_PRIVATE_CIDRS,
      secretOverlapMs: e.WEBHOOK_SECRET_OVERLAP,
      disableAfterMs: e.WEBHOOK_DISABLE_AFTER,
      concurrency: e.WEBHOOK_CONCURRENCY,
      endpointConcurrency: e.WEBHOOK_ENDPOINT_CONCURRENCY,
      maxPerGroup: e.WEBHOOKS_MAX_PER_GROUP,
    },
  };
}
