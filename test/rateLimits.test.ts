// Per-key rate limits: separate budgets, 429 with Retry-After and RATE_LIMITED, one
// key's burst never limits another, and, through Redis, the limit holds across instances.
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitedError, RateLimits } from '../src/auth/rateLimits.ts';
import { loadConfig } from '../src/config.ts';
import { privateRedis, type RedisProcess } from './helpers/redis.ts';
import { startTestServer, type TestKey, type TestServer } from './helpers/server.ts';
import { subscribe } from './helpers/subscriptions.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ rateLimits: { reports: 3, reads: 2, manage: 1 } });
});
afterAll(async () => {
  await server?.stop();
});

const REPORT = (deviceId: string) =>
  `mutation { reportLocation(input: { deviceId: "${deviceId}", latitude: 1, longitude: 2, recordedAt: "${new Date(Date.now() - 1000).toISOString()}" }) { id } }`;

async function call(key: TestKey, query: string, on = server) {
  const response = await fetch(on.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key.key },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
}

const stored = async (deviceId: string, on = server) => {
  const [row] = await on.runtime.db.sql.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM locations WHERE device_id = $1',
    [deviceId],
  );
  return row!.n;
};

describe('rate limits per key', () => {
  it('refuse a spent budget with 429, Retry-After and RATE_LIMITED, writing nothing', async () => {
    const key = await server.key();
    for (let i = 0; i < 3; i++) expect((await call(key, REPORT('burst'))).status).toBe(200);
    const refused = await call(key, REPORT('burst'));
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
    expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(await stored('burst')).toBe(3);

    // Another key is not affected, and the other budgets of this key are untouched.
    const other = await server.key();
    expect((await call(other, REPORT('calm'))).status).toBe(200);
    expect((await call(key, '{ viewer { id } }')).status).toBe(200);
  });

  it('keep reads, reports and management apart, on every transport', async () => {
    const key = await server.key();
    expect((await call(key, '{ viewer { id } }')).status).toBe(200);
    const sub = subscribe('ws', server.url, key.key, 'subscription { locationUpdates { cursor } }');
    await expect.poll(() => server.runtime.services.live.activeStreams).toBeGreaterThan(0);
    const refusedRead = await call(key, '{ viewer { id } }');
    expect(refusedRead.status).toBe(429);
    const late = subscribe('sse', server.url, key.key, 'subscription { locationUpdates { cursor } }');
    await late.ended;
    expect(JSON.stringify(late.results)).toContain('RATE_LIMITED');
    await sub.close();
    await late.close();

    expect((await call(key, REPORT('mixed'))).status).toBe(200);
    const manage = 'mutation { createApiKey(input: { name: "x", scopes: [LOCATIONS_READ] }) { key } }';
    expect((await call(key, manage)).status).toBe(200);
    expect((await call(key, manage)).status).toBe(429);
    expect((await call(key, REPORT('mixed'))).status).toBe(200);
  });

  it('hold each device of a key to its own budget, so that one runaway device cannot spend its fleet’s', async () => {
    const fleet = await startTestServer({ rateLimits: { reports: 100, reads: 0, manage: 0, device: 2 } });
    try {
      const key = await fleet.key();
      const batch = (deviceIds: string[]) =>
        `mutation { reportLocations(input: [${deviceIds
          .map(
            (id) =>
              `{ deviceId: "${id}", latitude: 1, longitude: 2, recordedAt: "${new Date(Date.now() - 1000).toISOString()}" }`,
          )
          .join(', ')}]) { id } }`;
      for (let i = 0; i < 2; i++) expect((await call(key, REPORT('loop'), fleet)).status).toBe(200);
      const refused = await call(key, REPORT('loop'), fleet);
      expect(refused.status).toBe(429);
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
      const error = refused.body.errors![0] as { message: string; extensions?: { code?: string } };
      expect(error.extensions?.code).toBe('RATE_LIMITED');
      expect(error.message).toContain('Device "loop" reports too often');
      // A batch naming the spent device is refused whole: its other fixes are not stored either.
      expect((await call(key, batch(['fine', 'loop']), fleet)).status).toBe(429);
      expect(await stored('fine', fleet)).toBe(0);
      // A batch counts once per device, however many of its fixes it carries (catching up after offline).
      expect((await call(key, batch(['catch-up', 'catch-up', 'catch-up', 'fine']), fleet)).status).toBe(200);
      expect(await stored('catch-up', fleet)).toBe(3);
      expect(await stored('loop', fleet)).toBe(2);
      // The same device name under another key has a budget of its own.
      expect((await call(await fleet.key(), REPORT('loop'), fleet)).status).toBe(200);
      expect(await fleet.runtime.metrics.render().then((m) => m.body)).toMatch(
        /gofindme_rate_limited_total\{budget="device"\} 2/,
      );
    } finally {
      await fleet.stop();
    }
  });

  it('are read from the settings, with fleet-sized defaults', () => {
    expect(loadConfig({}).rateLimits).toEqual({ reports: 60_000, reads: 6_000, manage: 600, device: 600 });
    expect(
      loadConfig({ RATE_LIMIT_REPORTS_PER_MINUTE: '0', RATE_LIMIT_READS_PER_MINUTE: '10' }).rateLimits,
    ).toMatchObject({ reports: 0, reads: 10 });
  });
});

const redisMissing = spawnSync('redis-server', ['--version']).error
  ? 'redis-server is not installed'
  : undefined;
if (redisMissing) console.warn(`Skipping the rate limits across instances: ${redisMissing}.`);

describe.skipIf(redisMissing !== undefined)('rate limits across instances', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await privateRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('hold for a key across instances sharing Redis', async () => {
    const clients = [new Redis(redis.url), new Redis(redis.url)];
    try {
      const [a, b] = clients.map(
        (client) => new RateLimits({ reports: 5, reads: 0, manage: 0, device: 0 }, client),
      );
      for (let i = 0; i < 3; i++) await a!.consume('key-1', 'reports');
      for (let i = 0; i < 2; i++) await b!.consume('key-1', 'reports');
      await expect(a!.consume('key-1', 'reports')).rejects.toBeInstanceOf(RateLimitedError);
      await expect(b!.consume('key-1', 'reports')).rejects.toBeInstanceOf(RateLimitedError);
      await b!.consume('key-2', 'reports'); // another key
      await a!.consume('key-1', 'reads'); // a budget that is off
    } finally {
      for (const client of clients) client.disconnect();
    }
  });
});
