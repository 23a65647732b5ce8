import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { graphql } from './gql/index.ts';
import { startTestServer, type TestKey, type TestServer } from './helpers/server.ts';
import { subscribe, TRANSPORTS } from './helpers/subscriptions.ts';

const UPDATES = graphql(`
  subscription KeptAliveUpdates {
    locationUpdates {
      cursor
    }
  }
`);

let server: TestServer;
let key: TestKey;
beforeAll(async () => {
  server = await startTestServer();
  key = await server.key();
});
afterAll(() => server.stop());

const streams = () => server.runtime.services.live.activeStreams;

describe('connection lifecycle', () => {
  it.each(TRANSPORTS)('cleans up a %s stream when the client goes away', async (transport) => {
    const sub = subscribe(transport, server.url, key.key, UPDATES);
    await expect.poll(streams, { timeout: 5_000 }).toBe(1);
    await sub.close();
    await expect.poll(streams, { timeout: 5_000 }).toBe(0);
  });

  it('cleans up when a WebSocket dies without a goodbye', async () => {
    const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: key.key } }));
    await new Promise((resolve) => socket.once('message', resolve));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: print(UPDATES) } }));
    await expect.poll(streams, { timeout: 5_000 }).toBe(1);
    socket.terminate();
    await expect.poll(streams, { timeout: 5_000 }).toBe(0);
  });
});

describe('keepalive', { timeout: 30_000 }, () => {
  it('pings idle SSE streams and WebSockets at least every 15 seconds', async () => {
    // Yoga's SSE: comment lines as heartbeats.
    const controller = new AbortController();
    const sse = await fetch(server.url, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', 'x-api-key': key.key },
      body: JSON.stringify({ query: print(UPDATES) }),
      signal: controller.signal,
    });
    const sseBeats: number[] = [];
    const readSse = (async () => {
      try {
        for await (const chunk of sse.body as unknown as AsyncIterable<Uint8Array>) {
          if (new TextDecoder().decode(chunk).startsWith(':')) sseBeats.push(Date.now());
        }
      } catch {}
    })();

    // graphql-sse: the same heartbeats on /graphql/stream.
    const streamController = new AbortController();
    const stream = await fetch(`${server.url}/stream`, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', 'x-api-key': key.key },
      body: JSON.stringify({ query: print(UPDATES) }),
      signal: streamController.signal,
    });
    const streamBeats: number[] = [];
    const readStream = (async () => {
      try {
        for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
          if (new TextDecoder().decode(chunk).includes(':\n\n')) streamBeats.push(Date.now());
        }
      } catch {}
    })();

    // WebSocket: protocol-level pings, answered with pongs by the client.
    const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const pings: number[] = [];
    socket.on('ping', () => pings.push(Date.now()));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: key.key } }));

    const started = Date.now();
    await expect
      .poll(() => streamBeats.filter((t) => t > started + 1000).length > 0 && pings.length > 0, {
        timeout: 15_500,
        interval: 250,
      })
      .toBe(true);
    expect(sseBeats.length).toBeGreaterThan(1);
    expect(Math.min(...pings) - started).toBeLessThanOrEqual(15_000);

    controller.abort();
    streamController.abort();
    socket.terminate();
    await Promise.all([readSse, readStream]);
  });
});
