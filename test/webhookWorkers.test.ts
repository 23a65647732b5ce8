// Delivery workers under failure: several workers on one database, a server killed
// with SIGKILL mid-delivery, and `npm run worker` as its own process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookConfig } from '../src/config.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createMemoryPubSub } from '../src/pubsub/pubsub.ts';
import { type Composition, createServices } from '../src/services.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { runCli, type ServerProcess, startServerProcess, startWorkerProcess } from './helpers/processes.ts';
import { type Receiver, startReceiver, verify } from './helpers/receiver.ts';
import {
  graphqlRequest,
  startTestServer,
  type TestKey,
  testConfig,
  webhookOutcomes,
} from './helpers/server.ts';
import { CreateWebhook, createWebhook, ReportLocations, report, Webhooks } from './helpers/webhooks.ts';

describe('several workers on one database', () => {
  it('never attempt the same delivery at once, and share the work', { timeout: 60_000 }, async () => {
    const server = await startTestServer({ webhookWorker: false });
    const hook = await startReceiver();
    const workers: Composition[] = [];
    try {
      // Two more workers with their own HTTP clients on the same database (on
      // PostgreSQL they claim over separate pooled connections, concurrently).
      const config = workerConfig(server.database, { endpointConcurrency: 8 });
      for (let i = 0; i < 2; i++) {
        workers.push(
          createServices(server.runtime.db, createMemoryPubSub(), config, createLogger('silent'), {
            webhookPollMs: 20,
          }),
        );
      }
      const active = new Set<string>();
      let overlaps = 0;
      hook.reply = (request) => {
        if (active.has(request.id)) overlaps++;
        active.add(request.id);
        setTimeout(() => active.delete(request.id), 15);
        return { status: 200, delayMs: 15 };
      };
      const key = await server.key();
      const response = await key.request(CreateWebhook, { input: { url: hook.url } });
      expect(response.errors).toBeUndefined();
      for (let i = 0; i < 6; i++) await report(key, 50);
      for (const worker of workers) worker.jobs.webhookWorker.start();

      await hook.waitFor(300, 30_000);
      const succeeded = async () =>
        (await Promise.all(workers.map((w) => webhookOutcomes(w.metrics)))).reduce((a, b) => a + b, 0);
      await expect.poll(succeeded).toBe(300);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const perId = countBy(hook.requests, (r) => r.id);
      expect(perId.size).toBe(300);
      expect([...perId.values()].every((n) => n === 1)).toBe(true);
      expect(overlaps).toBe(0);
      for (const worker of workers) expect(await webhookOutcomes(worker.metrics)).toBeGreaterThan(0);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await hook.close();
      await server.stop();
    }
  });
});

describe('one worker, several endpoints', () => {
  it('bounds attempts per endpoint, keeps connections alive, and a slow endpoint does not hold up the others', {
    timeout: 60_000,
  }, async () => {
    const server = await startTestServer({ webhookWorker: true, webhooks: { endpointConcurrency: 4 } });
    const slow = await startReceiver();
    const fast = await startReceiver();
    try {
      // The slow endpoint holds each request 10 s: its 40 deliveries are ten rounds of four.
      slow.reply = () => ({ status: 200, delayMs: 10_000 });
      const key = await server.key();
      await createWebhook(key, slow.url, ['slow']);
      await createWebhook(key, fast.url, ['fast']);
      await report(key, 40, 'slow');
      await slow.waitFor(4);
      await report(key, 100, 'fast');
      await fast.waitFor(100);
      // All 100 went while the slow endpoint's first four were still held: none waited behind them
      // (however long that took on this machine; no clock in the assertion).
      expect(slow.requests).toHaveLength(4);
      expect(slow.maxConcurrent).toBe(4);
      expect(fast.maxConcurrent).toBeLessThanOrEqual(4);
      expect(new Set(fast.requests.map((r) => r.remotePort)).size).toBeLessThanOrEqual(4); // kept alive
    } finally {
      await server.stop();
      await slow.close();
      await fast.close();
    }
  });

  it('hands back its claims when it stops, so another worker takes them at once', {
    timeout: 60_000,
  }, async () => {
    const server = await startTestServer({ webhookWorker: true, webhooks: { timeoutMs: 30_000 } });
    const hook = await startReceiver();
    let other: Composition | undefined;
    try {
      hook.reply = (_request, index) => (index < 2 ? { status: 200, delayMs: 10_000 } : { status: 200 });
      const key = await server.key();
      await createWebhook(key, hook.url);
      await report(key, 2);
      await hook.waitFor(2);
      await server.runtime.jobs.webhookWorker.stop(100);
      // Handed back: due now, the cut-off attempt not counted (its lease would have been 65 s).
      other = createServices(
        server.runtime.db,
        createMemoryPubSub(),
        workerConfig(server.database),
        createLogger('silent'),
      );
      other.jobs.webhookWorker.start();
      const requests = await hook.waitFor(4, 5000);
      expect(new Set(requests.slice(2).map((r) => r.id))).toEqual(
        new Set(requests.slice(0, 2).map((r) => r.id)),
      );
      await expect.poll(() => webhookOutcomes(other!.metrics)).toBe(2);
    } finally {
      await other?.close();
      await server.stop();
      await hook.close();
    }
  });
});

describe('a server killed while deliveries are pending', { timeout: 180_000 }, () => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  let hook: Receiver;
  let apiKey: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(path.join(tmpdir(), 'gofindme-webhooks-'));
    env = {
      ...(database.config.kind === 'postgres'
        ? { DATABASE_URL: database.config.url }
        : { DATABASE_URL: '', DATA_DIR: dataDir }),
      WEBHOOK_ALLOW_PRIVATE_CIDRS: '127.0.0.1/32',
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_RETRY_SCHEDULE: '200ms,200ms,200ms,200ms,200ms',
    };
    await runCli(['groups', 'create', 'fleet'], env);
    const created = await runCli(
      ['keys', 'create', '--group', 'fleet', '--name', 'ops', '--scopes', 'all', '--json'],
      env,
    );
    apiKey = String(created.json.key);
    hook = await startReceiver();
  });
  afterAll(async () => {
    await hook?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (server: ServerProcess): TestKey => ({
    key: apiKey,
    id: '',
    groupId: '',
    request: (document, variables) =>
      graphqlRequest(`${server.url}/graphql`, document, variables, { 'x-api-key': apiKey }),
  });

  it('delivers everything after a restart, attempts cut off included, with the same webhook-ids', async () => {
    // The endpoint hangs: attempts are in flight (claimed) when the server dies.
    hook.reply = () => ({ status: 200, delayMs: 60_000 });
    let server = await startServerProcess(env);
    const created = await api(server).request(CreateWebhook, { input: { url: hook.url } });
    expect(created.errors).toBeUndefined();
    const secret = created.data!.createWebhook.secret;
    const stored = await report(api(server), 40);
    await hook.waitFor(16); // WEBHOOK_ENDPOINT_CONCURRENCY attempts in flight, the rest waiting
    const cutOff = new Set(hook.requests.map((r) => r.id));
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('exit', resolve));

    hook.reply = () => ({ status: 200 });
    if (database.config.kind === 'embedded') {
      // The dead server's DATA_DIR lock goes stale after 10 s.
      await new Promise((resolve) => setTimeout(resolve, 11_000));
    }
    server = await startServerProcess(env);
    try {
      // The cut-off attempts are made again once their lease (2 x timeout + 5 s) runs out.
      await expect
        .poll(
          async () => {
            const log = await api(server).request(Webhooks, { first: 100 });
            return log.data?.webhooks[0]?.deliveries.edges.filter((e) => e.node.status === 'SUCCEEDED')
              .length;
          },
          { timeout: 30_000 },
        )
        .toBe(40);
      expect(new Set(hook.requests.map((r) => r.event.data.cursor))).toEqual(
        new Set(stored.map((l) => l.cursor)),
      );
      // Each cut-off attempt was made again, under the same webhook-id.
      const perId = countBy(hook.requests, (r) => r.id);
      for (const id of cutOff) expect(perId.get(id)).toBeGreaterThanOrEqual(2);
      for (const request of hook.requests) expect(() => verify(secret, request)).not.toThrow();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('runs as its own process (npm run worker) and stops cleanly', async () => {
    hook.requests.length = 0;
    const server = await startServerProcess({ ...env, WEBHOOK_WORKER: 'false' });
    let stored: { cursor: string }[];
    try {
      const response = await api(server).request(ReportLocations, {
        input: Array.from({ length: 10 }, (_, i) => ({
          deviceId: 'worker-test',
          latitude: 1,
          longitude: i,
          recordedAt: new Date(Date.now() - 1000).toISOString(),
        })),
      });
      expect(response.errors).toBeUndefined();
      stored = response.data!.reportLocations;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(hook.requests).toHaveLength(0); // no worker in the server
    } finally {
      // The embedded database takes one process at a time; on PostgreSQL both could run.
      expect(await server.stop()).toBe(0);
    }
    const worker = await startWorkerProcess(env);
    try {
      await hook.waitFor(10);
      expect(new Set(hook.requests.map((r) => r.event.data.cursor))).toEqual(
        new Set(stored.map((l) => l.cursor)),
      );
    } finally {
      expect(await worker.stop()).toBe(0);
    }
  });
});

/** The configuration of an extra worker next to a test server, on its database. */
function workerConfig(database: TestDatabase, webhooks: Partial<WebhookConfig> = {}) {
  return testConfig(database, { webhooks, bufferLimit: 100, maxStreamsPerKey: 100, retentionDays: 0 });
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
