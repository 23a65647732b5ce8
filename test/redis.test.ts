// Several instances: two real server processes sharing PostgreSQL and Redis.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SCOPES } from '../src/auth/scopes.ts';
import { loadConfig } from '../src/config.ts';
import { pgSql } from '../src/db/sql.ts';
import { createLogger } from '../src/observability/logger.ts';
import { Retention } from '../src/retention.ts';
import { openRuntime } from '../src/runtime.ts';
import { graphql } from './gql/index.ts';
import { runCli, type ServerProcess, startServerProcess } from './helpers/processes.ts';
import { privateRedis, type RedisProcess } from './helpers/redis.ts';
import { subscribe } from './helpers/subscriptions.ts';

// Two processes need a database both can open: always PostgreSQL here.
const ADMIN_URL = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * These tests need PostgreSQL and a redis-server binary. On a machine without them
 * (a newcomer's laptop) they are skipped with a reason; under CI=true a skipped test
 * fails the run, and .ci/run starts both services.
 */
async function missingServices(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    return `PostgreSQL at ${new URL(ADMIN_URL).host} is not reachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
  const found = spawnSync('redis-server', ['--version']);
  if (found.error) return 'redis-server is not installed';
  return undefined;
}
const missing = await missingServices();
if (missing) console.warn(`Skipping the several-instances tests: ${missing}.`);
const UPDATES = graphql(`
  subscription InstanceUpdates($after: String) {
    locationUpdates(after: $after) {
      cursor
      deviceId
      latitude
    }
  }
`);

const GEOFENCE_EVENTS = graphql(`
  subscription InstanceGeofenceEvents($after: String) {
    geofenceEvents(after: $after) {
      type
      geofenceName
      deviceId
      removed
    }
  }
`);

let redis: RedisProcess;
let databaseUrl: string;
let dbName: string;
let a: ServerProcess;
let b: ServerProcess;
let key: string;
let adminKey: string;
let limitedKeys: string[];

async function admin(statement: string) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  if (missing) return;
  redis = await privateRedis();
  dbName = `gofindme_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${dbName}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  databaseUrl = url.toString();
  const runtime = await openRuntime(loadConfig({ DATABASE_URL: databaseUrl }), createLogger('silent'));
  const group = await runtime.services.groups.create('fleet');
  key = (await runtime.services.apiKeys.create({ groupId: group.id, name: 'dashboard', scopes: SCOPES })).key;
  adminKey = (await runtime.services.apiKeys.create({ groupId: group.id, name: 'admin', scopes: SCOPES }))
    .key;
  limitedKeys = [];
  for (const name of ['limited', 'neighbour']) {
    limitedKeys.push(
      (await runtime.services.apiKeys.create({ groupId: group.id, name, scopes: SCOPES })).key,
    );
  }
  await runtime.close();
  // Budgets the other tests stay far below; the rate-limit test spends one key's.
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_READS_PER_MINUTE: '30',
    RATE_LIMIT_REPORTS_PER_MINUTE: '1000',
    RATE_LIMIT_MANAGE_PER_MINUTE: '100',
    // The retention test below runs retention itself, on rows it ages.
    RETENTION_DAYS: '0',
  };
  [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
}, 180_000);

afterAll(async () => {
  if (missing) return;
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
});

const reportTo = async (server: ServerProcess, latitude: number, apiKey = key) => {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({
      query: 'mutation($i: LocationInput!) { reportLocation(input: $i) { cursor } }',
      variables: { i: { deviceId: 'truck', latitude, longitude: 1, recordedAt: new Date().toISOString() } },
    }),
  });
  const body = await response.json();
  expect(body.errors).toBeUndefined();
  return body.data.reportLocation.cursor as string;
};
const latitudes = (results: { data?: Record<string, unknown> | null }[]) =>
  results.map((r) => (r.data!.locationUpdates as { latitude: number }).latitude);

describe.skipIf(missing !== undefined)('two instances through Redis', { timeout: 120_000 }, () => {
  it('are both ready', async () => {
    for (const server of [a, b]) {
      const response = await fetch(`${server.url}/readyz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ready', database: 'ok', redis: 'ok' });
    }
  });

  it('share one rate-limit budget per key: 30 reads a minute over both, then 429 on either', async () => {
    const [limited, neighbour] = limitedKeys as [string, string];
    const read = (server: ServerProcess, apiKey: string) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify({ query: '{ viewer { name } }' }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await read(i % 2 === 0 ? a : b, limited)).status);
    expect(statuses).toEqual(Array(30).fill(200));
    for (const server of [a, b]) {
      const refused = await read(server, limited);
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const body = await refused.json();
      expect(body.errors[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfter });
    }
    // A subscription is a read too, on either instance and any transport.
    const stream = subscribe('graphql-sse', `${b.url}/graphql`, limited, UPDATES);
    expect((await stream.ended).description).toContain('RATE_LIMITED');
    // Another key of the same group is not affected.
    expect((await read(a, neighbour)).status).toBe(200);
    expect((await read(b, neighbour)).status).toBe(200);
  });

  it('deliver what either instance stores to subscribers on both, in order', async () => {
    // Each subscription resumes after a primer and receives the next one: then it is certainly live.
    const before = await reportTo(a, -1);
    await reportTo(b, -2);
    const onB = subscribe('ws', `${b.url}/graphql`, key, UPDATES, { after: before });
    const onA = subscribe('graphql-sse', `${a.url}/graphql`, key, UPDATES, { after: before });
    await Promise.all([onA.waitFor(1), onB.waitFor(1)]);
    onA.results.shift();
    onB.results.shift();
    try {
      // Concurrent writers on both instances.
      await Promise.all([
        (async () => {
          for (let i = 0; i < 15; i++) await reportTo(a, i);
        })(),
        (async () => {
          for (let i = 0; i < 15; i++) await reportTo(b, 50 + i);
        })(),
      ]);
      for (const sub of [onA, onB]) {
        const results = await sub.waitFor(30);
        const sequences = results.map((r) =>
          Number(
            Buffer.from((r.data!.locationUpdates as { cursor: string }).cursor, 'base64url')
              .toString()
              .split(':')[1],
          ),
        );
        expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
        expect(new Set(latitudes(results)).size).toBe(30);
      }
    } finally {
      await Promise.all([onA.close(), onB.close()]);
    }
  });

  it('apply a geofence created on one instance to the next report on the other (its cached set is dropped)', async () => {
    const request = async (server: ServerProcess, query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ query, variables }),
      });
      const body = await response.json();
      expect(body.errors).toBeUndefined();
      return body.data;
    };
    // b loads the group's geofences (none) with this report and would keep them a minute.
    await reportTo(b, 30);
    const { viewer } = await request(a, '{ viewer { group { geofenceEventCursor } } }');
    const onA = subscribe('ws', `${a.url}/graphql`, key, GEOFENCE_EVENTS, {
      after: viewer.group.geofenceEventCursor,
    });
    try {
      const { createGeofence } = await request(
        a,
        'mutation($i: CreateGeofenceInput!) { createGeofence(input: $i) { id } }',
        { i: { name: 'Harbour', circle: { latitude: 20, longitude: 1, radiusMeters: 1000 } } },
      );
      // The change crosses Redis in about a millisecond; allow a second, far below the set's minute.
      const deadline = Date.now() + 1000;
      let entered = 0;
      while (entered === 0 && Date.now() < deadline) {
        await reportTo(b, 20);
        const { geofenceEvents } = await request(a, '{ geofenceEvents { edges { node { type } } } }');
        entered = geofenceEvents.edges.length;
        if (entered === 0) await new Promise((resolve) => setTimeout(resolve, 150));
      }
      expect(entered).toBe(1);
      const [event] = await onA.waitFor(1);
      expect(event!.data).toMatchObject({
        geofenceEvents: { type: 'ENTER', geofenceName: 'Harbour', deviceId: 'truck' },
      });
      await request(b, 'mutation($id: ID!) { deleteGeofence(id: $id) { id } }', { id: createGeofence.id });
      const [, removed] = await onA.waitFor(2);
      expect(removed!.data).toMatchObject({ geofenceEvents: { type: 'EXIT', removed: true } });
    } finally {
      await onA.close();
    }
  });

  it('keep accepting reports while Redis is down, tell subscribers, and let them resume without loss', async () => {
    const before = await reportTo(a, 0);
    const last = await reportTo(a, 1);
    const sub = subscribe('ws', `${b.url}/graphql`, key, UPDATES, { after: before });
    const [first] = await sub.waitFor(1);
    expect(latitudes([first!])).toEqual([1]);

    await redis.stop();
    const ended = await sub.waitFor(2, 15_000);
    expect(ended[1]!.errors![0]!.extensions).toEqual({ code: 'UNAVAILABLE', retryAfter: 5 });
    await sub.close();

    // Reports are still stored and acknowledged; readiness says what is wrong.
    const whileDown = [];
    for (let i = 2; i <= 6; i++) whileDown.push(await reportTo(i % 2 ? a : b, i));
    expect(whileDown).toHaveLength(5);
    const ready = await fetch(`${b.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unready', redis: 'unavailable' });

    await redis.start();
    await expect.poll(async () => (await fetch(`${b.url}/readyz`)).status, { timeout: 20_000 }).toBe(200);
    await expect.poll(async () => (await fetch(`${a.url}/readyz`)).status, { timeout: 20_000 }).toBe(200);

    const resumed = subscribe('ws', `${b.url}/graphql`, key, UPDATES, { after: last });
    try {
      expect(latitudes(await resumed.waitFor(5))).toEqual([2, 3, 4, 5, 6]);
      await reportTo(a, 7);
      expect(latitudes(await resumed.waitFor(6))).toEqual([2, 3, 4, 5, 6, 7]);
    } finally {
      await resumed.close();
    }
  });

  it('end a revoked key’s subscriptions on the other instance within 5 seconds', async () => {
    const created = await fetch(`${a.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
      body: JSON.stringify({
        query:
          'mutation { createApiKey(input: { name: "tv", scopes: [LOCATIONS_READ] }) { key apiKey { id } } }',
      }),
    }).then((r) => r.json());
    const { key: tvKey, apiKey } = created.data.createApiKey;
    const before = await reportTo(a, 10);
    await reportTo(a, 11);
    const sub = subscribe('sse', `${b.url}/graphql`, tvKey, UPDATES, { after: before });
    await sub.waitFor(1);
    sub.results.shift();
    // A WebSocket the key opened on the other instance, and plain requests there.
    const socket = new WebSocket(`${b.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: tvKey } }));
    await new Promise((resolve) => socket.once('message', resolve));
    const viewerOnB = () =>
      fetch(`${b.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': tvKey },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
      }).then((r) => r.status);
    expect(await viewerOnB()).toBe(200);
    const revokedAt = Date.now();
    await fetch(`${a.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
      body: JSON.stringify({ query: `mutation { revokeApiKey(id: "${apiKey.id}") { id } }` }),
    });
    const [result] = await sub.waitFor(1, 6_000);
    expect(result!.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await closed).toBe(4403);
    await expect.poll(viewerOnB, { timeout: 5_000, interval: 200 }).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(5_000);
    await sub.close();
  });

  it('end a key’s subscriptions when an operator revokes it with the CLI', async () => {
    const created = await fetch(`${a.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
      body: JSON.stringify({
        query:
          'mutation { createApiKey(input: { name: "wall", scopes: [LOCATIONS_READ] }) { key apiKey { id } } }',
      }),
    }).then((r) => r.json());
    const { key: wallKey, apiKey } = created.data.createApiKey;
    const before = await reportTo(a, 20);
    await reportTo(b, 21);
    const onA = subscribe('ws', `${a.url}/graphql`, wallKey, UPDATES, { after: before });
    const onB = subscribe('graphql-sse', `${b.url}/graphql`, wallKey, UPDATES, { after: before });
    await Promise.all([onA.waitFor(1), onB.waitFor(1)]);
    const revoke = await runCli(['keys', 'revoke', apiKey.id, '--json'], {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
    });
    expect(revoke.code).toBe(0);
    const revokedAt = Date.now();
    for (const sub of [onA, onB]) {
      const [, result] = await sub.waitFor(2, 6_000);
      expect(result!.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    expect(Date.now() - revokedAt).toBeLessThan(5_000);
    await Promise.all([onA.close(), onB.close()]);
  });

  it('run retention one at a time, beside pools of a single connection, and hand it over when the lock is lost', async () => {
    for (let i = 0; i < 7; i++) await reportTo(a, 30 + i);
    // Two instances' databases, each with DATABASE_POOL_SIZE=1.
    const pools = [0, 1].map(() => new pg.Pool({ connectionString: databaseUrl, max: 1 }));
    const count = async () =>
      (await pools[1]!.query<{ n: number }>('SELECT count(*)::int AS n FROM locations')).rows[0]!.n;
    const age = () => pools[1]!.query(`UPDATE locations SET received_at = now() - interval '31 days'`);
    const runs: Promise<unknown>[] = [];
    try {
      await age();
      const aged = await count();
      expect(aged).toBeGreaterThanOrEqual(7);
      let batches = 0;
      let firstBatch: () => void = () => {};
      const batched = new Promise<void>((resolve) => {
        firstBatch = resolve;
      });
      const options = { days: 30, intervalMs: 3_600_000, batchSize: 2 };
      // A hundredth of the time at work: long pauses, so that the other instance's run surely
      // comes while this one holds the lock.
      const working = new Retention(pgSql(pools[0]!), {
        ...options,
        dutyCycle: 0.01,
        onBatch: () => {
          batches++;
          firstBatch();
        },
      });
      const other = new Retention(pgSql(pools[1]!), { ...options, dutyCycle: 1 });
      const running = working.runOnce();
      runs.push(running);
      await batched;
      // The lock is held on a connection of its own: the pool's one connection stays free for the
      // batches (and for requests), and the other instance leaves the work to this one.
      expect(await other.runOnce()).toEqual({ locations: 0, geofenceEvents: 0, deliveries: 0 });
      expect(batches).toBe(1);

      // The lock's connection fails (here: terminated): the lock went with it, so the run ends
      // after its batch instead of going on beside another instance's.
      const { rows: holders } = await pools[1]!.query<{ pid: number }>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(holders).toHaveLength(1);
      await pools[1]!.query('SELECT pg_terminate_backend($1)', [holders[0]!.pid]);
      const first = (await running).locations;
      expect(first).toBeLessThan(aged);
      expect(await count()).toBe(aged - first);
      // Released: the other instance takes its turn and deletes the rest.
      expect((await other.runOnce()).locations).toBe(aged - first);
      expect(await count()).toBe(0);
    } finally {
      await Promise.allSettled(runs);
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});
