// Limits and state changes hold when requests race: every count-then-insert limit, and
// no replay or redelivery touching a delivery that is being attempted. On PostgreSQL the
// requests really run at once (a pool of connections); the embedded database runs them
// one after another, so these tests matter most in CI's PostgreSQL run.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.ts';
import { AppError } from '../src/errors.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';
import { codes, startTestServer, type TestServer } from './helpers/server.ts';
import { CreateWebhook, createWebhook, deliveriesOf, Redeliver, Replay, report } from './helpers/webhooks.ts';

const MAX_WEBHOOKS = loadConfig({}).webhooks.maxPerGroup;
let server: TestServer;
const receivers: Receiver[] = [];
beforeAll(async () => {
  server = await startTestServer({ webhookWorker: true, maxStreamsPerKey: 3 });
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(() => server.stop());

describe('count-then-insert limits under concurrent requests', () => {
  it(`create at most ${MAX_WEBHOOKS} webhooks per group, however many ask at once`, async () => {
    const key = await server.key();
    const results = await Promise.all(
      Array.from({ length: MAX_WEBHOOKS + 20 }, (_, i) =>
        key.request(CreateWebhook, { input: { url: `http://127.0.0.1:9/hook-${i}` } }),
      ),
    );
    const created = results.filter((r) => r.data?.createWebhook);
    expect(created).toHaveLength(MAX_WEBHOOKS);
    expect(results.filter((r) => codes(r)[0] === 'CONFLICT')).toHaveLength(20);
    const stored = await server.runtime.db.prisma.webhook.count({ where: { groupId: key.groupId } });
    expect(stored).toBe(MAX_WEBHOOKS);
  });

  it('create one group of a name, the other attempts getting CONFLICT', async () => {
    const name = `race-${Date.now()}`;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => server.runtime.services.groups.create(name)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
      const reason = (outcome as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(AppError);
      expect((reason as AppError).code).toBe('CONFLICT');
    }
  });

  it('hold a key to LIVE_MAX_SUBSCRIPTIONS_PER_KEY when its subscriptions start at the same moment', async () => {
    const key = await server.key();
    const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const messages: { type: string; payload?: unknown }[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: key.key } }));
    await expect.poll(() => messages.some((m) => m.type === 'connection_ack')).toBe(true);
    try {
      // Ten subscriptions in one go: the key may hold three.
      for (let i = 0; i < 10; i++) {
        socket.send(
          JSON.stringify({
            id: String(i),
            type: 'subscribe',
            payload: { query: 'subscription { locationUpdates { cursor } }' },
          }),
        );
      }
      await expect
        .poll(() => messages.filter((m) => JSON.stringify(m).includes('RATE_LIMITED')).length)
        .toBe(7);
      expect(server.runtime.services.live.activeStreams).toBe(3);
    } finally {
      socket.close();
    }
    await expect.poll(() => server.runtime.services.live.activeStreams).toBe(0);
  });
});

describe('a delivery being attempted', () => {
  it('is never replayed or redelivered: the receiver never gets one webhook-id twice at once', async () => {
    const key = await server.key();
    const hook = await startReceiver();
    receivers.push(hook);
    // The receiver takes 1.5 s to answer: the attempt is in flight meanwhile.
    hook.reply = () => ({ status: 200, delayMs: 1500 });
    const { id } = await createWebhook(key, hook.url);
    const from = new Date(Date.now() - 60_000).toISOString();
    await report(key, 1);
    const [first] = await hook.waitFor(1);
    const { deliveries } = await deliveriesOf(key, id);
    expect(deliveries[0]!.status).toBe('DELIVERING');

    // Replaying only in-flight deliveries is refused; a plain replay leaves them alone.
    const inFlightOnly = await key.request(Replay, { id, from, status: 'DELIVERING' });
    expect(codes(inFlightOnly)).toEqual(['BAD_USER_INPUT']);
    const plain = await key.request(Replay, { id, from });
    expect(plain.data?.replayWebhookDeliveries.replayed).toBe(0);
    const redeliver = await key.request(Redeliver, { id: deliveries[0]!.id });
    expect(codes(redeliver)).toEqual(['CONFLICT']);
    await expect
      .poll(async () => (await deliveriesOf(key, id)).deliveries[0]!.status, { timeout: 5_000 })
      .toBe('SUCCEEDED');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hook.requests.filter((r) => r.id === first!.id)).toHaveLength(1);
  });
});
