import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { runCli, startServerProcess } from './helpers/processes.ts';

// The CLI against the database under test (embedded, or PostgreSQL when DATABASE_URL is set).
let database: TestDatabase;
let env: Record<string, string>;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'gofindme-cli-'));
  database = await createTestDatabase({ dataDir });
  env =
    database.config.kind === 'postgres'
      ? { DATABASE_URL: database.config.url }
      : { DATABASE_URL: '', DATA_DIR: database.config.dataDir };
});
afterAll(async () => {
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run cli', { timeout: 180_000 }, () => {
  it('manages groups and keys, printing one JSON object with --json', async () => {
    // A fresh database: it says what it applied; a second run, that nothing was pending.
    const migrations = readdirSync(new URL('../prisma/migrations/', import.meta.url), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const migrate = await runCli(['db', 'migrate', '--json'], env);
    expect(migrate.code).toBe(0);
    expect(migrate.json).toEqual({ status: 'up-to-date', applied: migrations });
    const again = await runCli(['db', 'migrate'], env);
    expect(again.stdout).toBe('The database is up to date: no migration was pending.\n');

    const group = await runCli(['groups', 'create', 'fleet', '--json'], env);
    expect(group.code).toBe(0);
    expect(Object.keys(group.json).sort()).toEqual(['id', 'name']);
    expect(group.json.name).toBe('fleet');

    const key = await runCli(
      [
        'keys',
        'create',
        '--group',
        'fleet',
        '--name',
        'ios app',
        '--scopes',
        'locations:write,locations:read',
        '--json',
      ],
      env,
    );
    expect(key.code).toBe(0);
    expect(Object.keys(key.json).sort()).toEqual(['groupId', 'id', 'key', 'scopes']);
    expect(key.json.groupId).toBe(group.json.id);
    expect(key.json.key).toMatch(/^gfm_/);
    expect(key.json.scopes).toEqual(['locations:write', 'locations:read']);

    const all = await runCli(
      ['keys', 'create', '--group', 'fleet', '--name', 'ops', '--scopes', 'all', '--json'],
      env,
    );
    expect(all.json.scopes).toEqual([
      'locations:write',
      'locations:read',
      'webhooks:manage',
      'keys:manage',
      'geofences:manage',
    ]);

    const list = await runCli(['keys', 'list', '--group', 'fleet', '--json'], env);
    const keys = list.json.keys as { id: string; name: string; revokedAt: string | null }[];
    expect(keys.map((k) => k.name)).toEqual(['ios app', 'ops']);
    expect(list.stdout).not.toContain(String(key.json.key));

    const revoke = await runCli(['keys', 'revoke', String(key.json.id), '--json'], env);
    expect(revoke.code).toBe(0);
    expect(revoke.json.id).toBe(key.json.id);
    expect(revoke.json.revokedAt).toEqual(expect.any(String));

    const groups = await runCli(['groups', 'list', '--json'], env);
    expect((groups.json.groups as { name: string }[]).map((g) => g.name)).toContain('fleet');

    const text = await runCli(['keys', 'list', '--group', 'fleet'], env);
    expect(text.stdout).toContain('REVOKED');
  });

  it('explains mistakes and exits non-zero', async () => {
    const unknownGroup = await runCli(['keys', 'list', '--group', 'nope', '--json'], env);
    expect(unknownGroup.code).toBe(1);
    expect(unknownGroup.json).toEqual({ error: { code: 'NOT_FOUND', message: 'No group named "nope"' } });

    const duplicate = await runCli(['groups', 'create', 'fleet'], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('already exists');

    const badScope = await runCli(
      ['keys', 'create', '--group', 'fleet', '--name', 'x', '--scopes', 'root'],
      env,
    );
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toContain('Unknown scope');

    const unknownCommand = await runCli(['frobnicate'], env);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('Usage');

    const badId = await runCli(['keys', 'revoke', 'not-an-id'], env);
    expect(badId.code).toBe(1);
    expect(badId.stderr).toContain('No API key');
  });
});

describe('the embedded database and a running server', { timeout: 180_000 }, () => {
  it('never opens the same DATA_DIR twice: the second process stops with a clear message', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gofindme-lock-'));
    const embedded = { DATABASE_URL: '', DATA_DIR: dir };
    try {
      const created = await runCli(['groups', 'create', 'ops', '--json'], embedded);
      const key = await runCli(
        ['keys', 'create', '--group', 'ops', '--name', 'k', '--scopes', 'all', '--json'],
        embedded,
      );
      const server = await startServerProcess(embedded);
      try {
        const blocked = await runCli(['groups', 'list'], embedded);
        expect(blocked.code).toBe(1);
        expect(blocked.stderr).toContain('is in use by another GoFindMe process');

        const second = await runCli([], {});
        expect(second.code).toBe(2);

        // Ids printed by the CLI are the ids the API uses.
        const response = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': String(key.json.key) },
          body: JSON.stringify({ query: '{ viewer { id group { id name } } }' }),
        });
        expect((await response.json()).data.viewer).toEqual({
          id: key.json.id,
          group: { id: created.json.id, name: 'ops' },
        });
      } finally {
        expect(await server.stop()).toBe(0);
      }
      const after = await runCli(['groups', 'list', '--json'], embedded);
      expect(after.code).toBe(0);
      expect((after.json.groups as { name: string }[]).map((g) => g.name)).toEqual(['ops']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
