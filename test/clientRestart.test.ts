// The client (src/client) across restarts of a real server process, on the same port and
// database: the report queue keeps fixes through the outage and through a restart of the
// app itself; watch() resumes over SSE and WebSocket with no gap and no duplicate.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileStorage } from '../src/client/fileStorage.ts';
import type { QueuedLocation } from '../src/client/index.ts';
import {
  fixes,
  inputs,
  pause,
  ReportDirectly,
  recordedClient,
  recordedWatch,
  storedClientIds,
} from './helpers/client.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { runCli, type ServerProcess, startServerProcess } from './helpers/processes.ts';
import { graphqlRequest } from './helpers/server.ts';
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
async function restart(whileDown: () => Promise<void> = async () => {}) {
  expect(await server.stop()).toBe(0);
  await whileDown();
  server = await startServerProcess(env, { port });
}

const graphqlUrl = () => `${server.url}/graphql`;

describe('report()', { timeout: 60_000 }, () => {
  it('keeps fixes through a server outage and a restart of the app, and the server stores each once', async () => {
    const queueFile = path.join(dataDir, 'queue.json');
    const first = recordedClient(graphqlUrl(), key, { storage: fileStorage(queueFile), batchSize: 10 });
    const reported: QueuedLocation[] = [];
    for (const fix of fixes('outage', 20)) reported.push(await first.client.report(fix));
    await first.client.flush();
    expect(first.stored).toHaveLength(20);

    let second!: ReturnType<typeof recordedClient>;
    await restart(async () => {
      for (const fix of fixes('outage', 15, 20)) reported.push(await first.client.report(fix));
      await expect.poll(() => first.sendErrors.length).toBeGreaterThan(1);
      expect(first.sendErrors.every((error) => error.code === 'NETWORK_ERROR')).toBe(true);
      expect(first.client.pending).toBe(15);
      // The app stops and starts again while the server is still down: the queue is in the file.
      await first.client.close();
      second = recordedClient(graphqlUrl(), key, { storage: fileStorage(queueFile), batchSize: 10 });
      for (const fix of fixes('outage', 5, 35)) reported.push(await second.client.report(fix));
      expect(second.client.pending).toBe(20);
    });
    try {
      await second.client.flush();
      expect(second.client.pending).toBe(0);
      expect(second.stored).toHaveLength(20);
      const ids = await storedClientIds(graphqlUrl(), key, 'outage');
      expect(ids).toHaveLength(40);
      expect(new Set(ids)).toEqual(new Set(reported.map((fix) => fix.clientId)));
    } finally {
      await second.client.close();
    }
  });
});

describe('watch()', { timeout: 60_000 }, () => {
  it('resumes over SSE and WebSocket after the server restarts, with no gap and no duplicate', async () => {
    const deviceId = 'watched';
    const report = async (count: number, from: number) => {
      const response = await graphqlRequest(
        graphqlUrl(),
        ReportDirectly,
        { input: inputs(deviceId, count, from) },
        { 'x-api-key': key },
      );
      expect(response.errors).toBeUndefined();
      return response.data!.reportLocations.map((location) => location.cursor);
    };
    // The watchers reach the server through a proxy that can keep them away after the restart.
    const proxy = await startTcpProxy(port);
    const clients = (['sse', 'ws'] as const).map(
      (transport) =>
        recordedClient(`${proxy.url}/graphql`, key, {
          transport,
          retry: { minDelayMs: 100, maxDelayMs: 1000 },
        }).client,
    );
    try {
      // Resuming after a primer location proves a stream is live once the next one arrives.
      const [primer, ...expected] = await report(2, 0);
      const watches = clients.map((client) => recordedWatch(client, { deviceId, after: primer }));
      const received = (count: number) =>
        expect
          .poll(() => watches.map((watch) => watch.received.length), { timeout: 10_000 })
          .toEqual([count, count]);
      await received(1);
      expected.push(...(await report(5, 2)));
      await received(6);

      // Down, then back up while the watchers cannot reconnect yet: what is stored meanwhile must be replayed.
      proxy.mode = 'refuse';
      await restart();
      expected.push(...(await report(5, 7)));
      for (const watch of watches) {
        await expect
          .poll(() => watch.statuses.filter((status) => status === 'reconnecting').length)
          .toBeGreaterThan(1);
        expect(watch.received).toHaveLength(6);
      }
      proxy.mode = 'pass';
      await received(11);
      expected.push(...(await report(5, 12)));
      await received(16);
      await pause(300);
      for (const watch of watches) {
        expect(watch.received.map((location) => location.cursor)).toEqual(expected);
        expect(watch.received.map((location) => location.latitude)).toEqual(
          fixes(deviceId, 16, 1).map((fix) => fix.latitude),
        );
        expect(watch.errors).toEqual([]);
      }
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      await proxy.close();
    }
  });
});
