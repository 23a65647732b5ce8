// A real GoFindMe server on a free port with its own database, plus fixtures and a
// typed GraphQL client that talks to it over HTTP.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import ipaddr from 'ipaddr.js';
import { type App, createApp } from '../../src/app.ts';
import { SCOPES, type Scope } from '../../src/auth/scopes.ts';
import { DEFAULT_WEBHOOK_CONFIG, type WebhookConfig } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/observability/logger.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import type { QueryLimits } from '../../src/transport/limits.ts';
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

/** What tests allow webhooks to reach: the loopback receivers they start. */
export const LOOPBACK = [ipaddr.parseCIDR('127.0.0.1/32'), ipaddr.parseCIDR('::1/128')];

export interface TestServerOptions {
  database?: TestDatabase;
  skew?: number;
  redisUrl?: string;
  bufferLimit?: number;
  /** Webhook settings; loopback is allowed unless `allowPrivateCidrs` says otherwise. */
  webhooks?: Partial<WebhookConfig>;
  /** Start the webhook delivery worker (off by default: it polls the database). */
  webhookWorker?: boolean;
  webhookPollMs?: number;
  resolver?: Resolver;
  retentionDays?: number;
  corsOrigins?: '*' | string[];
  queryLimits?: QueryLimits;
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

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase());
  const config = {
    locations: { maxFutureSkewMs: options.skew ?? 5 * 60_000 },
    database: database.config,
    redisUrl: options.redisUrl,
    live: {
      bufferLimit: options.bufferLimit ?? 10_000,
      maxStreamsPerKey: options.maxStreamsPerKey ?? 5000,
      maxOperationsPerConnection: options.maxOperationsPerConnection ?? 50,
      reservationTimeoutMs: options.reservationTimeoutMs ?? 30_000,
      maxReservationsPerKey: options.maxReservationsPerKey ?? 20,
    },
    webhooks: { ...DEFAULT_WEBHOOK_CONFIG, allowPrivateCidrs: LOOPBACK, ...options.webhooks },
    rateLimits: { reports: 0, reads: 0, manage: 0, device: 0, ...options.rateLimits },
    // Not started in tests; they run it with runOnce().
    retention: { days: options.retentionDays ?? 30, intervalMs: 3_600_000 },
  };
  const logger = options.logger ?? createLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent');
  const runtime = await openRuntime(config as Parameters<typeof openRuntime>[0], logger, {
    resolver: options.resolver,
    webhookPollMs: options.webhookPollMs ?? 100,
  });
  if (options.webhookWorker) runtime.services.webhookWorker.start();
  const app = createApp({
    db: runtime.db,
    pubsub: runtime.pubsub,
    services: runtime.services,
    logger,
    corsOrigins: options.corsOrigins,
    queryLimits: options.queryLimits,
    connections: config.live,
  });
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
