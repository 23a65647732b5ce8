import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../src/auth/apiKeys.ts';
import { displayPrefix, generateKey, hashKey, isWellFormedKey } from '../src/auth/keyFormat.ts';
import { graphql } from './gql/index.ts';
import { codes, graphqlRequest, startTestServer, type TestServer } from './helpers/server.ts';

const Viewer = graphql(`
  query Viewer {
    viewer {
      id
      name
      prefix
      scopes
      group {
        id
        name
      }
    }
  }
`);

const Keys = graphql(`
  query Keys {
    apiKeys {
      id
      name
      scopes
      lastUsedAt
      revokedAt
    }
  }
`);

const CreateKey = graphql(`
  mutation CreateKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      key
      apiKey {
        id
        name
        scopes
        expiresAt
      }
    }
  }
`);

const RevokeKey = graphql(`
  mutation RevokeKey($id: ID!) {
    revokeApiKey(id: $id) {
      id
      revokedAt
    }
  }
`);

const ReportForAuth = graphql(`
  mutation ReportForAuth($input: LocationInput!) {
    reportLocation(input: $input) {
      id
    }
  }
`);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const viewerWith = (headers: Record<string, string>) =>
  graphqlRequest(server.url, Viewer, undefined, headers);

describe('key format', () => {
  it('generates gfm_ keys with a checksum that catches typos', () => {
    const key = generateKey();
    expect(key).toMatch(/^gfm_[0-9A-Za-z]{36}$/);
    expect(isWellFormedKey(key)).toBe(true);
    const typo = `${key.slice(0, 10)}${key[10] === 'a' ? 'b' : 'a'}${key.slice(11)}`;
    expect(isWellFormedKey(typo)).toBe(false);
    expect(isWellFormedKey(`${key}x`)).toBe(false);
    expect(displayPrefix(key)).toBe(key.slice(0, 12));
    expect(hashKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(Array.from({ length: 100 }, generateKey)).size).toBe(100);
  });

  it('stores only a hash of the key', async () => {
    const key = await server.key();
    const rows = await server.runtime.db.sql.query<Record<string, unknown>>(
      'SELECT * FROM api_keys WHERE id = $1',
      [key.id],
    );
    expect(JSON.stringify(rows)).not.toContain(key.key);
    expect(rows[0]!.hash).toBe(hashKey(key.key));
  });
});

describe('authentication', () => {
  it('reads a key in steady use again before its cached record expires, without a request waiting for it', async () => {
    const key = await server.key();
    const { db } = server.runtime;
    // Another instance's cache: it hears of no change, so only its own reads can see one.
    const keys = new ApiKeyService(db.prisma, { cacheTtlMs: 2_000 });
    try {
      const cached = Date.now();
      expect((await keys.authenticate(key.key)).keyName).toBe('test key');
      await db.prisma.apiKey.update({ where: { id: key.id }, data: { name: 'renamed' } });
      await sleep(1_200);
      // Past half its TTL the record is still served, and read again in the background…
      expect((await keys.authenticate(key.key)).keyName).toBe('test key');
      // …so the change shows before the record would have expired.
      let name = '';
      while (Date.now() - cached < 1_800 && name !== 'renamed') {
        await sleep(20);
        name = (await keys.authenticate(key.key)).keyName;
      }
      expect(name).toBe('renamed');
    } finally {
      keys.close();
    }
  });

  it('accepts X-API-Key and Authorization: Bearer and answers viewer with the key and its group', async () => {
    const group = await server.group('auth-viewer');
    const key = await server.key({ groupId: group.id, scopes: ['locations:read'] });
    const variants: Record<string, string>[] = [
      { 'x-api-key': key.key },
      { authorization: `Bearer ${key.key}` },
    ];
    for (const headers of variants) {
      const response = await viewerWith(headers);
      expect(response.status).toBe(200);
      expect(response.data!.viewer).toEqual({
        id: key.id,
        name: 'test key',
        prefix: key.key.slice(0, 12),
        scopes: ['LOCATIONS_READ'],
        group: { id: group.id, name: 'auth-viewer' },
      });
    }
  });

  const refused: [string, Record<string, string>][] = [
    ['no key', {}],
    ['an empty key', { 'x-api-key': '' }],
    ['a malformed key', { 'x-api-key': 'hello' }],
    ['a well-formed unknown key', { 'x-api-key': generateKey() }],
    ['a Basic authorization', { authorization: 'Basic dXNlcjpwYXNz' }],
  ];
  it.each(refused)('refuses %s with 401 UNAUTHENTICATED', async (_name, headers) => {
    const response = await viewerWith(headers);
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.data ?? null).toBeNull();
  });

  it('refuses an expired key', async () => {
    const key = await server.key({ expiresAt: new Date(Date.now() + 1500) });
    expect((await viewerWith({ 'x-api-key': key.key })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const response = await viewerWith({ 'x-api-key': key.key });
    expect(response.status).toBe(401);
    expect(response.errors![0]!.message).toMatch(/expired/);
  });

  it('refuses a revoked key at once on the instance that revoked it', async () => {
    const admin = await server.key();
    const victim = await server.key({ groupId: admin.groupId, scopes: ['locations:read'] });
    expect((await viewerWith({ 'x-api-key': victim.key })).status).toBe(200);
    const revoked = await admin.request(RevokeKey, { id: victim.id });
    expect(revoked.data!.revokeApiKey.revokedAt).toBeTruthy();
    const response = await viewerWith({ 'x-api-key': victim.key });
    expect(response.status).toBe(401);
    expect(response.errors![0]!.message).toMatch(/revoked/);
  });

  it('serves known keys from memory: no database lookup per request', async () => {
    const key = await server.key({ scopes: ['locations:read'] });
    expect((await viewerWith({ 'x-api-key': key.key })).status).toBe(200);
    // Remove the row behind the service's back: the cached key keeps working for its short lifetime.
    await server.runtime.db.sql.query('DELETE FROM api_keys WHERE id = $1', [key.id]);
    const Ping = graphql(`
      query Ping {
        __typename
      }
    `);
    const response = await graphqlRequest(server.url, Ping, undefined, { 'x-api-key': key.key });
    expect(response.status).toBe(200);
  });

  it('records lastUsedAt, at most about once a minute', async () => {
    const key = await server.key();
    const lastUsed = async () =>
      (
        await server.runtime.db.sql.query<{ last_used_at: Date | null }>(
          'SELECT last_used_at FROM api_keys WHERE id = $1',
          [key.id],
        )
      )[0]!.last_used_at;
    expect(await lastUsed()).toBeNull();
    await key.request(Keys, undefined);
    await expect.poll(lastUsed).not.toBeNull();
    const first = await lastUsed();
    for (let i = 0; i < 5; i++) await key.request(Keys, undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await lastUsed()).toEqual(first);
  });
});

describe('scopes', () => {
  it('answers a missing scope with FORBIDDEN and writes nothing', async () => {
    const reader = await server.key({ scopes: ['locations:read'] });
    const response = await reader.request(ReportForAuth, {
      input: { deviceId: 'x', latitude: 1, longitude: 1, recordedAt: new Date().toISOString() },
    });
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(response.errors![0]!.message).toContain('reportLocation');
    const count = await server.runtime.db.sql.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM locations WHERE group_id = $1',
      [reader.groupId],
    );
    expect(count[0]!.n).toBe('0');
    expect(codes(await reader.request(Keys, undefined))).toEqual(['FORBIDDEN']);
  });

  it('lets a keys:manage key create keys with the scopes it has, never more', async () => {
    const manager = await server.key({ scopes: ['keys:manage', 'locations:read'] });
    const created = await manager.request(CreateKey, {
      input: { name: 'dashboard', scopes: ['LOCATIONS_READ'] },
    });
    expect(created.errors).toBeUndefined();
    const { key, apiKey } = created.data!.createApiKey;
    expect(apiKey.scopes).toEqual(['LOCATIONS_READ']);
    const asNew = await viewerWith({ 'x-api-key': key });
    expect(asNew.data!.viewer.id).toBe(apiKey.id);
    expect(asNew.data!.viewer.group.id).toBe(manager.groupId);

    const escalate = await manager.request(CreateKey, { input: { name: 'x', scopes: ['LOCATIONS_WRITE'] } });
    expect(codes(escalate)).toEqual(['FORBIDDEN']);
    const listed = await manager.request(Keys, undefined);
    expect(listed.data!.apiKeys.map((k) => k.name).sort()).toEqual(['dashboard', 'test key']);
  });

  it('validates new keys: a name, at least one scope, an expiry in the future', async () => {
    const manager = await server.key();
    const cases = [
      { name: '', scopes: ['LOCATIONS_READ' as const] },
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['LOCATIONS_READ' as const], expiresAt: '2001-01-01T00:00:00Z' },
    ];
    for (const input of cases)
      expect(codes(await manager.request(CreateKey, { input }))).toEqual(['BAD_USER_INPUT']);
  });

  it('revokes only keys of its own group', async () => {
    const mine = await server.key();
    const theirs = await server.key();
    const response = await mine.request(RevokeKey, { id: theirs.id });
    expect(codes(response)).toEqual(['NOT_FOUND']);
    expect(codes(await mine.request(RevokeKey, { id: 'not-a-uuid' }))).toEqual(['NOT_FOUND']);
    expect((await theirs.request(Viewer, undefined)).status).toBe(200);
  });
});

const RotateKey = graphql(`
  mutation RotateKey($id: ID!, $oldKeyExpiresAt: DateTime) {
    rotateApiKey(id: $id, oldKeyExpiresAt: $oldKeyExpiresAt) {
      key
      apiKey {
        id
        name
        scopes
        expiresAt
      }
      previous {
        id
        expiresAt
      }
    }
  }
`);

describe('key rotation', () => {
  it('issues a replacement with the same name and scopes while the old key works until the chosen time', async () => {
    const admin = await server.key();
    const created = await admin.request(CreateKey, {
      input: { name: 'iOS app', scopes: ['LOCATIONS_WRITE', 'LOCATIONS_READ'] },
    });
    const old = created.data!.createApiKey;
    const asOld = (headers: Record<string, string> = {}) => viewerWith({ 'x-api-key': old.key, ...headers });
    expect((await asOld()).status).toBe(200);

    const until = new Date(Date.now() + 1500);
    const rotated = await admin.request(RotateKey, {
      id: old.apiKey.id,
      oldKeyExpiresAt: until.toISOString(),
    });
    expect(rotated.errors).toBeUndefined();
    const { key, apiKey, previous } = rotated.data!.rotateApiKey;
    expect(apiKey).toMatchObject({
      name: 'iOS app',
      scopes: ['LOCATIONS_WRITE', 'LOCATIONS_READ'],
      expiresAt: null,
    });
    expect(apiKey.id).not.toBe(old.apiKey.id);
    expect(previous).toEqual({ id: old.apiKey.id, expiresAt: until.toISOString() });

    const asNew = await viewerWith({ 'x-api-key': key });
    expect(asNew.data?.viewer.id).toBe(apiKey.id);
    expect((await asOld()).status).toBe(200); // the overlap
    await new Promise((resolve) => setTimeout(resolve, 1700));
    expect(codes(await asOld())).toEqual(['UNAUTHENTICATED']);
    expect((await viewerWith({ 'x-api-key': key })).status).toBe(200);
  });

  it('refuses to rotate a revoked key, one of another group, or into scopes the caller lacks', async () => {
    const admin = await server.key();
    const created = (await admin.request(CreateKey, { input: { name: 'gone', scopes: ['LOCATIONS_READ'] } }))
      .data!.createApiKey;
    await admin.request(RevokeKey, { id: created.apiKey.id });
    expect(codes(await admin.request(RotateKey, { id: created.apiKey.id }))).toEqual(['CONFLICT']);

    const stranger = await server.key();
    const mine = (await admin.request(CreateKey, { input: { name: 'mine', scopes: ['LOCATIONS_READ'] } }))
      .data!.createApiKey;
    expect(codes(await stranger.request(RotateKey, { id: mine.apiKey.id }))).toEqual(['NOT_FOUND']);
    expect(
      codes(await admin.request(RotateKey, { id: mine.apiKey.id, oldKeyExpiresAt: '2001-01-01T00:00:00Z' })),
    ).toEqual(['BAD_USER_INPUT']);

    // A key manager without webhooks:manage cannot rotate a key that has it.
    const limited = await server.key({ groupId: admin.groupId, scopes: ['keys:manage'] });
    const full = (await admin.request(CreateKey, { input: { name: 'full', scopes: ['WEBHOOKS_MANAGE'] } }))
      .data!.createApiKey;
    expect(codes(await limited.request(RotateKey, { id: full.apiKey.id }))).toEqual(['FORBIDDEN']);
    expect((await admin.request(Keys, {})).data!.apiKeys.filter((k) => k.name === 'full')).toHaveLength(1);
  });
});
