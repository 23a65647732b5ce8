import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ConfigError, DEFAULTS, loadConfig } from '../src/config.ts';
import { exitOf, sigtermAt, startServerProcess } from './helpers/processes.ts';
import { subscribe } from './helpers/subscriptions.ts';

const graphqlAt = (url: string, key: string, query: string) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ query }),
  }).then((r) => r.json() as Promise<{ data?: Record<string, unknown>; errors?: unknown[] }>);

describe('configuration', () => {
  it('has working defaults', () => {
    expect(loadConfig({})).toEqual({
      env: 'development',
      port: 4000,
      host: '0.0.0.0',
      database: { kind: 'embedded', dataDir: './data' },
      logLevel: 'info',
      locations: { maxFutureSkewMs: 300_000 },
      live: {
        bufferLimit: 10_000,
        maxStreamsPerKey: 5000,
        maxOperationsPerConnection: 50,
        reservationTimeoutMs: 30_000,
        maxReservationsPerKey: 20,
      },
      redisUrl: undefined,
      webhooks: {
        worker: true,
        timeoutMs: 15_000,
        retrySchedule: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
        allowPrivateCidrs: [],
        secretOverlapMs: 86_400_000,
        disableAfterMs: 5 * 86_400_000,
        concurrency: 200,
        endpointConcurrency: 16,
        maxPerGroup: 50,
      },
      geofences: { maxPerGroup: 10_000, exitMarginMeters: 15, maxAccuracyMeters: 100 },
      map: {
        tileUrl: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
        tileAttribution: '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        staleAfterMs: 300_000,
      },
      retention: { days: 30, intervalMs: 3_600_000 },
      shutdownTimeoutMs: 10_000,
      corsOrigins: '*',
      rateLimits: { reports: 60_000, reads: 6_000, manage: 600, device: 600 },
      queryLimits: {
        maxDepth: 10,
        maxAliases: 20,
        maxTokens: 2000,
        maxDirectives: 20,
        maxCost: 100_000,
        blockSuggestions: false,
      },
    });
    const pgConfig = loadConfig({
      DATABASE_URL: 'postgresql://u@h:5432/db',
      DATABASE_POOL_SIZE: '25',
      LOCATION_MAX_FUTURE_SKEW: '90s',
    });
    expect(pgConfig.database).toEqual({ kind: 'postgres', url: 'postgresql://u@h:5432/db', poolSize: 25 });
    expect(pgConfig.locations.maxFutureSkewMs).toBe(90_000);
  });

  it('documents every setting, with its default, in the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const [name, value] of Object.entries(DEFAULTS)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\``));
      expect(row, name).toBeDefined();
      if (value !== '') expect(row, name).toContain(`\`${value}\``);
    }
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        DATABASE_POOL_SIZE: '0',
        LOG_LEVEL: 'loud',
        LOCATION_MAX_FUTURE_SKEW: 'soon',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of [
        'PORT',
        'DATABASE_URL',
        'DATABASE_POOL_SIZE',
        'LOG_LEVEL',
        'LOCATION_MAX_FUTURE_SKEW',
      ]) {
        expect(problems).toContain(name);
      }
    }
  });

  it('makes the server exit non-zero listing the problems', { timeout: 60_000 }, async () => {
    const { code, output } = await exitOf(['main'], { PORT: '-1', LOG_LEVEL: 'loud' });
    expect(code).toBe(1);
    expect(output).toContain('PORT');
    expect(output).toContain('LOG_LEVEL');
    expect(output).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('the embedded database across restarts', { timeout: 180_000 }, () => {
  it('creates a demo key on the very first start, keeps data across restarts and stops cleanly', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gofindme-restart-'));
    const env = { DATABASE_URL: '', DATA_DIR: dataDir };
    try {
      const first = await startServerProcess(env);
      const key = /(gfm_[0-9A-Za-z]+)/.exec(first.output())?.[1];
      expect(key, first.output()).toBeDefined();
      expect(first.output()).toContain('curl');
      // It says what it is doing while the embedded database is created, then what it runs on.
      expect(first.output()).toContain(
        `Preparing the embedded database in ${dataDir} (only on the first start`,
      );
      expect(first.output()).toContain(
        `(database: embedded (PGlite) in ${dataDir}; PubSub: in memory (this instance only))`,
      );
      const recordedAt = new Date(Date.now() - 1000).toISOString();
      const reported = await graphqlAt(
        first.url,
        key!,
        `mutation { reportLocation(input: { deviceId: "phone", latitude: 48.1, longitude: 11.6, recordedAt: "${recordedAt}" }) { id } }`,
      );
      expect(reported.errors).toBeUndefined();
      expect(await first.stop()).toBe(0);

      const second = await startServerProcess(env);
      try {
        expect(second.output()).not.toContain('gfm_');
        expect(second.output()).toContain(`Opening the embedded database in ${dataDir}…`);
        const history = await graphqlAt(
          second.url,
          key!,
          '{ locations { edges { node { deviceId latitude recordedAt } } } viewer { group { name } } }',
        );
        expect(history.data).toEqual({
          locations: { edges: [{ node: { deviceId: 'phone', latitude: 48.1, recordedAt } }] },
          viewer: { group: { name: 'demo' } },
        });
      } finally {
        expect(await second.stop()).toBe(0);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('shutdown', { timeout: 120_000 }, () => {
  it.each([
    ['the server', 'main', 'GoFindMe is listening on'],
    ['npm run worker', 'worker', 'GoFindMe webhook worker is running'],
  ])('%s stops gracefully on a SIGTERM sent the moment it says it runs', async (_, program, line) => {
    const { code, output } = await exitOf([program], {
      ...{ DATABASE_URL: '', DATA_DIR: 'memory://', REDIS_URL: '', LOG_LEVEL: 'info' },
      ...{ HOST: '127.0.0.1', PORT: '0' },
      ...sigtermAt(line),
    });
    expect(output).toContain(line);
    expect(output).toContain('"msg":"stopped"');
    expect(code, output).toBe(0);
  });

  it('finishes a report in flight, tells live subscribers to resume elsewhere, closes WebSockets with 1001 and exits 0', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gofindme-shutdown-'));
    try {
      const server = await startServerProcess({ DATABASE_URL: '', DATA_DIR: dataDir });
      const key = /(gfm_[0-9A-Za-z]+)/.exec(server.output())![1]!;
      const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
      const messages: { type: string; payload?: { errors?: { extensions?: { code?: string } }[] } }[] = [];
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data));
        messages.push(message);
        if (message.type === 'connection_ack') {
          socket.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: { query: 'subscription { locationUpdates { cursor } }' },
            }),
          );
        }
      });
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: key } }));
      await expect.poll(() => messages.some((m) => m.type === 'connection_ack')).toBe(true);
      const sse = subscribe(
        'sse',
        `${server.url}/graphql`,
        key,
        'subscription { locationUpdates { cursor } }',
      );
      await new Promise((resolve) => setTimeout(resolve, 500)); // the subscriptions are running

      // A report whose body is still arriving when the signal comes.
      const body = JSON.stringify({
        query: `mutation { reportLocation(input: { deviceId: "late", latitude: 1, longitude: 2, recordedAt: "${new Date().toISOString()}" }) { id } }`,
      });
      const report = request(`${server.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': key,
          'content-length': Buffer.byteLength(body),
        },
      });
      const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
        report.on('response', (response) => {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        });
        report.on('error', reject);
      });
      report.write(body.slice(0, 40));
      await new Promise((resolve) => setTimeout(resolve, 200));

      const started = Date.now();
      const exitCode = server.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
      report.end(body.slice(40));
      const reported = await answered;
      expect(reported.status).toBe(200);
      expect(JSON.parse(reported.text).data.reportLocation.id).toEqual(expect.any(String));

      expect(await closed).toBe(1001);
      await sse.ended; // the SSE response ends, after the error below
      // The error tells the client to resume (from its last cursor) elsewhere right away.
      expect(sse.results.map((r) => r.errors?.[0]?.extensions)).toEqual([
        { code: 'UNAVAILABLE', retryAfter: 0 },
      ]);
      expect(await exitCode).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      const next = messages.find((m) => m.type === 'next');
      expect(next?.payload?.errors?.[0]?.extensions).toEqual({ code: 'UNAVAILABLE', retryAfter: 0 });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
