import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LiveUpdatesSubscription, LocationInput } from './gql/graphql.ts';
import { graphql } from './gql/index.ts';
import { startTestServer, type TestKey, type TestServer } from './helpers/server.ts';
import { type Result, subscribe, TRANSPORTS, type Transport } from './helpers/subscriptions.ts';

const ReportLive = graphql(`
  mutation ReportLive($input: [LocationInput!]!) {
    reportLocations(input: $input) {
      cursor
    }
  }
`);

const RevokeLive = graphql(`
  mutation RevokeLive($id: ID!) {
    revokeApiKey(id: $id) {
      id
    }
  }
`);

const StreamPosition = graphql(`
  query StreamPosition {
    viewer {
      name
      group {
        streamCursor
      }
    }
  }
`);

const UPDATES = graphql(`
  subscription LiveUpdates($deviceId: String, $after: String) {
    locationUpdates(deviceId: $deviceId, after: $after) {
      cursor
      deviceId
      latitude
      recordedAt
    }
  }
`);

let server: TestServer;
beforeAll(async () => {
  // The slow-consumer tests make events large with 120 aliases: allow them here.
  server = await startTestServer({
    bufferLimit: 200,
    queryLimits: { maxAliases: 500 },
  });
});
afterAll(() => server.stop());

const fix = (deviceId: string, latitude: number): LocationInput => ({
  deviceId,
  latitude,
  longitude: 13.4,
  recordedAt: new Date().toISOString(),
});
const sequenceOf = (cursor: string) => Number(Buffer.from(cursor, 'base64url').toString().split(':')[1]);
const update = (result: Result<LiveUpdatesSubscription>) => result.data!.locationUpdates;
const report = async (key: TestKey, input: LocationInput[]) => {
  const response = await key.request(ReportLive, { input });
  expect(response.errors).toBeUndefined();
  return response.data!.reportLocations.map((l) => l.cursor);
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Subscribes and returns once the subscription is certainly live: two primer locations
 * are written, the subscription resumes after the first and receives the second, which
 * it can only do after it has subscribed to the live topic. The primer is then dropped.
 */
async function liveSubscription(
  transport: Transport,
  key: TestKey,
  variables: { deviceId?: string } = {},
  writer: TestKey = key,
) {
  const [before] = await report(writer, [
    fix(variables.deviceId ?? 'primer', -1),
    fix(variables.deviceId ?? 'primer', -2),
  ]);
  const sub = subscribe(transport, server.url, key.key, UPDATES, { ...variables, after: before });
  await sub.waitFor(1);
  sub.results.shift();
  return sub;
}

describe.each(TRANSPORTS)('locationUpdates over %s', (transport) => {
  it('delivers every new location of the group, in order', async () => {
    const key = await server.key();
    const sub = await liveSubscription(transport, key);
    try {
      for (let i = 0; i < 5; i++) await report(key, [fix('a', i)]);
      await report(key, [fix('b', 5), fix('a', 6), fix('b', 7)]);
      const results = await sub.waitFor(8);
      expect(results.map((r) => update(r).latitude)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(results.map((r) => sequenceOf(update(r).cursor))).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
      expect(update(results[5]!).deviceId).toBe('b');
    } finally {
      await sub.close();
    }
  });

  it('filters by device and never crosses groups, whatever the arguments', async () => {
    const mine = await server.key();
    const stranger = await server.key();
    const tampered = await liveSubscription(transport, stranger, { deviceId: 'shared-name' });
    const all = await liveSubscription(transport, stranger);
    const onlyB = await liveSubscription(transport, mine, { deviceId: 'b' });
    try {
      await report(mine, [fix('shared-name', 1), fix('b', 2), fix('shared-name', 3)]);
      expect((await onlyB.waitFor(1)).map((r) => update(r).latitude)).toEqual([2]);
      await report(stranger, [fix('own', 9)]);
      expect((await all.waitFor(1)).map((r) => update(r).latitude)).toEqual([9]);
      await pause(300);
      expect(all.results).toHaveLength(1);
      expect(tampered.results).toHaveLength(0);
      expect(onlyB.results).toHaveLength(1);
    } finally {
      await Promise.all([all.close(), tampered.close(), onlyB.close()]);
    }
  });

  it('replays what came after a cursor, then continues live', async () => {
    const key = await server.key();
    const cursors = await report(key, [fix('a', 0), fix('a', 1), fix('a', 2), fix('a', 3)]);
    const sub = subscribe(transport, server.url, key.key, UPDATES, { after: cursors[1] });
    try {
      expect((await sub.waitFor(2)).map((r) => update(r).latitude)).toEqual([2, 3]);
      await report(key, [fix('a', 4)]);
      expect((await sub.waitFor(3)).map((r) => update(r).latitude)).toEqual([2, 3, 4]);
    } finally {
      await sub.close();
    }
  });

  it('refuses a bad key', async () => {
    const sub = subscribe(transport, server.url, 'gfm_not_a_key', UPDATES);
    try {
      const { description } = await sub.ended;
      const shown = `${description} ${JSON.stringify(sub.results)}`;
      // graphql-ws closes at connection_init; HTTP transports answer 401 with UNAUTHENTICATED.
      expect(shown).toMatch(transport === 'ws' ? /^close 4403/ : /^HTTP 401|UNAUTHENTICATED/);
      expect(sub.results.every((r) => !r.data?.locationUpdates)).toBe(true);
    } finally {
      await sub.close();
    }
  });

  it('refuses a key without locations:read', async () => {
    const writer = await server.key({ scopes: ['locations:write'] });
    const sub = subscribe(transport, server.url, writer.key, UPDATES);
    try {
      const { description } = await sub.ended;
      const shown = `${description} ${JSON.stringify(sub.results)}`;
      expect(shown).toContain('FORBIDDEN');
      expect(sub.results.every((r) => !r.data?.locationUpdates)).toBe(true);
    } finally {
      await sub.close();
    }
  });
});

describe('resume', () => {
  it('has no gap and no duplicate at the seam, with concurrent writers and repeated reconnects', async () => {
    const key = await server.key();
    const total = 4 * (30 + 6);
    const received: number[] = [];
    const primers = 2;
    let after: string | undefined;
    let sub = await liveSubscription('ws', key);
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 30; i++) {
        await report(key, i % 5 === 0 ? [fix(`w${w}`, i), fix(`w${w}`, i)] : [fix(`w${w}`, i)]);
      }
    });
    const reader = (async () => {
      for (let round = 1; ; round++) {
        try {
          // Take a few, then drop the connection mid-stream and resume from the last cursor.
          const want = Math.min(total, received.length + 7) - received.length;
          const results = await sub.waitFor(want, 20_000);
          for (const result of results) {
            received.push(sequenceOf(update(result).cursor));
            after = update(result).cursor;
          }
        } finally {
          await sub.close();
        }
        if (received.length >= total) return;
        sub = subscribe(TRANSPORTS[round % TRANSPORTS.length]!, server.url, key.key, UPDATES, { after });
      }
    })();
    await Promise.all([...writers, reader]);
    expect(received).toEqual(Array.from({ length: total }, (_, i) => i + 1 + primers));
  });

  it('refuses a malformed cursor and one older than the stored history', async () => {
    const key = await server.key();
    const bad = subscribe('ws', server.url, key.key, UPDATES, { after: 'not-a-cursor' });
    expect(JSON.stringify((await bad.waitFor(1))[0])).toContain('BAD_USER_INPUT');
    await bad.close();

    const cursors = await report(key, [fix('a', 0), fix('a', 1), fix('a', 2)]);
    // What retention would do: the oldest locations are gone.
    await server.runtime.db.sql.query('DELETE FROM locations WHERE group_id = $1 AND sequence <= 2', [
      key.groupId,
    ]);
    const expired = subscribe('ws', server.url, key.key, UPDATES, { after: cursors[0] });
    const [result] = await expired.waitFor(1);
    expect(result!.errors![0]!.extensions).toMatchObject({ code: 'CURSOR_EXPIRED' });
    await expired.close();
    // The cursor just before what is stored still works.
    const fine = subscribe('ws', server.url, key.key, UPDATES, { after: cursors[1] });
    expect((await fine.waitFor(1)).map((r) => update(r).latitude)).toEqual([2]);
    await fine.close();
  });
});

describe('fan-out', () => {
  it('delivers to many subscribers without a database query per subscriber', async () => {
    const key = await server.key();
    const subs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => liveSubscription(i % 2 ? 'ws' : 'graphql-sse', key)),
    );
    try {
      const { sql } = server.runtime.db;
      const original = sql.query.bind(sql);
      let queries = 0;
      sql.query = ((...args: Parameters<typeof original>) => {
        queries++;
        return original(...args);
      }) as typeof sql.query;
      try {
        await report(
          key,
          Array.from({ length: 10 }, (_, i) => fix('fan', i)),
        );
        await Promise.all(subs.map((s) => s.waitFor(10)));
      } finally {
        sql.query = original;
      }
      // One write for the batch; 20 subscribers x 10 events cost nothing more.
      expect(queries).toBe(1);
    } finally {
      await Promise.all(subs.map((s) => s.close()));
    }
  });

  it('disconnects a subscriber that stops reading, and nobody else', async () => {
    const key = await server.key();
    const healthy = await liveSubscription('ws', key);
    // A raw graphql-ws client that stops reading its socket after subscribing. Its query
    // asks for each field many times, so that every event is large and the kernel's
    // socket buffers fill quickly and push back on the server.
    const wide = Array.from({ length: 60 }, (_, i) => `a${i}: cursor b${i}: recordedAt`).join(' ');
    const stalled = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const messages: string[] = [];
    stalled.on('message', (data) => messages.push(String(data)));
    await new Promise((resolve) => stalled.once('open', resolve));
    stalled.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: key.key } }));
    await new Promise((resolve) => stalled.once('message', resolve));
    stalled.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: `subscription { locationUpdates { cursor ${wide} } }` },
      }),
    );
    await pause(500);
    const socket = (stalled as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    try {
      const batches = 30;
      for (let i = 0; i < batches; i++) {
        await report(
          key,
          Array.from({ length: 100 }, (_, j) => fix('flood', j % 90)),
        );
        await healthy.waitFor((i + 1) * 100, 30_000); // the healthy subscriber keeps up
      }
      expect(healthy.results.every((r) => !r.errors)).toBe(true);
      expect(process.memoryUsage().rss).toBeLessThan(1024 ** 3);
      socket.resume();
      await expect
        .poll(() => messages.some((m) => m.includes('SLOW_CONSUMER')), { timeout: 20_000 })
        .toBe(true);
      // It got a prefix, in order, then the error; it can resume from its last cursor.
      const nexts = messages.map((m) => JSON.parse(m)).filter((m) => m.type === 'next' && m.payload.data);
      expect(nexts.length).toBeLessThan(batches * 100);
      const sequences = nexts.map((m) => sequenceOf(m.payload.data.locationUpdates.cursor));
      expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
    } finally {
      stalled.terminate();
      await healthy.close();
    }
  });
});

describe('slow consumers over SSE', () => {
  it('disconnects an SSE subscriber that stops reading, and the server stays fine', async () => {
    const key = await server.key();
    const [before] = await report(key, [fix('primer', 0), fix('primer', 1)]);
    const wide = Array.from({ length: 60 }, (_, i) => `a${i}: cursor b${i}: recordedAt`).join(' ');
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', 'x-api-key': key.key },
      body: JSON.stringify({
        query: `subscription($after: String) { locationUpdates(after: $after) { cursor ${wide} } }`,
        variables: { after: before },
      }),
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"a0"')) text += decoder.decode((await reader.read()).value, { stream: true });
    // Stop reading while thousands of large events are published.
    for (let i = 0; i < 30; i++)
      await report(
        key,
        Array.from({ length: 100 }, (_, j) => fix('flood', j % 90)),
      );
    await pause(500);
    expect((await fetch(server.url.replace('/graphql', '/healthz'))).status).toBe(200);
    // Read on: a prefix of the events in order, then SLOW_CONSUMER, then the end of the stream.
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toContain('SLOW_CONSUMER');
    const sequences = [...text.matchAll(/"cursor":"([^"]+)"/g)].map((m) => sequenceOf(m[1]!));
    expect(sequences.length).toBeLessThan(3000);
    expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
  });
});

describe('revocation', () => {
  it('ends the live subscriptions of a revoked key within 5 seconds', async () => {
    const admin = await server.key();
    const viewer = await server.key({ groupId: admin.groupId, scopes: ['locations:read'] });
    const subs = [
      await liveSubscription('ws', viewer, {}, admin),
      await liveSubscription('sse', viewer, {}, admin),
    ];
    const revokedAt = Date.now();
    await admin.request(RevokeLive, { id: viewer.id });
    for (const sub of subs) {
      await expect.poll(() => sub.results.find((r) => r.errors), { timeout: 6_000 }).toBeTruthy();
      expect(sub.results.find((r) => r.errors)!.errors![0]!.extensions).toMatchObject({
        code: 'UNAUTHENTICATED',
      });
    }
    expect(Date.now() - revokedAt).toBeLessThan(5_000);
    await Promise.all(subs.map((s) => s.close()));
  });
});

describe('Group.streamCursor', () => {
  it('is where the stream is now: resuming after it gets exactly what is stored later', async () => {
    const key = await server.key();
    const empty = await key.request(StreamPosition);
    const start = empty.data!.viewer.group.streamCursor!;
    expect(sequenceOf(start)).toBe(0);
    const first = await report(key, [fix('pos-1', 1), fix('pos-1', 2)]);
    const now = (await key.request(StreamPosition)).data!.viewer.group.streamCursor!;
    expect(now).toBe(first[1]);
    const later = await report(key, [fix('pos-1', 3)]);
    for (const [after, expected] of [
      [start, [...first, ...later]],
      [now, later],
    ] as const) {
      const stream = subscribe('ws', server.url, key.key, UPDATES, { after });
      const results = await stream.waitFor(expected.length);
      expect(results.map((result) => update(result).cursor)).toEqual(expected);
      await stream.close();
    }
  });

  it('is refused without locations:read, leaving the rest of the answer', async () => {
    const writer = await server.key({ scopes: ['locations:write'] });
    const answer = await writer.request(StreamPosition);
    expect(answer.data?.viewer).toEqual({ name: 'test key', group: { streamCursor: null } });
    expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});
