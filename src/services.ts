// Composes the process's services once, from the database and the PubSub: the domain
// services resolvers may use, the background jobs (webhook delivery, retention), the
// per-key rate limits and the metrics that watch all of them.
import { Redis } from 'ioredis';
import { ApiKeyService } from './auth/apiKeys.ts';
import { RateLimits } from './auth/rateLimits.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { GroupService } from './groups/service.ts';
import { LiveLocations } from './live/liveLocations.ts';
import { afterCommit } from './locations/afterCommit.ts';
import { LocationHistory } from './locations/history.ts';
import { LocationService } from './locations/service.ts';
import { LocationWriter } from './locations/writer.ts';
import type { Logger } from './observability/logger.ts';
import { Metrics } from './observability/metrics.ts';
import { requestContext } from './observability/requestContext.ts';
import type { PubSub } from './pubsub/pubsub.ts';
import { Retention } from './retention.ts';
import { WebhookSender } from './webhooks/sender.ts';
import { WebhookService } from './webhooks/service.ts';
import { type Resolver, UrlPolicy } from './webhooks/urlPolicy.ts';
import { DeliveryWorker } from './webhooks/worker.ts';

/** What resolvers may use (through the context): the domain services, nothing else. */
export interface DomainServices {
  live: LiveLocations;
  apiKeys: ApiKeyService;
  groups: GroupService;
  locations: LocationService;
  history: LocationHistory;
  webhooks: WebhookService;
}

/** Work that runs in the background; created stopped (the server starts them). */
export interface Jobs {
  /** Delivers webhooks (unless WEBHOOK_WORKER=false, or in `npm run worker`). */
  webhookWorker: DeliveryWorker;
  /** Deletes old locations and deliveries. */
  retention: Retention;
}

export interface Composition {
  services: DomainServices;
  jobs: Jobs;
  /** This process's Prometheus metrics (/metrics). */
  metrics: Metrics;
  /** Per-key request budgets (in Redis when configured, so they hold across instances). */
  rateLimits: RateLimits;
  /**
   * Listens for key changes made on other instances (or by the CLI), so that a revoked
   * key's connections end at once everywhere. For processes that serve the API.
   */
  listenForKeyChanges(): Promise<void>;
  close(): Promise<void>;
}

export interface ServiceOverrides {
  /** Resolves webhook host names (tests inject one; there is no external DNS). */
  resolver?: Resolver;
  /** How often an idle webhook worker polls. */
  webhookPollMs?: number;
}

export function createServices(
  db: Database,
  pubsub: PubSub,
  config: Pick<Config, 'locations' | 'live' | 'webhooks' | 'retention' | 'rateLimits' | 'redisUrl'>,
  logger: Logger,
  overrides: ServiceOverrides = {},
): Composition {
  const policy = new UrlPolicy(config.webhooks.allowPrivateCidrs, overrides.resolver);
  // The worker's work belongs to no request: leave the request's log context behind.
  const wakeOutbox = () => requestContext.exit(() => webhookWorker.wake());
  const webhooks = new WebhookService(db.prisma, db.sql, policy, config.webhooks, wakeOutbox);
  const metrics = new Metrics({ webhookBacklog: () => webhooks.backlog() });
  pubsub.onHealthChange((healthy) => {
    if (!healthy) metrics.pubsubErrors.inc();
  });
  const apiKeys = new ApiKeyService(db.prisma, {
    onBackgroundError: (error) => logger.warn({ err: error }, 'could not record key use'),
    // Other instances act on a revocation at once; if the message is lost (Redis down),
    // their caches expire within 5 s and their sessions re-check the database every 2 s.
    announce: (change) =>
      pubsub.publish('keys.changed', 'all', change).catch((error: unknown) => {
        logger.warn({ err: error }, 'could not announce a key change');
      }),
  });
  const live = new LiveLocations(db.sql, pubsub, {
    maxBuffered: config.live.bufferLimit,
    maxStreamsPerKey: config.live.maxStreamsPerKey,
    onError: (error) => logger.warn({ err: error }, 'live updates: background error'),
    onPublished: (count) => metrics.eventsPublished.inc(count),
    onPublishError: () => metrics.pubsubErrors.inc(),
    onStreamsChanged: (transport, delta) => metrics.liveSubscriptions.inc({ transport }, delta),
    onDelivered: (location, isLive) => {
      metrics.eventsDelivered.inc();
      if (isLive) metrics.deliveryLatency.observe((Date.now() - location.receivedAt.getTime()) / 1000);
    },
  });
  const sender = new WebhookSender(policy, {
    timeoutMs: config.webhooks.timeoutMs,
    connectionsPerEndpoint: config.webhooks.endpointConcurrency,
  });
  const webhookWorker = new DeliveryWorker(
    db.sql,
    sender,
    {
      ...config.webhooks,
      pollMs: overrides.webhookPollMs,
      onOutcome: (outcome, result) => {
        metrics.webhookDeliveries.inc({ outcome });
        metrics.webhookAttemptSeconds.observe(result.durationMs / 1000);
      },
    },
    logger,
  );
  const retention = new Retention(db.sql, {
    ...config.retention,
    onError: (error) => logger.warn({ err: error }, 'retention: deleting old data failed'),
    onDeleted: (deleted) => {
      logger.info({ deleted, days: config.retention.days }, 'retention: deleted old data');
      metrics.retentionDeleted.inc({ kind: 'location' }, deleted.locations);
      metrics.retentionDeleted.inc({ kind: 'webhook_delivery' }, deleted.deliveries);
    },
  });
  // Its own connection: a limiter must not queue behind PubSub traffic or wait out outages.
  const limiterRedis = config.redisUrl
    ? new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 })
    : undefined;
  limiterRedis?.on('error', () => {}); // reconnects by itself; the memory fallback covers outages
  const rateLimits = new RateLimits(config.rateLimits, limiterRedis, (budget) =>
    metrics.rateLimited.inc({ budget }),
  );
  const writer = new LocationWriter(
    db.sql,
    afterCommit({
      publish: (groupId, created) => live.publish(groupId, created),
      wakeOutbox,
      observe: ({ created, durationMs }) => {
        metrics.locationsIngested.inc(created.length);
        metrics.dbWriteSeconds.observe(durationMs / 1000);
      },
    }),
  );
  return {
    services: {
      live,
      apiKeys,
      groups: new GroupService(db.prisma),
      locations: new LocationService(writer, rateLimits, config.locations, (source, count) =>
        metrics.locationsAccepted.inc({ source }, count),
      ),
      history: new LocationHistory(db.prisma, db.sql),
      webhooks,
    },
    jobs: { webhookWorker, retention },
    metrics,
    rateLimits,
    async listenForKeyChanges() {
      await pubsub.subscribe('keys.changed', 'all', (change) => apiKeys.changed(change));
    },
    async close() {
      live.close();
      apiKeys.close();
      await retention.stop();
      limiterRedis?.disconnect();
      await webhookWorker.stop();
      await sender.close();
    },
  };
}
