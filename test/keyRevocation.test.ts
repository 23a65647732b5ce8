// A key is valid for an operation only at the moment it runs, on every transport: a
// revoked or expired key ends every connection and stream it holds, and a key never
// creates a key that outlives it.

import { print } from 'graphql';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { graphql } from './gql/index.ts';
import { codes, startTestServer, type TestKey, type TestServer } from './helpers/server.ts';
import { subscribe, TRANSPORTS } from './helpers/subscriptions.ts';

const Revoke = graphql(`
  mutation RevokeKey($id: ID!) {
    revokeApiKey(id: $id) {
      id
      revokedAt
    }
  }
`);

const CreateKey = graphql(`
  mutation CreateChildKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      key
      apiKey {
        id
        expiresAt
      }
    }
  }
`);

const RotateKey = graphql(`
  mutation RotateWithLimit($id: ID!) {
    rotateApiKey(id: $id) {
      key
      apiKey {
        expiresAt
      }
    }
  }
`);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const UPDATES = graphql(`
  subscription RevocableUpdates {
    locationUpdates {
      cursor
    }
  }
`);

/** A graphql-ws connection that records how it closed. */
function socketClient(key: TestKey) {
  let closeCode: number | undefined;
  const client = createWsClient({
    url: server.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { apiKey: key.key },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: { closed: (event) => (closeCode = (event as { code: number }).code) },
  });
  const run = <T>(query: string) =>
    new Promise<{ data?: T; errors?: unknown }>((resolve) => {
      client.subscribe<T>(
        { query },
        {
          next: (result) => resolve(result as { data?: T }),
          error: (error) => resolve({ errors: error }),
          complete: () => {},
        },
      );
    });
  return { client, run, closeCode: () => closeCode };
}

describe('a revoked key', () => {
  it('runs nothing more over a WebSocket it opened before, which closes with 4403', async () => {
    const admin = await server.key();
    const target = await server.key({ groupId: admin.groupId });
    const socket = socketClient(target);
    try {
      const before = await socket.run<{ viewer: { id: string } }>('{ viewer { id } }');
      expect(before.data?.viewer.id).toBe(target.id);
      const revoked = await admin.request(Revoke, { id: target.id });
      expect(revoked.errors).toBeUndefined();
      await expect.poll(socket.closeCode, { timeout: 5_000 }).toBe(4403);
      const viewer = await socket.run('{ viewer { id } }');
      const mint = await socket.run(
        'mutation { createApiKey(input: { name: "escape", scopes: [LOCATIONS_READ] }) { key } }',
      );
      expect(viewer.data).toBeUndefined();
      expect(mint.data).toBeUndefined();
      // It minted nothing.
      const keys = await server.runtime.db.prisma.apiKey.count({ where: { groupId: admin.groupId } });
      expect(keys).toBe(2);
    } finally {
      await socket.client.dispose();
    }
  });

  it('is refused per operation on a WebSocket even when revoked behind this instance’s back', async () => {
    const target = await server.key();
    const socket = socketClient(target);
    try {
      expect((await socket.run<{ viewer: { id: string } }>('{ viewer { id } }')).data?.viewer.id).toBe(
        target.id,
      );
      // As another instance would: straight in the database, nothing told here.
      const revokedAt = Date.now();
      await server.runtime.db.prisma.apiKey.update({
        where: { id: target.id },
        data: { revokedAt: new Date() },
      });
      await expect.poll(socket.closeCode, { timeout: 5_000 }).toBe(4403);
      expect(Date.now() - revokedAt).toBeLessThan(5_000);
    } finally {
      await socket.client.dispose();
    }
  });

  it('ends its streams on every transport with UNAUTHENTICATED, and drops its reserved graphql-sse stream', async () => {
    const admin = await server.key();
    const target = await server.key({ groupId: admin.groupId });
    const subs = TRANSPORTS.map((transport) => subscribe(transport, server.url, target.key, UPDATES));
    const reserved = await fetch(`${server.url}/stream`, {
      method: 'PUT',
      headers: { 'x-api-key': target.key },
    });
    expect(reserved.status).toBe(201);
    try {
      await expect.poll(() => server.runtime.services.live.activeStreams).toBe(TRANSPORTS.length);
      await admin.request(Revoke, { id: target.id });
      for (const [i, sub] of subs.entries()) {
        const { description } = await sub.ended;
        const shown = `${description} ${JSON.stringify(sub.results)}`;
        expect(shown, TRANSPORTS[i]).toContain('UNAUTHENTICATED');
      }
      await expect.poll(() => server.runtime.services.live.activeStreams).toBe(0);
      // Nothing of the key is held any more (the reservation included).
      expect(server.runtime.services.apiKeys.sessions.count(target.id)).toBe(0);
    } finally {
      await Promise.all(subs.map((s) => s.close()));
    }
  });
});

describe('a key holding many streams', () => {
  it('is watched once, not once per stream, and every stream ends with UNAUTHENTICATED', async () => {
    const admin = await server.key();
    const target = await server.key({ groupId: admin.groupId });
    const subs = Array.from({ length: 5 }, () => subscribe('sse', server.url, target.key, UPDATES));
    try {
      await expect.poll(() => server.runtime.services.live.activeStreams).toBe(subs.length);
      // One entry for all five streams (an HTTP event stream registers nothing else).
      expect(server.runtime.services.apiKeys.sessions.count(target.id)).toBe(1);
      await admin.request(Revoke, { id: target.id });
      for (const sub of subs) {
        const { description } = await sub.ended;
        expect(`${description} ${JSON.stringify(sub.results)}`).toContain('UNAUTHENTICATED');
      }
      await expect.poll(() => server.runtime.services.live.activeStreams).toBe(0);
      expect(server.runtime.services.apiKeys.sessions.count(target.id)).toBe(0);
    } finally {
      await Promise.all(subs.map((s) => s.close()));
    }
  });
});

describe('an expiring key', () => {
  it('closes its WebSocket with 4403 and ends its streams when it expires', async () => {
    const target = await server.key({ expiresAt: new Date(Date.now() + 1500) });
    const socket = socketClient(target);
    const sse = subscribe('graphql-sse', server.url, target.key, UPDATES);
    try {
      expect((await socket.run<{ viewer: { id: string } }>('{ viewer { id } }')).data?.viewer.id).toBe(
        target.id,
      );
      await expect.poll(socket.closeCode, { timeout: 5_000 }).toBe(4403);
      const { description } = await sse.ended;
      expect(`${description} ${JSON.stringify(sse.results)}`).toContain('UNAUTHENTICATED');
      const after = await target.request(graphql(`query ViewerAfterExpiry { viewer { id } }`));
      expect(after.status).toBe(401);
    } finally {
      await socket.client.dispose();
      await sse.close();
    }
  });
});

describe('a key creating keys', () => {
  it('never creates one that outlives it', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000);
    const creator = await server.key({ expiresAt });
    // No expiry asked: the creator's.
    const inherited = await creator.request(CreateKey, {
      input: { name: 'child', scopes: ['LOCATIONS_READ'] },
    });
    expect(inherited.data?.createApiKey.apiKey.expiresAt).toBe(expiresAt.toISOString());
    // Earlier is fine.
    const sooner = new Date(Date.now() + 60_000).toISOString();
    const shorter = await creator.request(CreateKey, {
      input: { name: 'short', scopes: ['LOCATIONS_READ'], expiresAt: sooner },
    });
    expect(shorter.data?.createApiKey.apiKey.expiresAt).toBe(sooner);
    // Later, or never, is refused.
    const later = await creator.request(CreateKey, {
      input: {
        name: 'long',
        scopes: ['LOCATIONS_READ'],
        expiresAt: new Date(Date.now() + 7_200_000).toISOString(),
      },
    });
    expect(codes(later)).toEqual(['BAD_USER_INPUT']);
    expect(later.errors![0]!.extensions?.issues?.[0]?.field).toBe('expiresAt');
    // A key without expiry may create one without expiry (scopes still cannot grow).
    const forever = await server.key({ scopes: ['keys:manage', 'locations:read'] });
    const unlimited = await forever.request(CreateKey, { input: { name: 'u', scopes: ['LOCATIONS_READ'] } });
    expect(unlimited.data?.createApiKey.apiKey.expiresAt).toBeNull();
    const escalate = await forever.request(CreateKey, { input: { name: 'w', scopes: ['LOCATIONS_WRITE'] } });
    expect(codes(escalate)).toEqual(['FORBIDDEN']);
  });

  it('rotates a longer-lived key into one that expires with the rotating key', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000);
    const creator = await server.key({ expiresAt });
    const longLived = await server.key({ groupId: creator.groupId });
    const rotated = await creator.request(RotateKey, { id: longLived.id });
    expect(rotated.errors).toBeUndefined();
    expect(rotated.data?.rotateApiKey.apiKey.expiresAt).toBe(expiresAt.toISOString());
  });

  it('keeps the first revocation time when revocations race', async () => {
    const admin = await server.key();
    const target = await server.key({ groupId: admin.groupId });
    const results = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        await pause(i * 5);
        return admin.request(Revoke, { id: target.id });
      }),
    );
    const times = new Set(results.map((r) => r.data?.revokeApiKey.revokedAt));
    expect(times.size).toBe(1);
  });
});

describe('a 401', () => {
  it('says how to authenticate (WWW-Authenticate), on /graphql and /graphql/stream', async () => {
    for (const path of ['', '/stream']) {
      const response = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: path ? 'text/event-stream' : 'application/json',
        },
        body: JSON.stringify({ query: print(UPDATES) }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="gofindme"');
      const body = (await response.json()) as { errors: { message: string }[] };
      expect(body.errors[0]!.message).toContain('X-API-Key');
    }
  });
});
