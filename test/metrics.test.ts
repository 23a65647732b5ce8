// /metrics: Prometheus text format, present from the start and moving with traffic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver } from './helpers/receiver.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { subscribe } from './helpers/subscriptions.ts';
import { createWebhook, report } from './helpers/webhooks.ts';

let server: TestServer;
let base: string;

beforeAll(async () => {
  server = await startTestServer({ webhookWorker: true, webhooks: { retrySchedule: [60_000] } });
  base = server.url.replace(/\/graphql$/, '');
});
afterAll(async () => {
  await server?.stop();
});

/** The samples of /metrics as `name{labels}` -> value. */
async function scrape(): Promise<Map<string, number>> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

const subscriptionsByTransport = (samples: Map<string, number>) =>
  ['websocket', 'graphql-sse', 'sse'].map((t) =>
    samples.get(`gofindme_live_subscriptions{transport="${t}"}`),
  );

describe('/metrics', () => {
  it('has every labelled counter at 0 for every known label from the start, so rates see the first increment', async () => {
    const fresh = await startTestServer();
    try {
      const text = await (await fetch(fresh.url.replace(/\/graphql$/, '/metrics'))).text();
      for (const budget of ['reports', 'reads', 'manage', 'device']) {
        expect(text).toContain(`gofindme_rate_limited_total{budget="${budget}"} 0`);
      }
      for (const kind of ['location', 'webhook_delivery']) {
        expect(text).toContain(`gofindme_retention_deleted_total{kind="${kind}"} 0`);
      }
      for (const outcome of ['succeeded', 'failed', 'dead']) {
        expect(text).toContain(`gofindme_webhook_deliveries_total{outcome="${outcome}"} 0`);
      }
      // The backlog is read from the shared database: the same on every instance.
      expect(text).toMatch(/# HELP gofindme_webhook_backlog .*Cluster-wide.*do not sum it across instances/);
    } finally {
      await fresh.stop();
    }
  });

  it('exposes process, ingest, live and webhook metrics, and they move when traffic flows', async () => {
    const before = await scrape();
    for (const name of [
      'gofindme_process_cpu_seconds_total',
      'gofindme_process_resident_memory_bytes',
      'gofindme_nodejs_eventloop_lag_seconds',
      'gofindme_nodejs_heap_size_used_bytes',
      'gofindme_locations_ingested_total',
      'gofindme_db_write_duration_seconds_count',
      'gofindme_live_events_published_total',
      'gofindme_live_events_delivered_total',
      'gofindme_live_delivery_latency_seconds_count',
      'gofindme_pubsub_errors_total',
      'gofindme_webhook_backlog',
      'gofindme_webhook_success_ratio',
      'gofindme_webhook_attempt_duration_seconds_count',
    ]) {
      expect(before.has(name), name).toBe(true);
    }
    for (const transport of ['websocket', 'sse', 'graphql-sse']) {
      expect(before.get(`gofindme_live_subscriptions{transport="${transport}"}`)).toBe(0);
    }
    expect(before.get('gofindme_webhook_deliveries_total{outcome="succeeded"}')).toBe(0);
    expect(before.get('gofindme_webhook_success_ratio')).toBe(1);

    const key = await server.key();
    const good = await startReceiver();
    const bad = await startReceiver();
    bad.reply = () => ({ status: 500 });
    await createWebhook(key, good.url);
    await createWebhook(key, bad.url);
    const query = 'subscription { locationUpdates { cursor } }';
    const ws = subscribe('ws', server.url, key.key, query);
    const graphqlSse = subscribe('graphql-sse', server.url, key.key, query);
    const sse = subscribe('sse', server.url, key.key, query);
    try {
      await expect.poll(async () => subscriptionsByTransport(await scrape())).toEqual([1, 1, 1]);

      await report(key, 3);
      await Promise.all([
        ws.waitFor(3),
        graphqlSse.waitFor(3),
        sse.waitFor(3),
        good.waitFor(3),
        bad.waitFor(3),
      ]);
      await expect
        .poll(async () => {
          const samples = await scrape();
          return ['succeeded', 'failed'].map((o) =>
            samples.get(`gofindme_webhook_deliveries_total{outcome="${o}"}`),
          );
        })
        .toEqual([3, 3]);
      const after = await scrape();
      expect(after.get('gofindme_locations_ingested_total')).toBe(3);
      expect(after.get('gofindme_db_write_duration_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(after.get('gofindme_live_events_published_total')).toBe(3);
      expect(after.get('gofindme_live_events_delivered_total')).toBe(9);
      expect(after.get('gofindme_live_delivery_latency_seconds_count')).toBe(9);
      expect(after.get('gofindme_webhook_deliveries_total{outcome="succeeded"}')).toBe(3);
      expect(after.get('gofindme_webhook_attempt_duration_seconds_count')).toBe(6);
      expect(after.get('gofindme_webhook_success_ratio')).toBe(0.5);
      // The failed ones wait for their retry (results are written a few ms after the attempt).
      await expect.poll(async () => (await scrape()).get('gofindme_webhook_backlog')).toBe(3);
    } finally {
      await ws.close();
      await graphqlSse.close();
      await sse.close();
      await good.close();
      await bad.close();
    }
    await expect.poll(async () => subscriptionsByTransport(await scrape())).toEqual([0, 0, 0]);
  });
});
