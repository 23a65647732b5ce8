// The client (src/client) across a restart of a real server process, on the same port and
// database: the report queue keeps fixes through the outage and through a restart of the
// app itself; watch() resumes over SSE and WebSocket with no gap and no duplicate. One
// scenario, as starting the server is what takes time here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileStorage } from '../src/client/fileStorage.ts';
import type { GoFindMeClient, QueuedLocation } from '../src/client/index.ts';
import { fixes, pause, recordedClient, recordedWatch, storedClientIds } from './helpers/client.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { runCli, type ServerProcess, startServerProcess } from './helpers/processes.ts';
import { startTcpProxy } from './helpers/tcpProxy.ts';

let database: TestDatabase;
let dataDir: string;
let env: Record<string, string>;
let key: string;
let server: ServerProcess;
let port: number;

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = mkdtempSync(path.join(tmpdir(), 'gofindme-client-'));
  if (database.config.kind === 'postgres') {
    env = { DATABASE_URL: database.config.url };
    await runCli(['groups', 'create', 'fleet'], env);
    const created = await runCli(
      ['keys', 'create', '--group', 'fleet', '--name', 'app', '--scopes', 'all', '--json'],
      env,
    );
    key = String(created.json.key);
    server = await startServerProcess(env);
  } else {
    // The embedded database's first start creates a group and prints a full-access key.
    env = { DATABASE_URL: '', DATA_DIR: path.join(dataDir, 'db') };
    server = await startServerProcess(env);
    key = /(gfm_[0-9A-Za-z]+)/.exec(server.output())![1]!;
  }
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** SIGTERM (which frees the embedded database at once), then the same port and database again. */
async function restart(whileDown: () => Promise<void>) {
  expect(await server.stop()).toBe(0);
  await whileDown();
  server = await startServerProcess(env, { port });
}

const graphqlUrl = () => `${server.url}/graphql`;

describe('a server restart', { timeout: 90_000 }, () => {
  it('loses no report and stores none twice; SSE and WebSocket watches resume with no gap and no duplicate', async () => {
    const deviceId = 'phone';
    const queueFile = path.join(dataDir, 'queue.json');
    const phone = recordedClient(graphqlUrl(), key, { storage: fileStorage(queueFile), batchSize: 10 });
    const reported: QueuedLocation[] = [];
    const report = async (client: GoFindMeClient, count: number, from: number) => {
      for (const fix of fixes(deviceId, count, from)) reported.push(await client.report(fix));
    };
    // The dashboards reach the server through a proxy that can keep them away after the restart.
    const proxy = await startTcpProxy(port);
    const dashboards = (['sse', 'ws'] as const).map(
      (transport) =>
        recordedClient(`${proxy.url}/graphql`, key, {
          transport,
          retry: { minDelayMs: 100, maxDelayMs: 1000 },
        }).client,
    );
    let restarted: ReturnType<typeof recordedClient> | undefined;
    try {
      // Resuming after a primer location proves a stream is live once the next one arrives.
      await report(phone.client, 2, 0);
      await phone.client.flush();
      const watches = dashboards.map((client) =>
        recordedWatch(client, { deviceId, after: phone.stored[0]!.cursor }),
      );
      const received = (count: number) =>
        expect
          .poll(() => watches.map((watch) => watch.received.length), { timeout: 10_000 })
          .toEqual([count, count]);
      await received(1);
      await report(phone.client, 20, 2);
      await phone.client.flush();
      await received(21);

      proxy.mode = 'refuse';
      await restart(async () => {
        await report(phone.client, 15, 22);
        await expect.poll(() => phone.sendErrors.length).toBeGreaterThan(1);
        expect(phone.sendErrors.every((error) => error.code === 'NETWORK_ERROR')).toBe(true);
        expect(phone.client.pending).toBe(15);
        // The app stops and starts again while the server is down: its queue is in the file.
        await phone.client.close();
        restarted = recordedClient(graphqlUrl(), key, { storage: fileStorage(queueFile), batchSize: 10 });
        await report(restarted.client, 5, 37);
        expect(restarted.client.pending).toBe(20);
      });
      const app = restarted!;
      // The server is back; the queue goes out while the dashboards cannot reconnect yet.
      await app.client.flush();
      expect(app.client.pending).toBe(0);
      expect(app.stored).toHaveLength(20);
      for (const watch of watches) {
        expect(watch.statuses.filter((status) => status === 'reconnecting').length).toBeGreaterThan(1);
        expect(watch.received).toHaveLength(21);
      }
      proxy.mode = 'pass';
      await received(41); // replayed
      await report(app.client, 5, 42);
      await app.client.flush();
      await received(46); // live again
      await pause(300);

      const ids = await storedClientIds(graphqlUrl(), key, deviceId);
      expect(ids).toHaveLength(47);
      expect(new Set(ids)).toEqual(new Set(reported.map((fix) => fix.clientId)));
      const stored = [...phone.stored, ...app.stored].map((location) => location.cursor);
      for (const watch of watches) {
        expect(watch.received.map((location) => location.cursor)).toEqual(stored.slice(1));
        expect(watch.received.map((location) => location.latitude)).toEqual(
          fixes(deviceId, 46, 1).map((fix) => fix.latitude),
        );
        expect(watch.errors).toEqual([]);
      }
    } finally {
      await Promise.all([phone.client, restarted?.client, ...dashboards].map((client) => client?.close()));
      await proxy.close();
    }
  });
});
