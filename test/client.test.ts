// The client (src/client) against a real server: the report queue through lost answers,
// a busy proxy, invalid fixes and a refused key; watch() refusals and CURSOR_EXPIRED.
// Restarts of the server are in clientRestart.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { graphql } from './gql/index.ts';
import { fixes, pause, recordedClient, recordedWatch, storedClientIds } from './helpers/client.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcpProxy.ts';

const ReportDirectly = graphql(`
  mutation ClientReportDirectly($input: [LocationInput!]!) {
    reportLocations(input: $input) {
      cursor
    }
  }
`);

/** Fixes as `LocationInput`s, for reporting without the client. */
const inputs = (deviceId: string, count: number, from = 0) =>
  fixes(deviceId, count, from).map((fix) => ({ ...fix, recordedAt: new Date().toISOString() }));

const AgeLocations = `UPDATE locations SET received_at = now() - interval '31 days' WHERE group_id = $1`;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ retentionDays: 30 });
});
afterAll(() => server?.stop());

describe('report()', () => {
  let proxy: TcpProxy;
  let key: string;
  beforeAll(async () => {
    proxy = await startTcpProxy(Number(new URL(server.url).port));
    key = (await server.key()).key;
  });
  afterAll(() => proxy?.close());

  it('sends queued fixes in batches and stores each once', async () => {
    const { client, requests, stored } = recordedClient(server.url, key, { batchSize: 100 });
    try {
      const queued = await Promise.all(fixes('batched', 250).map((fix) => client.report(fix)));
      expect(client.pending).toBe(250);
      await client.flush();
      expect(client.pending).toBe(0);
      expect(requests).toHaveLength(3);
      expect(stored).toHaveLength(250);
      const ids = await storedClientIds(server.url, key, 'batched');
      expect(ids.sort()).toEqual(queued.map((fix) => fix.clientId).sort());
    } finally {
      await client.close();
    }
  });

  it('sends a batch again when its answer is lost after the server stored it, and nothing is stored twice', async () => {
    const { client, requests, stored, sendErrors } = recordedClient(`${proxy.url}/graphql`, key, {
      batchSize: 10,
    });
    try {
      await proxy.loseAnswers(2);
      const queued = await Promise.all(fixes('ambiguous', 30).map((fix) => client.report(fix)));
      await client.flush();
      expect(proxy.lost).toBe(2);
      expect(sendErrors.map((error) => error.code)).toEqual(['NETWORK_ERROR', 'NETWORK_ERROR']);
      expect(requests).toHaveLength(5); // the first batch three times, then two batches
      expect(stored).toHaveLength(30);
      const ids = await storedClientIds(server.url, key, 'ambiguous');
      expect(ids).toHaveLength(30);
      expect(new Set(ids)).toEqual(new Set(queued.map((fix) => fix.clientId)));
    } finally {
      await client.close();
    }
  });

  it('waits as long as a 503 Retry-After says', async () => {
    const { client, requests, sendErrors } = recordedClient(`${proxy.url}/graphql`, key);
    try {
      await proxy.answerUnavailable(1, 1);
      await client.report({ deviceId: 'patient', latitude: 1, longitude: 2 });
      await client.flush();
      expect(sendErrors.map((error) => [error.code, error.status, error.retryAfterMs])).toEqual([
        ['HTTP_ERROR', 503, 1000],
      ]);
      expect(requests).toHaveLength(2);
      expect(requests[1]! - requests[0]!).toBeGreaterThanOrEqual(1000);
      expect(await storedClientIds(server.url, key, 'patient')).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('drops only the fixes the server refuses, tells why, and stores the rest', async () => {
    const { client, stored, rejected } = recordedClient(server.url, key);
    try {
      const batch = fixes('picky', 5);
      batch[1] = { ...batch[1]!, latitude: 95 };
      batch[3] = { ...batch[3]!, battery: 150 };
      const queued = await Promise.all(batch.map((fix) => client.report(fix)));
      await client.flush();
      expect(rejected).toHaveLength(1);
      expect(rejected[0]!.error.code).toBe('BAD_USER_INPUT');
      expect(rejected[0]!.error.issues.map((issue) => issue.field)).toEqual([
        'input[1].latitude',
        'input[3].battery',
      ]);
      expect(rejected[0]!.fixes).toEqual([queued[1], queued[3]]);
      expect(stored.map((location) => location.clientId)).toEqual([0, 2, 4].map((i) => queued[i]!.clientId));
      expect(client.pending).toBe(0);
      await expect(client.report({ deviceId: 'picky', latitude: Number.NaN, longitude: 1 })).rejects.toThrow(
        /latitude and longitude must be finite numbers/,
      );
    } finally {
      await client.close();
    }
  });

  it('stops at once on a refused key, keeping the queue', async () => {
    const { client, requests, sendErrors } = recordedClient(
      server.url,
      'gfm_000000000000000000000000000000000000',
    );
    try {
      for (const fix of fixes('refused', 3)) await client.report(fix);
      await expect(client.flush()).rejects.toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
      await pause(300);
      expect(requests).toHaveLength(1);
      expect(sendErrors.map((error) => [error.code, error.retryable])).toEqual([['UNAUTHENTICATED', false]]);
      expect(client.pending).toBe(3);
      await expect(client.flush()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(requests).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});

describe.each(['sse', 'ws'] as const)('watch() over %s', (transport) => {
  it('surfaces a refused key once and closes, without retrying', async () => {
    let sockets = 0;
    class CountedWebSocket extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        sockets++;
      }
    }
    const { client, requests } = recordedClient(server.url, 'gfm_000000000000000000000000000000000000', {
      transport,
      webSocketImpl: CountedWebSocket,
    });
    const watch = recordedWatch(client);
    try {
      await expect.poll(() => watch.statuses.at(-1)).toBe('closed');
      await pause(500);
      expect(watch.errors.map((error) => error.code)).toEqual(['UNAUTHENTICATED']);
      // One request in all (reading the stream's position), refused: no stream, no retry.
      expect(requests.length + sockets).toBe(1);
      expect(watch.received).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('surfaces FORBIDDEN for a key without locations:read and closes', async () => {
    const writer = await server.key({ scopes: ['locations:write'] });
    const { client } = recordedClient(server.url, writer.key, { transport });
    const watch = recordedWatch(client);
    try {
      await expect.poll(() => watch.statuses.at(-1)).toBe('closed');
      expect(watch.errors.map((error) => error.code)).toEqual(['FORBIDDEN']);
    } finally {
      await client.close();
    }
  });

  it('starts from the stream’s position, so a disconnect before its first location loses nothing', async () => {
    const key = await server.key();
    await key.request(ReportDirectly, { input: inputs('early', 2) }); // before the watch: not for it
    const proxy = await startTcpProxy(Number(new URL(server.url).port));
    const { client } = recordedClient(`${proxy.url}/graphql`, key.key, {
      transport,
      webSocketImpl: WebSocket,
    });
    const watch = recordedWatch(client);
    try {
      await expect.poll(() => watch.statuses.at(-1)).toBe('connected');
      // Cut the stream; reconnections are turned away (503) until locations are stored.
      const cut = watch.statuses.length;
      await proxy.answerUnavailable(Number.POSITIVE_INFINITY, 1);
      await expect.poll(() => watch.statuses.slice(cut), { timeout: 10_000 }).toContain('reconnecting');
      const reported = await key.request(ReportDirectly, { input: inputs('meanwhile', 3) });
      expect(watch.statuses.slice(cut)).not.toContain('connected');
      proxy.answerNormally();
      const cursors = reported.data!.reportLocations.map((location) => location.cursor);
      await expect
        .poll(() => watch.received.map((location) => location.cursor), { timeout: 10_000 })
        .toEqual(cursors);
      await pause(300);
      expect(watch.received).toHaveLength(3);
      expect(watch.errors).toEqual([]);
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  it('takes a connection gone silent for dead, and resumes from its cursor on a new one', async () => {
    const key = await server.key();
    const proxy = await startTcpProxy(Number(new URL(server.url).port));
    const { client } = recordedClient(`${proxy.url}/graphql`, key.key, { transport, idleTimeoutMs: 1000 });
    const watch = recordedWatch(client);
    try {
      await expect.poll(() => watch.statuses.at(-1)).toBe('connected');
      const before = await key.request(ReportDirectly, { input: inputs('silent', 2) });
      await expect.poll(() => watch.received.length).toBe(2);
      // The network goes silent: nothing is closed, nothing arrives.
      proxy.freeze();
      const meanwhile = await key.request(ReportDirectly, { input: inputs('silent', 3, 2) });
      await pause(1500);
      proxy.thaw(); // the old connection stays dead; only a new one can carry anything
      const cursors = [...before.data!.reportLocations, ...meanwhile.data!.reportLocations].map(
        (l) => l.cursor,
      );
      await expect.poll(() => watch.received.map((l) => l.cursor), { timeout: 15_000 }).toEqual(cursors);
      expect(watch.statuses).toContain('reconnecting');
      expect(watch.errors).toEqual([]);
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  it('on CURSOR_EXPIRED says so, then continues live', async () => {
    const key = await server.key();
    const old = await key.request(ReportDirectly, { input: inputs('expired', 3) });
    await server.runtime.db.sql.query(AgeLocations, [key.groupId]);
    await server.runtime.jobs.retention.runOnce();
    const { client } = recordedClient(server.url, key.key, { transport });
    const watch = recordedWatch(client, { after: old.data!.reportLocations[0]!.cursor });
    try {
      await expect.poll(() => watch.errors.map((error) => error.code)).toEqual(['CURSOR_EXPIRED']);
      // Live from the moment it subscribed again: report until one arrives.
      const fresh: string[] = [];
      for (let i = 0; watch.received.length === 0 && i < 50; i++) {
        const reported = await key.request(ReportDirectly, { input: inputs('expired', 1, 10 + i) });
        fresh.push(reported.data!.reportLocations[0]!.cursor);
        await pause(100);
      }
      expect(watch.received.length).toBeGreaterThan(0);
      for (const location of watch.received) expect(fresh).toContain(location.cursor);
      expect(watch.statuses.includes('closed')).toBe(false);
    } finally {
      await client.close();
    }
  });
});
