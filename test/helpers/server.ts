// A real GoFindMe server on a free port with its own database, plus fixtures and a
// typed GraphQL client that talks to it over HTTP.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { type App, createApp } from '../../src/app.ts';
import { SCOPES, type Scope } from '../../src/auth/scopes.ts';
import {
  type Config,
  type GeofenceConfig,
  loadConfig,
  type QueryLimits,
  type WebhookConfig,
} from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/observability/logger.ts';
import type { Metrics } from '../../src/observability/metrics.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import type { Resolver } from '../../src/webhooks/urlPolicy.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface GraphQLErrorShape {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; issues?: { field: string; path: (string | number)[]; message: string }[] };
}

export interface Response<R> {
  status: number;
  data?: R | null;
  errors?: GraphQLErrorShape[];
}

export interface TestServer {
  url: string;
  runtime: Runtime;
  app: App;
  database: TestDatabase;
  /** Creates a group with a unique name. */
  group(name?: string): Promise<{ id: string; name: string }>;
  /** Creates a key (all scopes unless given) in a new or given group. */
  key(options?: { groupId?: string; scopes?: readonly Scope[]; expiresAt?: Date }): Promise<TestKey>;
  stop(): Promise<void>;
}

export interface TestKey {
  key: string;
  id: string;
  groupId: string;
  request<R, V>(document: TypedDocumentNode<R, V>, variables?: V): Promise<Response<R>>;
}

let groupCounter = 0;

/**
 * What every test server runs with, over the defaults: webhooks may reach the loopback
 * receivers tests start, and the per-key budgets are off (one key drives many requests).
 */
const TEST_ENV = {
  NODE_ENV: 'test',
  WEBHOOK_ALLOW_PRIVATE_CIDRS: '127.0.0.1/32,::1/128',
  RATE_LIMIT_REPORTS_PER_MINUTE: '0',
  RATE_LIMIT_READS_PER_MINUTE: '0',
  RATE_LIMIT_MANAGE_PER_MINUTE: '0',
  RATE_LIMIT_REPORTS_PER_DEVICE_PER_MINUTE: '0',
};

export interface TestServerOptions {
  database?: TestDatabase;
  skew?: number;
  redisUrl?: string;
  bufferLimit?: number;
  /** Webhook settings; loopback is allowed unless `allowPrivateCidrs` says otherwise. */
  webhooks?: Partial<WebhookConfig>;
  geofences?: Partial<GeofenceConfig>;
  /** Start the webhook delivery worker (off by default: it polls the database). */
  webhookWorker?: boolean;
  webhookPollMs?: number;
  resolver?: Resolver;
  retentionDays?: number;
  corsOrigins?: '*' | string[];
  queryLimits?: Partial<QueryLimits>;
  maxStreamsPerKey?: number;
  maxOperationsPerConnection?: number;
  /** graphql-sse single-connection mode: reservation lifetime and cap per key. */
  reservationTimeoutMs?: number;
  maxReservationsPerKey?: number;
  /** Per-minute budgets; off unless given. */
  rateLimits?: { reports: number; reads: number; manage: number; device?: number };
  /** Where the server logs (silent unless TEST_LOG_LEVEL=debug). */
  logger?: Logger;
}

/**
 * A test server's configuration: loadConfig's (every setting present, from the one
 * table of defaults), with TEST_ENV and what the test asks for on top.
 */
export function testConfig(database: TestDatabase, options: TestServerOptions = {}): Config {
  const base = loadConfig(TEST_ENV);
  const defined = <T extends object>(values: T) =>
    Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
  return {
    ...base,
    database: database.config,
    redisUrl: options.redisUrl,
    locations: { ...base.locations, ...defined({ maxFutureSkewMs: options.skew }) },
    live: {
      ...base.live,
      ...defined({
        bufferLimit: options.bufferLimit,
        maxStreamsPerKey: options.maxStreamsPerKey,
        maxOperationsPerConnection: options.maxOperationsPerConnection,
        reservationTimeoutMs: options.reservationTimeoutMs,
        maxReservationsPerKey: options.maxReservationsPerKey,
      }),
    },
    webhooks: { ...base.webhooks, ...options.webhooks },
    geofences: { ...base.geofences, ...options.geofences },
    rateLimits: { ...base.rateLimits, ...options.rateLimits },
    // Not started in tests; they run it with runOnce().
    retention: { ...base.retention, ...defined({ days: options.retentionDays }) },
    queryLimits: { ...base.queryLimits, ...options.queryLimits },
    corsOrigins: options.corsOrigins ?? base.corsOrigins,
  };
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase());
  const config = testConfig(database, options);
  const logger = options.logger ?? createLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent');
  const runtime = await openRuntime(config, logger, {
    resolver: options.resolver,
    webhookPollMs: options.webhookPollMs ?? 100,
  });
  await runtime.listenForChanges();
  if (options.webhookWorker) runtime.jobs.webhookWorker.start();
  const app = createApp({ runtime, logger, config });
  const address = await app.start(0, '127.0.0.1');
  const url = `http://127.0.0.1:${address.port}/graphql`;
  const server: TestServer = {
    url,
    runtime,
    app,
    database,
    async group(name) {
      return runtime.services.groups.create(name ?? `group-${process.pid}-${++groupCounter}`);
    },
    async key(keyOptions = {}) {
      const groupId = keyOptions.groupId ?? (await server.group()).id;
      const { apiKey, key } = await runtime.services.apiKeys.create({
        groupId,
        name: 'test key',
        scopes: keyOptions.scopes ?? SCOPES,
        expiresAt: keyOptions.expiresAt ?? null,
      });
      return {
        key,
        id: apiKey.id,
        groupId,
        request: (document, variables) => graphqlRequest(url, document, variables, { 'x-api-key': key }),
      };
    },
    async stop() {
      await app.stop();
      await runtime.close();
      if (!options.database) await database.drop();
    },
  };
  return server;
}

export async function graphqlRequest<R, V>(
  url: string,
  document: TypedDocumentNode<R, V>,
  variables: V | undefined,
  headers: Record<string, string>,
): Promise<Response<R>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: R | null; errors?: GraphQLErrorShape[] };
  return { status: response.status, ...body };
}

/** The codes of a response's errors, for compact assertions. */
export const codes = (response: Response<unknown>) => (response.errors ?? []).map((e) => e.extensions?.code);

/** Finished webhook attempts with `outcome`, read from the process's own metrics. */
export async function webhookOutcomes(metrics: Metrics, outcome = 'succeeded'): Promise<number> {
  const { values } = await metrics.webhookDeliveries.get();
  return values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}
