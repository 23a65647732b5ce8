import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { exitOf, startServerProcess } from './helpers/processes.ts';

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
      live: { bufferLimit: 10_000 },
      redisUrl: undefined,
    });
    const pgConfig = loadConfig({
      DATABASE_URL: 'postgresql://u@h:5432/db',
      DATABASE_POOL_SIZE: '25',
      LOCATION_MAX_FUTURE_SKEW: '90s',
    });
    expect(pgConfig.database).toEqual({ kind: 'postgres', url: 'postgresql://u@h:5432/db', poolSize: 25 });
    expect(pgConfig.locations.maxFutureSkewMs).toBe(90_000);
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
    const { code, output } = await exitOf(['src/main.ts'], { PORT: '-1', LOG_LEVEL: 'loud' });
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
