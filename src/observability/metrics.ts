// Prometheus metrics (prom-client), served at /metrics. One registry per process
// (tests run several servers in one process, so nothing uses the global registry).
// The domain services stay free of prom-client: they take plain callbacks, and this
// module turns them into counters, gauges and histograms.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { BUDGETS } from '../auth/rateLimits.ts';

/** How a request arrived: plain HTTP (subscriptions there are SSE), graphql-sse, or WebSocket. */
export const TRANSPORTS = ['websocket', 'sse', 'graphql-sse'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** How reports arrive (`gofindme_ingest_locations_total{source}`). */
export const REPORT_SOURCES = ['graphql', 'owntracks', 'osmand', 'overland'] as const;

/** What retention deletes (`gofindme_retention_deleted_total{kind}`). */
export const RETENTION_KINDS = ['location', 'geofence_event', 'webhook_delivery'] as const;

/** Geofence event types (`gofindme_geofence_events_total{type}`). */
export const GEOFENCE_EVENT_TYPES = ['ENTER', 'EXIT', 'DWELL'] as const;

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];

  readonly locationsIngested = this.counter(
    'gofindme_locations_ingested_total',
    'Locations stored (retries of a stored clientId not counted).',
  );
  readonly locationsAccepted = this.labelledCounter(
    'gofindme_ingest_locations_total',
    'Fixes accepted, by how they arrived: graphql, owntracks, osmand or overland (retries of a stored fix included).',
    'source',
  );
  readonly dbWriteSeconds = this.histogram(
    'gofindme_db_write_duration_seconds',
    'Time to store one coalesced write of locations (with their webhook outbox rows), until COMMIT.',
  );
  readonly liveSubscriptions = new Gauge({
    name: 'gofindme_live_subscriptions',
    help: 'Open live subscriptions (locationUpdates and geofenceEvents) on this instance, by transport.',
    labelNames: ['transport'] as const,
    registers: this.registers,
  });
  readonly eventsPublished = this.counter(
    'gofindme_live_events_published_total',
    'Locations published to the PubSub after their commit.',
  );
  readonly eventsDelivered = this.counter(
    'gofindme_live_events_delivered_total',
    'Locations handed to live subscribers (replayed ones included).',
  );
  readonly deliveryLatency = this.histogram(
    'gofindme_live_delivery_latency_seconds',
    'From a location being stored (receivedAt) to its live event being handed to a subscriber; live events only.',
  );
  readonly pubsubErrors = this.counter(
    'gofindme_pubsub_errors_total',
    'Failed PubSub publishes and lost PubSub connections.',
  );
  readonly webhookDeliveries = this.labelledCounter(
    'gofindme_webhook_deliveries_total',
    'Finished webhook attempts by outcome: succeeded, failed (retry scheduled) or dead (no retries left).',
    'outcome',
  );
  readonly retentionDeleted = this.labelledCounter(
    'gofindme_retention_deleted_total',
    'Rows deleted by retention (RETENTION_DAYS), by kind: location, geofence_event, webhook_delivery.',
    'kind',
  );
  readonly rateLimited = this.labelledCounter(
    'gofindme_rate_limited_total',
    'Requests refused by the per-key rate limits, by budget: reports, reads, manage, or device (a device of a key).',
    'budget',
  );
  readonly geofenceEvents = this.labelledCounter(
    'gofindme_geofence_events_total',
    'Geofence events stored by this instance, by type: ENTER, EXIT, DWELL (EXITs of removed geofences included).',
    'type',
  );
  readonly webhookAttemptSeconds = this.histogram(
    'gofindme_webhook_attempt_duration_seconds',
    'Duration of webhook HTTP attempts.',
  );

  constructor(options: { webhookBacklog: () => Promise<number> }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'gofindme_' });
    // Every known label value starts at 0, so that an alert on a rate sees the first increment.
    for (const outcome of ['succeeded', 'failed', 'dead']) this.webhookDeliveries.inc({ outcome }, 0);
    for (const transport of TRANSPORTS) this.liveSubscriptions.set({ transport }, 0);
    for (const budget of BUDGETS) this.rateLimited.inc({ budget }, 0);
    for (const kind of RETENTION_KINDS) this.retentionDeleted.inc({ kind }, 0);
    for (const source of REPORT_SOURCES) this.locationsAccepted.inc({ source }, 0);
    for (const type of GEOFENCE_EVENT_TYPES) this.geofenceEvents.inc({ type }, 0);
    const deliveries = this.webhookDeliveries;
    new Gauge({
      name: 'gofindme_webhook_success_ratio',
      help: 'Share of finished webhook attempts that succeeded since the process started (1 when there were none).',
      registers: [this.registry],
      async collect() {
        const { values } = await deliveries.get();
        const count = (outcome: string) => values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
        const total = count('succeeded') + count('failed') + count('dead');
        this.set(total === 0 ? 1 : count('succeeded') / total);
      },
    });
    new Gauge({
      name: 'gofindme_webhook_backlog',
      help: 'Webhook deliveries of active webhooks not delivered yet (pending, being attempted or waiting to retry). Cluster-wide: read from the shared database, so every instance reports the same value; do not sum it across instances.',
      registers: [this.registry],
      async collect() {
        this.set(await options.webhookBacklog());
      },
    });
  }

  private counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: this.registers });
  }

  private labelledCounter<L extends string>(name: string, help: string, label: L): Counter<L> {
    return new Counter({ name, help, labelNames: [label], registers: this.registers });
  }

  private histogram(name: string, help: string): Histogram {
    return new Histogram({ name, help, buckets: LATENCY_BUCKETS, registers: this.registers });
  }

  /** The Prometheus text exposition. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
