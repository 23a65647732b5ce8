// Operation ids on one WebSocket: a `complete` followed at once by a `subscribe` with the
// same id (graphql-ws 6.4.2 races there) never leaves an operation running unseen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { graphql } from './gql/index.ts';
import { startTestServer, type TestKey, type TestServer } from './helpers/server.ts';

const ReportOne = graphql(`
  mutation ReportOne($input: LocationInput!) {
    reportLocation(input: $input) {
      cursor
    }
  }
`);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ maxStreamsPerKey: 3 });
});
afterAll(() => server.stop());

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const UPDATES = 'subscription { locationUpdates { cursor deviceId } }';

interface Message {
  type: string;
  id?: string;
  payload?: { data?: { locationUpdates?: { cursor: string } }; errors?: unknown[] };
}

/** A raw graphql-transport-ws client: sends protocol messages as they are, records what comes back. */
async function rawSocket(key: TestKey) {
  const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const messages: Message[] = [];
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Message));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: key.key } }));
  await expect.poll(() => messages.some((m) => m.type === 'connection_ack')).toBe(true);
  return {
    messages,
    closed,
    send: (message: object) => socket.send(JSON.stringify(message)),
    close: () => socket.close(1000),
  };
}

const subscribe = (id: string) => ({ id, type: 'subscribe', payload: { query: UPDATES } });
const live = () => server.runtime.services.live.activeStreams;
const gauge = async () => {
  const { body } = await server.runtime.metrics.render();
  return [...body.matchAll(/^gofindme_live_subscriptions\{transport="websocket"\} (\d+)$/gm)].map((m) =>
    Number(m[1]),
  )[0];
};

describe('an operation id completed and reused at once', () => {
  it('leaves no orphan: the key can still subscribe, and counts return to zero', async () => {
    const key = await server.key();
    // The reproduction from the issue: six sockets, each completing "a" and subscribing
    // "a" again back-to-back, then closing. The key may hold 3 live subscriptions.
    for (let round = 0; round < 6; round++) {
      const socket = await rawSocket(key);
      socket.send(subscribe('a'));
      await pause(300);
      socket.send({ id: 'a', type: 'complete' });
      socket.send(subscribe('a'));
      await pause(300);
      socket.close();
      await socket.closed;
    }
    await expect.poll(live).toBe(0);
    await expect.poll(gauge).toBe(0);
    // A new subscriber of the key is not refused.
    const socket = await rawSocket(key);
    socket.send(subscribe('b'));
    await pause(300);
    await key.request(ReportOne, {
      input: { deviceId: 'p', latitude: 1, longitude: 2, recordedAt: new Date().toISOString() },
    });
    await expect.poll(() => socket.messages.filter((m) => m.type === 'next').length).toBe(1);
    expect(socket.messages.find((m) => m.type === 'next')!.payload!.errors).toBeUndefined();
    socket.close();
    await expect.poll(live).toBe(0);
  });

  it('runs exactly one operation per id, and sends nothing for an id after its complete', async () => {
    const key = await server.key();
    const socket = await rawSocket(key);
    try {
      for (let i = 0; i < 5; i++) {
        socket.send(subscribe('a'));
        await pause(150);
        socket.send({ id: 'a', type: 'complete' });
        socket.send(subscribe('a'));
        await pause(150);
        socket.send({ id: 'a', type: 'complete' });
      }
      await pause(300);
      // Every "a" was completed by the client: nothing runs, nothing is sent for it.
      await expect.poll(live).toBe(0);
      const before = socket.messages.length;
      await key.request(ReportOne, {
        input: { deviceId: 'p', latitude: 1, longitude: 2, recordedAt: new Date().toISOString() },
      });
      await pause(500);
      expect(socket.messages.slice(before)).toEqual([]);
      // The server never completed an operation the client had not ended.
      expect(socket.messages.filter((m) => m.type === 'complete')).toEqual([]);

      // Now one live "a": one event is delivered once, not once per earlier operation.
      socket.send(subscribe('a'));
      await expect.poll(live).toBe(1);
      await key.request(ReportOne, {
        input: { deviceId: 'q', latitude: 1, longitude: 2, recordedAt: new Date().toISOString() },
      });
      await expect.poll(() => socket.messages.filter((m) => m.type === 'next').length).toBe(1);
      await pause(300);
      expect(socket.messages.filter((m) => m.type === 'next')).toHaveLength(1);
    } finally {
      socket.close();
    }
    await expect.poll(live).toBe(0);
  });

  it('still closes the socket with 4409 for a second subscribe of a running id', async () => {
    const key = await server.key();
    const socket = await rawSocket(key);
    socket.send(subscribe('dup'));
    await expect.poll(live).toBe(1);
    socket.send(subscribe('dup'));
    expect(await socket.closed).toBe(4409);
    await expect.poll(live).toBe(0);
  });
});
