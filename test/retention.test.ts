// Retention: old locations, geofence events and webhook deliveries go, in batches, and nothing else does;
// resume cursors older than what is kept get CURSOR_EXPIRED.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { Retention } from '../src/retention.ts';
import { graphql } from './gql/index.ts';
import { startReceiver } from './helpers/receiver.ts';
import { startTestServer, type TestKey, type TestServer } from './helpers/server.ts';
import { subscribe } from './helpers/subscriptions.ts';
import { createWebhook, deliveriesOf, report } from './helpers/webhooks.ts';

const History = graphql(`
  query RetainedHistory {
    locations(first: 100) {
      edges {
        node {
          cursor
        }
      }
    }
  }
`);

const UPDATES = graphql(`
  subscription RetainedUpdates($after: String) {
    locationUpdates(after: $after) {
      cursor
    }
  }
`);

const CreateRetainedGeofence = graphql(`
  mutation CreateRetainedGeofence($input: CreateGeofenceInput!) {
    createGeofence(input: $input) {
      id
    }
  }
`);

const ReportRetained = graphql(`
  mutation ReportRetained($input: [LocationInput!]!) {
    reportLocations(input: $input) {
      cursor
    }
  }
`);

const RetainedEvents = graphql(`
  query RetainedEvents {
    geofenceEvents(first: 100) {
      edges {
        node {
          cursor
        }
      }
    }
  }
`);

const RETAINED_EVENTS = graphql(`
  subscription RetainedGeofenceEvents($after: String) {
    geofenceEvents(after: $after) {
      cursor
    }
  }
`);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ webhookWorker: true, retentionDays: 30 });
});
afterAll(async () => {
  await server?.stop();
});

/** Makes a group's first `count` locations look received 31 days ago. */
async function age(key: TestKey, count: number): Promise<void> {
  await server.runtime.db.sql.query(
    `UPDATE locations SET received_at = now() - interval '31 days' WHERE group_id = $1 AND sequence <= $2`,
    [key.groupId, count],
  );
}

/** `batched` settles once `firstBatch` (given as a Retention's onBatch) is first called. */
function afterFirstBatch(): { batched: Promise<void>; firstBatch: () => void } {
  let firstBatch: () => void = () => {};
  const batched = new Promise<void>((resolve) => {
    firstBatch = resolve;
  });
  return { batched, firstBatch };
}

const cursorsOf = async (key: TestKey) =>
  (await key.request(History, {})).data!.locations.edges.map((e) => e.node.cursor);

describe('retention', () => {
  it('deletes locations and deliveries older than RETENTION_DAYS, and nothing newer', async () => {
    const key = await server.key();
    const other = await server.key();
    const hook = await startReceiver();
    try {
      const { id } = await createWebhook(key, hook.url);
      const stored = await report(key, 5);
      const others = await report(other, 2);
      await hook.waitFor(5);
      await expect
        .poll(
          async () => (await deliveriesOf(key, id)).deliveries.filter((d) => d.status === 'SUCCEEDED').length,
        )
        .toBe(5);
      await age(key, 3);
      await server.runtime.db.sql.query(
        `UPDATE webhook_deliveries SET created_at = now() - interval '31 days'
         WHERE id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at LIMIT 2)`,
        [id],
      );

      const deleted = await server.runtime.jobs.retention.runOnce();
      expect(deleted).toEqual({ locations: 3, geofenceEvents: 0, deliveries: 2 });
      expect(await cursorsOf(key)).toEqual(stored.slice(3).map((l) => l.cursor));
      expect(await cursorsOf(other)).toEqual(others.map((l) => l.cursor));
      expect((await deliveriesOf(key, id)).deliveries).toHaveLength(3);
      expect(await server.runtime.jobs.retention.runOnce()).toEqual({
        locations: 0,
        geofenceEvents: 0,
        deliveries: 0,
      });

      // Resuming from before what is kept is refused; from the last deleted one it replays the rest.
      const expired = subscribe('ws', server.url, key.key, UPDATES, { after: stored[0]!.cursor });
      expect((await expired.waitFor(1))[0]!.errors![0]!.extensions).toMatchObject({ code: 'CURSOR_EXPIRED' });
      await expired.close();
      const resumed = subscribe('ws', server.url, key.key, UPDATES, { after: stored[2]!.cursor });
      const replayed = await resumed.waitFor(2);
      expect(replayed.map((r) => (r.data!.locationUpdates as { cursor: string }).cursor)).toEqual(
        stored.slice(3).map((l) => l.cursor),
      );
      await resumed.close();
    } finally {
      await hook.close();
    }
  });

  it('refuses a cursor of a group whose locations were all deleted', async () => {
    const key = await server.key();
    const stored = await report(key, 2);
    await age(key, 2);
    await server.runtime.jobs.retention.runOnce();
    expect(await cursorsOf(key)).toEqual([]);
    const expired = subscribe('ws', server.url, key.key, UPDATES, { after: stored[0]!.cursor });
    expect((await expired.waitFor(1))[0]!.errors![0]!.extensions).toMatchObject({ code: 'CURSOR_EXPIRED' });
    await expired.close();
  });

  it('deletes geofence events older than RETENTION_DAYS; resuming geofenceEvents from before them is CURSOR_EXPIRED', async () => {
    const key = await server.key();
    const created = await key.request(CreateRetainedGeofence, {
      input: { name: 'Depot', circle: { latitude: 52, longitude: 13, radiusMeters: 100 } },
    });
    expect(created.errors).toBeUndefined();
    const at = (latitude: number, minutesAgo: number) => ({
      deviceId: 'van',
      latitude,
      longitude: 13,
      recordedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    });
    for (const [i, latitude] of [52, 53, 52, 53].entries()) {
      expect((await key.request(ReportRetained, { input: [at(latitude, 10 - i)] })).errors).toBeUndefined();
    }
    const events = async () =>
      (await key.request(RetainedEvents, {})).data!.geofenceEvents.edges.map((e) => e.node.cursor);
    const stored = await events();
    expect(stored).toHaveLength(4);
    await server.runtime.db.sql.query(
      `UPDATE geofence_events SET created_at = now() - interval '31 days' WHERE group_id = $1 AND sequence <= 2`,
      [key.groupId],
    );
    expect(await server.runtime.jobs.retention.runOnce()).toMatchObject({ geofenceEvents: 2 });
    expect(await events()).toEqual(stored.slice(2));
    const expired = subscribe('sse', server.url, key.key, RETAINED_EVENTS, { after: stored[0]! });
    expect((await expired.waitFor(1))[0]!.errors![0]!.extensions).toMatchObject({ code: 'CURSOR_EXPIRED' });
    await expired.close();
    const resumed = subscribe('sse', server.url, key.key, RETAINED_EVENTS, { after: stored[1]! });
    expect((await resumed.waitFor(2)).map((r) => r.data!.geofenceEvents.cursor)).toEqual(stored.slice(2));
    await resumed.close();
  });

  it('works in small batches, one instance at a time: another finds it at work and leaves it', async () => {
    const key = await server.key();
    await report(key, 25);
    await age(key, 21);
    const options = { days: 30, intervalMs: 3_600_000, batchSize: 4 };
    const { batched, firstBatch } = afterFirstBatch();
    const working = new Retention(server.runtime.db.sql, { ...options, onBatch: () => firstBatch() });
    const other = new Retention(server.runtime.db.sql, options);
    const running = working.runOnce();
    // While the first pauses after its first batch, a second instance's run does nothing: each
    // instance working at its own pace would add up to more than the pace asked of retention.
    await batched;
    expect(await other.runOnce()).toEqual({ locations: 0, geofenceEvents: 0, deliveries: 0 });
    expect((await running).locations).toBe(21);
    expect(await cursorsOf(key)).toHaveLength(4);
    // Once it is done, the lock is free again: started together, one deletes the 4 kept and 3 new, the other nothing.
    await report(key, 3);
    await age(key, 28);
    const together = await Promise.all([working.runOnce(), other.runOnce()]);
    expect(together.map((r) => r.locations).sort()).toEqual([0, 7]);
  });

  it('leaves the database to the writes most of the time: it pauses after each batch', async () => {
    const key = await server.key();
    await report(key, 13);
    await age(key, 13);
    const batches: number[] = [];
    // A twentieth of the time at work: after each batch it waits nineteen times as long.
    const paced = new Retention(server.runtime.db.sql, {
      days: 30,
      intervalMs: 3_600_000,
      batchSize: 4,
      onBatch: (ms) => batches.push(ms),
    });
    const started = performance.now();
    expect((await paced.runOnce()).locations).toBe(13);
    const elapsed = performance.now() - started;
    // Locations 4 + 4 + 4 + 1 rows, then one (empty) batch each of geofence events and deliveries.
    expect(batches).toHaveLength(6);
    // Each full batch is followed by a pause of nineteen times its duration.
    const paused = batches.slice(0, 3).reduce((sum, ms) => sum + 19 * ms, 0);
    expect(elapsed).toBeGreaterThanOrEqual(batches.reduce((a, b) => a + b, 0) + paused - 3);
  });

  it('stops a run under way after its current batch, not after its pauses', async () => {
    const key = await server.key();
    await report(key, 12);
    await age(key, 12);
    const { batched, firstBatch } = afterFirstBatch();
    // A hundredth of the time at work: after a batch of a few ms, a pause of a few hundred.
    const slow = new Retention(server.runtime.db.sql, {
      days: 30,
      intervalMs: 3_600_000,
      batchSize: 3,
      dutyCycle: 0.01,
      onBatch: () => firstBatch(),
    });
    const running = slow.runOnce();
    await batched;
    await slow.stop();
    // One batch went; the other nine are left for the next start (a backlog of many days
    // would otherwise hold a shutdown for minutes).
    expect((await running).locations).toBe(3);
    expect(await cursorsOf(key)).toHaveLength(9);
    // A later run starts afresh and finishes the work (without pauses, to keep the test short).
    const after = new Retention(server.runtime.db.sql, { days: 30, intervalMs: 3_600_000, dutyCycle: 1 });
    expect((await after.runOnce()).locations).toBe(9);
  });

  it('keeps everything with RETENTION_DAYS=0', async () => {
    const key = await server.key();
    await report(key, 2);
    await age(key, 2);
    const keepAll = new Retention(server.runtime.db.sql, { days: 0, intervalMs: 3_600_000 });
    expect(keepAll.enabled).toBe(false);
    expect(await keepAll.runOnce()).toEqual({ locations: 0, geofenceEvents: 0, deliveries: 0 });
    expect(await cursorsOf(key)).toHaveLength(2);
    // Clean up for the other tests' counts.
    await server.runtime.jobs.retention.runOnce();
  });

  it('reads its settings', () => {
    expect(loadConfig({}).retention).toEqual({ days: 30, intervalMs: 3_600_000 });
    expect(loadConfig({ RETENTION_DAYS: '0', RETENTION_INTERVAL: '10m' }).retention).toEqual({
      days: 0,
      intervalMs: 600_000,
    });
    expect(() => loadConfig({ RETENTION_DAYS: '-1' })).toThrow(ConfigError);
  });
});
