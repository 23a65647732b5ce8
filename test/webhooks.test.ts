// Webhook delivery end to end: a real server, real HTTP receivers, signatures
// checked with the `standardwebhooks` package.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver, verify } from './helpers/receiver.ts';
import { codes, startTestServer, type TestServer, webhookOutcomes } from './helpers/server.ts';
import {
  CreateWebhook,
  createWebhook,
  DeleteWebhook,
  deliveriesOf,
  Redeliver,
  Replay,
  ReportLocations,
  RotateSecret,
  report,
  TestWebhook,
  UpdateWebhook,
  Webhooks,
} from './helpers/webhooks.ts';

let server: TestServer;
const receivers: Receiver[] = [];

async function receiver(path?: string): Promise<Receiver> {
  const r = await startReceiver(path);
  receivers.push(r);
  return r;
}

beforeAll(async () => {
  server = await startTestServer({
    webhookWorker: true,
    webhooks: { retrySchedule: [100, 100, 100], timeoutMs: 1000, secretOverlapMs: 1500 },
  });
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await server?.stop();
});

describe('delivering locations', () => {
  it('POSTs every new location, signed per Standard Webhooks, with the same data the API returns', async () => {
    const key = await server.key();
    const hook = await receiver();
    const { id, secret } = await createWebhook(key, hook.url);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);

    const stored = await report(key, 5);
    const requests = await hook.waitFor(5);
    for (const request of requests) {
      expect(() => verify(secret, request)).not.toThrow();
      expect(request.headers['content-type']).toBe('application/json');
      expect(Math.abs(Number(request.timestamp) - Date.now() / 1000)).toBeLessThan(60);
      expect(Buffer.byteLength(request.body)).toBeLessThan(20 * 1024);
    }
    // Any tampering breaks the signature.
    expect(() => verify(secret, { ...requests[0]!, body: requests[0]!.body.replace('52', '53') })).toThrow();

    const byCursor = new Map(requests.map((r) => [r.event.data.cursor, r]));
    for (const location of stored) {
      const request = byCursor.get(location.cursor)!;
      expect(request.event.type).toBe('location.created');
      expect(request.event.timestamp).toBe(location.receivedAt);
      const { sequence, ...data } = request.event.data;
      expect(typeof sequence).toBe('number');
      expect(data).toEqual(location);
    }
    // Sequences let a receiver order what arrives in any order.
    const sequences = requests.map((r) => r.event.data.sequence as number).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 5 }, (_, i) => sequences[0]! + i));

    // Results are recorded a few milliseconds after the attempt.
    await expect
      .poll(
        async () => (await deliveriesOf(key, id)).deliveries.filter((d) => d.status === 'SUCCEEDED').length,
      )
      .toBe(5);
    const { deliveries } = await deliveriesOf(key, id);
    expect(deliveries).toHaveLength(5);
    for (const delivery of deliveries) {
      expect(delivery).toMatchObject({ eventType: 'location.created', status: 'SUCCEEDED', attempts: 1 });
      expect(delivery.lastStatusCode).toBe(200);
      expect(delivery.deliveredAt).not.toBeNull();
      expect(delivery.nextAttemptAt).toBeNull();
      expect(requests.map((r) => r.id)).toContain(delivery.id);
    }
  });

  it('sends only the devices a webhook asks for, and nothing to another group’s webhooks', async () => {
    const key = await server.key();
    const other = await server.key();
    const onlyVan = await receiver();
    const everything = await receiver();
    const otherGroup = await receiver();
    await createWebhook(key, onlyVan.url, ['van-7']);
    await createWebhook(key, everything.url);
    await createWebhook(other, otherGroup.url);

    await report(key, 3, 'truck-1');
    await report(key, 2, 'van-7');
    await everything.waitFor(5);
    await onlyVan.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(onlyVan.requests.map((r) => r.event.data.deviceId)).toEqual(['van-7', 'van-7']);
    expect(everything.requests).toHaveLength(5);
    expect(otherGroup.requests).toHaveLength(0);
  });

  it('writes deliveries in the same transaction as the locations: none for a refused batch, all kept while no worker runs', async () => {
    const quiet = await startTestServer({ webhookWorker: false });
    try {
      const key = await quiet.key();
      const hook = await receiver();
      const { id } = await createWebhook(key, hook.url);
      const bad = await key.request(ReportLocations, {
        input: [
          { deviceId: 'a', latitude: 1, longitude: 1, recordedAt: new Date().toISOString() },
          { deviceId: 'a', latitude: 91, longitude: 1, recordedAt: new Date().toISOString() },
        ],
      });
      expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
      await report(key, 4);
      const { deliveries } = await deliveriesOf(key, id);
      expect(deliveries.map((d) => d.status)).toEqual(['PENDING', 'PENDING', 'PENDING', 'PENDING']);
      expect(await quiet.runtime.services.webhooks.backlog()).toBe(4);
      expect(hook.requests).toHaveLength(0);

      quiet.runtime.jobs.webhookWorker.start();
      await hook.waitFor(4);
      await expect.poll(() => webhookOutcomes(quiet.runtime.metrics)).toBe(4);
      await expect.poll(() => quiet.runtime.services.webhooks.backlog()).toBe(0);
    } finally {
      await quiet.stop();
    }
  });
});

describe('failures and retries', () => {
  it('retries a failing endpoint with the same webhook-id until it succeeds, recording each attempt', async () => {
    const key = await server.key();
    const hook = await receiver();
    hook.reply = (_request, index) =>
      index < 2 ? { status: 500, body: 'database is down' } : { status: 204 };
    const { id, secret } = await createWebhook(key, hook.url);
    await report(key, 1);
    const requests = await hook.waitFor(3);
    expect(new Set(requests.map((r) => r.id)).size).toBe(1);
    for (const request of requests) expect(() => verify(secret, request)).not.toThrow();
    await expect.poll(async () => (await deliveriesOf(key, id)).deliveries[0]?.status).toBe('SUCCEEDED');
    const [delivery] = (await deliveriesOf(key, id)).deliveries;
    expect(delivery).toMatchObject({
      id: requests[0]!.id,
      attempts: 3,
      lastStatusCode: 204,
      lastError: null,
    });
  });

  it('records why an attempt failed, and a delivery is dead after the last retry until redelivered', async () => {
    const key = await server.key();
    const hook = await receiver();
    hook.reply = () => ({ status: 500, body: 'x'.repeat(5000) });
    const { id } = await createWebhook(key, hook.url);
    await report(key, 1);
    await hook.waitFor(4); // the first attempt and 3 retries
    await expect.poll(async () => (await deliveriesOf(key, id)).deliveries[0]?.status).toBe('DEAD');
    const [dead] = (await deliveriesOf(key, id)).deliveries;
    expect(dead).toMatchObject({
      attempts: 4,
      lastStatusCode: 500,
      lastError: 'HTTP 500',
      nextAttemptAt: null,
    });
    expect(dead!.lastResponseBody).toHaveLength(2048);
    expect(dead!.lastDurationMs).toBeGreaterThanOrEqual(0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(hook.requests).toHaveLength(4);

    hook.reply = () => ({ status: 200 });
    const redelivered = await key.request(Redeliver, { id: dead!.id });
    expect(redelivered.data?.redeliverWebhookDelivery).toMatchObject({ status: 'PENDING', attempts: 0 });
    await hook.waitFor(5);
    expect(hook.requests[4]!.id).toBe(dead!.id);
    await expect.poll(async () => (await deliveriesOf(key, id)).deliveries[0]?.status).toBe('SUCCEEDED');
  });

  it('loses nothing while the endpoint is down for a while', async () => {
    const patient = await startTestServer({
      webhookWorker: true,
      webhooks: { retrySchedule: Array(10).fill(300) },
    });
    try {
      const key = await patient.key();
      const hook = await receiver();
      const { id } = await createWebhook(key, hook.url);
      await hook.down();
      const stored = await report(key, 20);
      await expect
        .poll(async () => (await deliveriesOf(key, id)).deliveries.filter((d) => d.attempts >= 2).length)
        .toBe(20);
      const { deliveries } = await deliveriesOf(key, id);
      expect(deliveries.every((d) => d.lastError?.includes('ECONNREFUSED'))).toBe(true);
      expect(deliveries.every((d) => d.status === 'FAILED' || d.status === 'DELIVERING')).toBe(true);
      expect(await patient.runtime.services.webhooks.backlog()).toBe(20);
      await hook.up();
      await expect
        .poll(
          async () => (await deliveriesOf(key, id)).deliveries.filter((d) => d.status === 'SUCCEEDED').length,
        )
        .toBe(20);
      expect(new Set(hook.requests.map((r) => r.event.data.cursor))).toEqual(
        new Set(stored.map((l) => l.cursor)),
      );
      expect(await patient.runtime.services.webhooks.backlog()).toBe(0);
    } finally {
      await patient.stop();
    }
  });

  it('fails an attempt that takes longer than the timeout', async () => {
    const key = await server.key();
    const hook = await receiver();
    hook.reply = (_request, index) => (index === 0 ? { status: 200, delayMs: 3000 } : { status: 200 });
    const { id } = await createWebhook(key, hook.url);
    await report(key, 1);
    await hook.waitFor(2, 10_000);
    await expect.poll(async () => (await deliveriesOf(key, id)).deliveries[0]?.status).toBe('SUCCEEDED');
    const [delivery] = (await deliveriesOf(key, id)).deliveries;
    expect(delivery!.attempts).toBe(2);
    const gap = hook.requests[1]!.receivedAt - hook.requests[0]!.receivedAt;
    expect(gap).toBeGreaterThanOrEqual(1000); // the timeout, then the retry
    expect(gap).toBeLessThan(3000);
  });

  it('treats a redirect as a failure and never follows it', async () => {
    const key = await server.key();
    const target = await receiver();
    const hook = await receiver();
    hook.reply = () => ({ status: 307, headers: { location: target.url } });
    const { id } = await createWebhook(key, hook.url);
    await report(key, 1);
    await hook.waitFor(4);
    await expect.poll(async () => (await deliveriesOf(key, id)).deliveries[0]?.status).toBe('DEAD');
    const [delivery] = (await deliveriesOf(key, id)).deliveries;
    expect(delivery!.lastStatusCode).toBe(307);
    expect(delivery!.lastError).toContain('not followed');
    expect(target.requests).toHaveLength(0);
  });

  it('disables a webhook that answers 410 Gone, holds its deliveries, and resumes them when enabled', async () => {
    const key = await server.key();
    const hook = await receiver();
    hook.reply = () => ({ status: 410 });
    const { id } = await createWebhook(key, hook.url);
    await report(key, 1);
    await hook.waitFor(1);
    await expect.poll(async () => (await deliveriesOf(key, id)).webhook.active).toBe(false);
    const { webhook, deliveries } = await deliveriesOf(key, id);
    expect(webhook.disabledReason).toContain('410');
    expect(deliveries[0]).toMatchObject({ status: 'FAILED', nextAttemptAt: null, lastStatusCode: 410 });

    await report(key, 2); // a disabled webhook gets no new deliveries
    expect(codes(await key.request(TestWebhook, { id }))).toEqual(['CONFLICT']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hook.requests).toHaveLength(1);
    expect((await deliveriesOf(key, id)).deliveries).toHaveLength(1);

    hook.reply = () => ({ status: 200 });
    const enabled = await key.request(UpdateWebhook, { id, input: { active: true } });
    expect(enabled.data?.updateWebhook).toMatchObject({ active: true, disabledReason: null });
    await hook.waitFor(2);
    await expect.poll(async () => (await deliveriesOf(key, id)).deliveries[0]?.status).toBe('SUCCEEDED');
  });

  it('honours Retry-After on 429 and 503', async () => {
    const key = await server.key();
    const hook = await receiver();
    hook.reply = (_request, index) =>
      index === 0
        ? { status: 429, headers: { 'retry-after': '2' } }
        : index === 1
          ? { status: 503, headers: { 'retry-after': new Date(Date.now() + 1500).toUTCString() } }
          : { status: 200 };
    await createWebhook(key, hook.url);
    await report(key, 1);
    const requests = await hook.waitFor(3, 10_000);
    // The schedule says 100 ms; the endpoint asked for 2 s, then for a date ~1.5 s ahead (second precision).
    expect(requests[1]!.receivedAt - requests[0]!.receivedAt).toBeGreaterThanOrEqual(1900);
    expect(requests[2]!.receivedAt - requests[1]!.receivedAt).toBeGreaterThanOrEqual(400);
  });

  it('disables a webhook whose deliveries all failed for longer than the configured period', async () => {
    const strict = await startTestServer({
      webhookWorker: true,
      webhooks: { retrySchedule: [100, 100, 100, 100, 100, 100, 100, 100], disableAfterMs: 500 },
    });
    try {
      const key = await strict.key();
      const hook = await receiver();
      hook.reply = () => ({ status: 500 });
      const { id } = await createWebhook(key, hook.url);
      await report(key, 1);
      await expect
        .poll(async () => (await deliveriesOf(key, id)).webhook.active, { timeout: 10_000 })
        .toBe(false);
      const { webhook } = await deliveriesOf(key, id);
      expect(webhook.disabledReason).toMatch(/^Every delivery failed since /);
      expect(webhook.failingSince).not.toBeNull();
    } finally {
      await strict.stop();
    }
  });
});

describe('managing webhooks', () => {
  it('rotates the secret: both secrets sign during the overlap, then only the new one', async () => {
    const key = await server.key();
    const hook = await receiver();
    const { id, secret: oldSecret } = await createWebhook(key, hook.url);
    const rotated = await key.request(RotateSecret, { id });
    const newSecret = rotated.data!.rotateWebhookSecret.secret;
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.data!.rotateWebhookSecret.webhook.previousSecretExpiresAt).not.toBeNull();

    await report(key, 1);
    const [during] = await hook.waitFor(1);
    expect(during!.signature.split(' ')).toHaveLength(2);
    expect(() => verify(oldSecret, during!)).not.toThrow();
    expect(() => verify(newSecret, during!)).not.toThrow();

    await new Promise((resolve) => setTimeout(resolve, 1600)); // the overlap is 1.5 s here
    await report(key, 1);
    const [, after] = await hook.waitFor(2);
    expect(after!.signature.split(' ')).toHaveLength(1);
    expect(() => verify(newSecret, after!)).not.toThrow();
    expect(() => verify(oldSecret, after!)).toThrow();
  });

  it('sends a test event, replays a time range, updates and deletes', async () => {
    const key = await server.key();
    const hook = await receiver();
    const { id, secret } = await createWebhook(key, hook.url);

    const test = await key.request(TestWebhook, { id });
    expect(test.data?.testWebhook).toMatchObject({ eventType: 'webhook.test', status: 'PENDING' });
    const [testRequest] = await hook.waitFor(1);
    expect(testRequest!.event).toMatchObject({ type: 'webhook.test', data: { webhookId: id } });
    expect(() => verify(secret, testRequest!)).not.toThrow();

    const from = new Date().toISOString();
    await report(key, 3);
    await hook.waitFor(4);
    await expect
      .poll(
        async () => (await deliveriesOf(key, id)).deliveries.filter((d) => d.status === 'SUCCEEDED').length,
      )
      .toBe(4);
    const replay = await key.request(Replay, { id, from });
    expect(replay.data?.replayWebhookDeliveries.replayed).toBe(3);
    const all = await hook.waitFor(7);
    const locationIds = all.slice(1, 4).map((r) => r.id);
    expect(
      all
        .slice(4)
        .map((r) => r.id)
        .sort(),
    ).toEqual([...locationIds].sort()); // the same webhook-ids again
    const none = await key.request(Replay, { id, from, status: 'DEAD' });
    expect(none.data?.replayWebhookDeliveries.replayed).toBe(0);

    const other = await receiver();
    const updated = await key.request(UpdateWebhook, {
      id,
      input: { url: other.url, deviceIds: ['bike-2'] },
    });
    expect(updated.data?.updateWebhook).toMatchObject({ url: other.url, deviceIds: ['bike-2'] });
    await report(key, 1, 'truck-1');
    await report(key, 1, 'bike-2');
    const [moved] = await other.waitFor(1);
    expect(moved!.event.data.deviceId).toBe('bike-2');

    expect((await key.request(DeleteWebhook, { id })).data?.deleteWebhook.id).toBe(id);
    await report(key, 1, 'bike-2');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(other.requests).toHaveLength(1);
    expect((await key.request(Webhooks, {})).data?.webhooks).toEqual([]);
  });

  it('pages the delivery log and filters it by status', async () => {
    const key = await server.key();
    const hook = await receiver();
    const { id } = await createWebhook(key, hook.url);
    await report(key, 5);
    await hook.waitFor(5);
    await expect
      .poll(
        async () => (await deliveriesOf(key, id)).deliveries.filter((d) => d.status === 'SUCCEEDED').length,
      )
      .toBe(5);
    const seen: string[] = [];
    let after: string | null | undefined;
    for (;;) {
      const page = await key.request(Webhooks, { first: 2, after });
      const connection = page.data!.webhooks[0]!.deliveries;
      seen.push(...connection.edges.map((e) => e.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    const createdAt = (await deliveriesOf(key, id)).deliveries.map((d) => d.createdAt);
    expect([...createdAt].sort().reverse()).toEqual(createdAt); // newest first
    const failed = await key.request(Webhooks, { status: 'FAILED' });
    expect(failed.data!.webhooks[0]!.deliveries.edges).toEqual([]);
    const badCursor = await key.request(Webhooks, { after: 'nope' });
    expect(codes(badCursor)).toEqual(['BAD_USER_INPUT']);
  });

  it('validates input with the offending field, and keeps groups and scopes apart', async () => {
    const key = await server.key();
    const bad = await key.request(CreateWebhook, {
      input: { url: 'ftp://example.com/x', description: 'd'.repeat(501), deviceIds: ['ok', ''] },
    });
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors![0]!.extensions!.issues!.map((i) => i.field)).toEqual([
      'input.url',
      'input.description',
      'input.deviceIds[1]',
    ]);
    expect((await key.request(Webhooks, {})).data?.webhooks).toEqual([]); // nothing written

    const hook = await receiver();
    const { id } = await createWebhook(key, hook.url);
    const stranger = await server.key();
    for (const response of [
      await stranger.request(UpdateWebhook, { id, input: { active: false } }),
      await stranger.request(DeleteWebhook, { id }),
      await stranger.request(RotateSecret, { id }),
      await stranger.request(TestWebhook, { id }),
      await stranger.request(Replay, { id, from: new Date(0).toISOString() }),
    ]) {
      expect(codes(response)).toEqual(['NOT_FOUND']);
    }
    const delivery = (await key.request(TestWebhook, { id })).data!.testWebhook;
    expect(codes(await stranger.request(Redeliver, { id: delivery.id }))).toEqual(['NOT_FOUND']);
    expect(codes(await key.request(Redeliver, { id: 'not-a-uuid' }))).toEqual(['NOT_FOUND']);
    expect((await stranger.request(Webhooks, {})).data?.webhooks).toEqual([]);

    const reader = await server.key({ groupId: key.groupId, scopes: ['locations:read', 'locations:write'] });
    expect(codes(await reader.request(Webhooks, {}))).toEqual(['FORBIDDEN']);
    expect(codes(await reader.request(CreateWebhook, { input: { url: hook.url } }))).toEqual(['FORBIDDEN']);
  });
});
