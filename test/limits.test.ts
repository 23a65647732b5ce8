// Query limits hold on every transport; introspection (GraphiQL) still works; field
// suggestions are hidden in production.
import { getIntrospectionQuery } from 'graphql';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.ts';
import { startTestServer, type TestKey, type TestServer } from './helpers/server.ts';
import { subscribe, TRANSPORTS } from './helpers/subscriptions.ts';

let server: TestServer;
let key: TestKey;
beforeAll(async () => {
  server = await startTestServer({ queryLimits: { blockSuggestions: true } });
  key = await server.key();
});
afterAll(async () => {
  await server?.stop();
});

async function post(query: string): Promise<{
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      'x-api-key': key.key,
    },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: await response.json() };
}

// Depth 12: devices > edges > node > lastLocation > device > lastLocation > device > ...
const deep = `{ devices { edges { node { lastLocation { device { lastLocation { device { lastLocation { device { lastLocation { device { deviceId } } } } } } } } } } } }`;
const HOSTILE = {
  depth: deep,
  aliases: `{ ${Array.from({ length: 50 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`,
  tokens: `{ viewer { ${Array.from({ length: 3000 }, () => 'id').join(' ')} } }`,
  directives: `{ viewer { id ${Array.from({ length: 50 }, () => '@include(if: true)').join(' ')} } }`,
  cost: `{ ${Array.from({ length: 19 }, (_, i) => `l${i}: locations(first: 1000) { edges { node { id cursor deviceId latitude longitude accuracy altitude speed heading battery recordedAt receivedAt device { deviceId createdAt lastLocation { id latitude longitude } } } } }`).join(' ')} }`,
};

describe('query limits', () => {
  it.each(Object.entries(HOSTILE))(
    'refuses a document over the %s limit over HTTP, with a client error',
    async (_name, query) => {
      const { status, body } = await post(query);
      expect(status).toBe(400);
      expect(body.data ?? null).toBeNull();
      expect(body.errors![0]!.extensions?.code).toMatch(
        /GRAPHQL_VALIDATION_FAILED|GRAPHQL_PARSE_FAILED|BAD_REQUEST/,
      );
      expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
    },
  );

  it.each(TRANSPORTS)('applies to subscriptions over %s too', async (transport) => {
    const aliases = `subscription { ${Array.from({ length: 50 }, (_, i) => `a${i}: locationUpdates { cursor }`).join(' ')} }`;
    const sub = subscribe(transport, server.url, key.key, aliases);
    const { description } = await sub.ended;
    // Refused before it starts: an error naming the limit (graphql-sse answers HTTP 400), no data.
    expect(description + JSON.stringify(sub.results)).toMatch(/alias|HTTP 400/i);
    expect(sub.results.some((r) => r.data)).toBe(false);
    await sub.close();
  });

  it('lets ordinary queries and full introspection (GraphiQL) through', async () => {
    const ordinary = await post(
      '{ viewer { id name scopes group { id name } } devices(first: 10) { edges { node { deviceId lastLocation { latitude longitude recordedAt } } } } locations(last: 100) { edges { node { id cursor deviceId latitude longitude recordedAt } } } }',
    );
    expect(ordinary.status).toBe(200);
    expect(ordinary.body.errors).toBeUndefined();
    const introspection = await post(
      getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }),
    );
    expect(introspection.status).toBe(200);
    expect(introspection.body.errors).toBeUndefined();
  });

  it('hides field suggestions when told to (as in production)', async () => {
    const { body } = await post('{ viewr { id } }');
    expect(body.errors![0]!.message).not.toMatch(/Did you mean/);
    const open = await startTestServer();
    try {
      const other = await open.key();
      const suggested = await fetch(open.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': other.key },
        // Another misspelling: validation results are cached by document.
        body: JSON.stringify({ query: '{ viewerr { id } }' }),
      });
      expect(JSON.stringify(await suggested.json())).toMatch(/Did you mean \\"viewer\\"/);
    } finally {
      await open.stop();
    }
    expect(loadConfig({ NODE_ENV: 'production' }).queryLimits.blockSuggestions).toBe(true);
    expect(loadConfig({}).queryLimits).toMatchObject({
      maxDepth: 10,
      maxAliases: 20,
      blockSuggestions: false,
    });
    expect(loadConfig({ GRAPHQL_MAX_DEPTH: '4' }).queryLimits.maxDepth).toBe(4);
  });
});

describe('concurrent subscriptions', () => {
  it('are limited per key on an instance, and per WebSocket connection', async () => {
    const limited = await startTestServer({ maxStreamsPerKey: 2, maxOperationsPerConnection: 3 });
    const cleanup: (() => Promise<void> | void)[] = [];
    try {
      const one = await limited.key();
      const query = 'subscription { locationUpdates { cursor } }';
      const first = subscribe('ws', limited.url, one.key, query);
      const second = subscribe('sse', limited.url, one.key, query);
      cleanup.push(
        () => first.close(),
        () => second.close(),
      );
      await expect.poll(() => limited.runtime.services.live.activeStreams).toBe(2);
      const third = subscribe('graphql-sse', limited.url, one.key, query);
      cleanup.push(() => third.close());
      const [refused] = await third.waitFor(1);
      expect(refused!.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED' });
      // Another key is not affected, and a freed slot can be used again.
      const other = subscribe('ws', limited.url, (await limited.key()).key, query);
      cleanup.push(() => other.close());
      await expect.poll(() => limited.runtime.services.live.activeStreams).toBe(3);
      await first.close();
      await expect.poll(() => limited.runtime.services.live.activeStreams).toBe(2);
      const again = subscribe('ws', limited.url, one.key, query);
      cleanup.push(() => again.close());
      await expect.poll(() => limited.runtime.services.live.activeStreams).toBe(3);

      // One WebSocket connection: 3 operations at once, the 4th refused. Its key may hold
      // only 2 live subscriptions, so the 3rd is refused too, by the key's limit, although
      // all three start at the same moment.
      const client = createWsClient({
        url: limited.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { apiKey: (await limited.key()).key },
      });
      cleanup.push(() => client.dispose());
      const errors: string[] = [];
      for (let i = 0; i < 4; i++) {
        cleanup.push(
          client.subscribe(
            { query },
            {
              next: (result) => {
                if (result.errors) errors.push(JSON.stringify(result.errors));
              },
              error: (e) => errors.push(JSON.stringify(e)),
              complete: () => {},
            },
          ),
        );
      }
      await expect.poll(() => errors.length).toBe(2);
      expect(errors.every((e) => e.includes('RATE_LIMITED'))).toBe(true);
      expect(errors.some((e) => e.includes('WS_MAX_OPERATIONS_PER_CONNECTION'))).toBe(true);
      expect(errors.some((e) => e.includes('LIVE_MAX_SUBSCRIPTIONS_PER_KEY'))).toBe(true);
      await expect.poll(() => limited.runtime.services.live.activeStreams).toBe(5);
    } finally {
      for (const close of cleanup.reverse()) await close();
      await limited.stop();
    }
  });
});
