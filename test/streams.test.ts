// Every event stream is bounded, on every transport and mode: a client that stops reading
// falls behind inside its own bounded buffer and is ended with SLOW_CONSUMER; graphql-sse
// single-connection reservations are bound to their key, expire when not opened, and are
// capped per key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocationInput } from './gql/graphql.ts';
import { graphql } from './gql/index.ts';
import { startTestServer, type TestKey, type TestServer } from './helpers/server.ts';

const ReportFlood = graphql(`
  mutation ReportFlood($input: [LocationInput!]!) {
    reportLocations(input: $input) {
      cursor
    }
  }
`);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    bufferLimit: 200,
    reservationTimeoutMs: 600,
    maxReservationsPerKey: 2,
    queryLimits: { maxAliases: 500 },
  });
});
afterAll(() => server.stop());

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fix = (deviceId: string, latitude: number): LocationInput => ({
  deviceId,
  latitude,
  longitude: 13.4,
  recordedAt: new Date().toISOString(),
});
const sequenceOf = (cursor: string) => Number(Buffer.from(cursor, 'base64url').toString().split(':')[1]);
const streamUrl = () => `${server.url}/stream`;
// Each field asked many times, so that every event is large and socket buffers fill fast.
const WIDE = Array.from({ length: 60 }, (_, i) => `a${i}: cursor b${i}: recordedAt`).join(' ');
const WIDE_UPDATES = `subscription { locationUpdates { cursor ${WIDE} } }`;

async function flood(key: TestKey, batches = 30) {
  for (let i = 0; i < batches; i++) {
    const response = await key.request(ReportFlood, {
      input: Array.from({ length: 100 }, (_, j) => fix('flood', j % 90)),
    });
    expect(response.errors).toBeUndefined();
  }
}

/** Reads an event stream to its end. */
async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array>, text = ''): Promise<string> {
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
}

/** What a stream that fell behind shows: a gap-free prefix of the events, then SLOW_CONSUMER. */
function expectEndedSlow(text: string, published: number) {
  expect(text).toContain('SLOW_CONSUMER');
  const sequences = [...text.matchAll(/"cursor":"([^"]+)"/g)].map((m) => sequenceOf(m[1]!));
  expect(sequences.length).toBeLessThan(published);
  expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
}

function request(key: TestKey, init: RequestInit & { headers?: Record<string, string> }, query = '') {
  return fetch(`${streamUrl()}${query}`, { ...init, headers: { 'x-api-key': key.key, ...init.headers } });
}

async function reserve(key: TestKey): Promise<string> {
  const response = await request(key, { method: 'PUT' });
  expect(response.status).toBe(201);
  return response.text();
}

function operation(key: TestKey, token: string, id: string, query: string) {
  return request(key, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': token },
    body: JSON.stringify({ query, extensions: { operationId: id } }),
  });
}

describe('a graphql-sse client that stops reading', () => {
  it('is ended with SLOW_CONSUMER in distinct-connections mode, and the server stays fine', async () => {
    const key = await server.key();
    const response = await request(key, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ query: WIDE_UPDATES }),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    await reader.read(); // the stream is open; now stop reading
    await flood(key);
    expect((await fetch(server.url.replace('/graphql', '/healthz'))).status).toBe(200);
    expectEndedSlow(await readToEnd(reader), 3000);
    await expect.poll(() => server.runtime.services.live.activeStreams).toBe(0);
  });

  it('is ended with SLOW_CONSUMER on a reserved stream, also for results that came before it opened', async () => {
    const key = await server.key();
    const token = await reserve(key);
    expect((await operation(key, token, 'op-1', WIDE_UPDATES)).status).toBe(202);
    // Results arrive while nobody has opened the stream yet.
    await flood(key, 5);
    const opened = await request(key, {
      method: 'GET',
      headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': token },
    });
    expect(opened.status).toBe(200);
    const reader = opened.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('SLOW_CONSUMER')) text += decoder.decode((await reader.read()).value);
    expectEndedSlow(text, 500);
    // The operation is over (complete), the stream stays open for others.
    while (!text.includes('event: complete')) text += decoder.decode((await reader.read()).value);
    await expect.poll(() => server.runtime.services.live.activeStreams).toBe(0);
    await reader.cancel();
  });
});

describe('graphql-sse reservations', () => {
  it('are dropped with what was queued for them when not opened in time', async () => {
    const key = await server.key();
    const token = await reserve(key);
    expect((await operation(key, token, 'op-1', 'subscription { locationUpdates { cursor } }')).status).toBe(
      202,
    );
    await expect.poll(() => server.runtime.services.live.activeStreams).toBe(1);
    await pause(900); // the test server drops reservations after 600 ms
    await expect.poll(() => server.runtime.services.live.activeStreams).toBe(0);
    const late = await request(key, {
      method: 'GET',
      headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': token },
    });
    expect(late.status).toBe(404);
    expect(await late.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }] });
  });

  it('are capped per key, and a dropped one frees its place', async () => {
    const key = await server.key();
    const other = await server.key({ groupId: key.groupId });
    await reserve(key);
    const second = await reserve(key);
    const third = await request(key, { method: 'PUT' });
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMITED' } }] });
    await reserve(other); // another key has its own
    // Opening and closing one frees its place.
    const controller = new AbortController();
    const opened = await request(key, {
      method: 'GET',
      headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': second },
      signal: controller.signal,
    });
    expect(opened.status).toBe(200);
    controller.abort();
    await expect.poll(async () => (await request(key, { method: 'PUT' })).status).toBe(201);
  });

  it('use a token the server chose, found only by the key that reserved it', async () => {
    const owner = await server.key();
    const sameGroup = await server.key({ groupId: owner.groupId });
    const stranger = await server.key();
    const chosen = 'my-own-token';
    const response = await request(owner, {
      method: 'PUT',
      headers: { 'x-graphql-event-stream-token': chosen },
    });
    const token = await response.text();
    expect(token).not.toBe(chosen);
    expect(token).toMatch(/^[A-Za-z0-9_-]{24,}$/);

    for (const other of [sameGroup, stranger]) {
      const headers = { 'x-graphql-event-stream-token': token };
      const open = await request(other, {
        method: 'GET',
        headers: { ...headers, accept: 'text/event-stream' },
      });
      const post = await operation(other, token, 'x', 'subscription { locationUpdates { cursor } }');
      const remove = await request(other, { method: 'DELETE', headers }, '?operationId=x');
      const byQuery = await request(
        other,
        { method: 'GET', headers: { accept: 'text/event-stream' } },
        `?token=${token}`,
      );
      expect([open.status, post.status, remove.status, byQuery.status]).toEqual([404, 404, 404, 404]);
    }
    // The owner's reservation is intact: it opens, runs an operation and completes it.
    const controller = new AbortController();
    const opened = await request(owner, {
      method: 'GET',
      headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': token },
      signal: controller.signal,
    });
    expect(opened.status).toBe(200);
    expect((await operation(owner, token, 'mine', '{ viewer { id } }')).status).toBe(202);
    const reader = opened.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: complete')) text += decoder.decode((await reader.read()).value);
    expect(text).toContain(`"id":"mine"`);
    expect(text).toContain(owner.id);
    controller.abort();
  });

  it('run at most WS_MAX_OPERATIONS_PER_CONNECTION operations at once', async () => {
    const limited = await startTestServer({ database: server.database, maxOperationsPerConnection: 2 });
    try {
      const key = await limited.key();
      const put = await fetch(`${limited.url}/stream`, { method: 'PUT', headers: { 'x-api-key': key.key } });
      const token = await put.text();
      const start = (id: string) =>
        fetch(`${limited.url}/stream`, {
          method: 'POST',
          headers: {
            'x-api-key': key.key,
            'content-type': 'application/json',
            'x-graphql-event-stream-token': token,
          },
          body: JSON.stringify({
            query: 'subscription { locationUpdates { cursor } }',
            extensions: { operationId: id },
          }),
        });
      expect((await start('1')).status).toBe(202);
      expect((await start('2')).status).toBe(202);
      const third = await start('3');
      expect(third.status).toBe(429);
      expect(await third.json()).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMITED' } }] });
    } finally {
      await limited.stop();
    }
  });
});
