// Composes the process's services once, from the database and the PubSub: the domain
// services resolvers may use, the background jobs (webhook delivery, retention), the
// per-key rate limits and the metrics that watch all of them.
import { Redis } from 'ioredis';
import { ApiKeyService } from './auth/apiKeys.ts';
import { RateLimits } from './auth/rateLimits.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { GeofenceCache } from './geofences/cache.ts';
import { type GeofenceEvent, geofenceEventSource } from './geofences/events.ts';
import { geofenceWrites } from './geofences/extension.ts';
import { GeofenceService } from './geofences/service.ts';
import { GroupService } from './groups/service.ts';
import { locationSource } from './live/locations.ts';
import { LiveStreams } from './live/streams.ts';
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
  live: LiveStreams;
  apiKeys: ApiKeyService;
  groups: GroupService;
  locations: LocationService;
  history: LocationHistory;
  webhooks: WebhookService;
  geofences: GeofenceService;
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
   * Listens for changes made on other instances (or by the CLI): a revoked key's
   * connections end at once everywhere, and a group's changed geofences are reloaded
   * before its next report. For processes that serve the API.
   */
  listenForChanges(): Promise<void>;
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
  config: Pick<
    Config,
    'locations' | 'live' | 'webhooks' | 'geofences' | 'retention' | 'rateLimits' | 'redisUrl'
  >,
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
  const live = new LiveStreams(db.sql, pubsub, {
    maxBuffered: config.live.bufferLimit,
    watchKey: (keyId, end) => apiKeys.sessions.add(keyId, end),
    maxStreamsPerKey: config.live.maxStreamsPerKey,
    onError: (error) => logger.warn({ err: error }, 'live updates: background error'),
    onPublished: (source, count) => {
      if (source === locationSource.name) metrics.eventsPublished.inc(count);
    },
    onPublishError: () => metrics.pubsubErrors.inc(),
    onStreamsChanged: (transport, delta) => metrics.liveSubscriptions.inc({ transport }, delta),
    onDelivered: (source, storedAt, isLive) => {
      if (source !== locationSource.name) return;
      metrics.eventsDelivered.inc();
      if (isLive) metrics.deliveryLatency.observe((Date.now() - storedAt.getTime()) / 1000);
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
      metrics.retentionDeleted.inc({ kind: 'geofence_event' }, deleted.geofenceEvents);
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
  const geofenceCache = new GeofenceCache(db.prisma);
  const publishGeofenceEvents = (groupId: string, events: GeofenceEvent[]) => {
    for (const event of events) metrics.geofenceEvents.inc({ type: event.type });
    live.publish(geofenceEventSource, groupId, events);
  };
  const geofences = new GeofenceService(db.prisma, db.sql, geofenceCache, {
    maxPerGroup: config.geofences.maxPerGroup,
    announceChange: (groupId) =>
      pubsub.publish('geofences.changed', 'all', { groupId }).catch((error: unknown) => {
        // The other instances' sets expire within a minute.
        logger.warn({ err: error }, 'could not announce a geofence change');
      }),
    publishEvents: publishGeofenceEvents,
    wakeOutbox,
  });
  const writer = new LocationWriter(
    db.sql,
    afterCommit({
      publish: (groupId, created) => live.publish(locationSource, groupId, created),
      wakeOutbox,
      observe: ({ created, durationMs }) => {
        metrics.locationsIngested.inc(created.length);
        metrics.dbWriteSeconds.observe(durationMs / 1000);
      },
    }),
    geofenceWrites(db.sql, geofenceCache, config.geofences, publishGeofenceEvents),
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
      geofences,
    },
    jobs: { webhookWorker, retention },
    metrics,
    rateLimits,
    async listenForChanges() {
      await Promise.all([
        pubsub.subscribe('keys.changed', 'all', (change) => apiKeys.changed(change)),
        pubsub.subscribe('geofences.changed', 'all', ({ groupId }) => geofenceCache.invalidate(groupId)),
      ]);
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
