import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestKey, type TestServer } from './helpers/server.ts';

let server: TestServer;
let key: TestKey;
beforeAll(async () => {
  server = await startTestServer();
  key = await server.key();
});
afterAll(() => server.stop());

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key.key, ...headers },
    body,
  });

const SPEC_ACCEPT = { accept: 'application/graphql-response+json' };

async function expectClientError(response: Response, status: number, code?: string) {
  expect(response.status).toBe(status);
  const text = await response.text();
  expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
  if (code) expect(JSON.parse(text).errors[0].extensions.code).toBe(code);
  return text;
}

const countLocations = async () =>
  Number(
    (await server.runtime.db.sql.query<{ n: string }>('SELECT count(*)::text AS n FROM locations'))[0]!.n,
  );

describe('bad requests at the HTTP level', () => {
  it('answers malformed JSON with 400', async () => {
    await expectClientError(await post('{"query": "{ viewer { id } "'), 400, 'BAD_REQUEST');
    await expectClientError(await post('[1, 2'), 400);
    await expectClientError(await post(''), 400);
  });

  it('answers a wrong content type with 415 and a missing query with 400', async () => {
    await expectClientError(await post('{"query":"{ viewer { id } }"}', { 'content-type': 'text/xml' }), 415);
    await expectClientError(await post('{"variables":{}}', SPEC_ACCEPT), 400, 'BAD_REQUEST');
    await expectClientError(await post('{"query": 42}'), 400);
  });

  it('answers unknown request fields and unknown GraphQL fields with 400', async () => {
    const unknownParam = await expectClientError(await post('{"query":"{ viewer { id } }","foo":1}'), 400);
    expect(unknownParam).toContain('foo');
    const unknownField = await expectClientError(
      await post('{"query":"{ viewer { id password } }"}', SPEC_ACCEPT),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    );
    expect(unknownField).toContain('password');
    // Legacy `application/json` clients get the GraphQL-over-HTTP answer for invalid documents: 200 with errors.
    const legacy = await post('{"query":"{ viewer { id password } }"}', { accept: 'application/json' });
    expect(legacy.status).toBe(200);
    expect((await legacy.json()).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const unknownInput = await post(
      JSON.stringify({
        query: 'mutation($i: LocationInput!) { reportLocation(input: $i) { id } }',
        variables: {
          i: { deviceId: 'x', latitude: 1, longitude: 1, recordedAt: new Date().toISOString(), color: 'red' },
        },
      }),
    );
    expect(await expectClientError(unknownInput, 400, 'BAD_USER_INPUT')).toContain('color');
    expect(await countLocations()).toBe(0);
  });

  it('hands a body it has read to GraphQL without work per byte', async () => {
    // @whatwg-node/server tests `Object.keys(req.body)` of a body read before it: for a Buffer
    // that is a string per byte (the largest cost of a 15-KB batch report). Count the keys listed.
    const keys = Object.keys;
    let longest = 0;
    Object.keys = (value: object) => {
      const listed = keys(value);
      longest = Math.max(longest, listed.length);
      return listed;
    };
    try {
      const response = await post(`{"query":"{ viewer { id } }"${' '.repeat(500_000)}}`);
      expect(response.status).toBe(200);
      expect((await response.json()).data.viewer.id).toBeTruthy();
    } finally {
      Object.keys = keys;
    }
    expect(longest).toBeLessThan(1_000);
  });

  it('refuses a body over 1 MiB with 413, with or without a content-length', async () => {
    const big = JSON.stringify({ query: `{ viewer { id } }`, variables: { pad: 'x'.repeat(1024 * 1024) } });
    await expectClientError(await post(big), 413, 'PAYLOAD_TOO_LARGE');
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(100_000)));
        controller.close();
      },
    });
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key.key },
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    await expectClientError(response, 413);
    // The server is fine afterwards.
    expect((await post('{"query":"{ viewer { id } }"}')).status).toBe(200);
  });

  it('answers 413 so that a client still uploading can read it (no connection reset)', async () => {
    // A client that sends its whole 5 MB body before it reads: the server must not close
    // (reset) the connection while the upload is still coming.
    const { port } = new URL(server.url);
    for (const chunked of [false, true]) {
      for (let round = 0; round < 3; round++) {
        const answer = await new Promise<string>((resolve, reject) => {
          const socket = connect(Number(port), '127.0.0.1');
          let received = '';
          socket.on('data', (data) => {
            received += data;
          });
          socket.on('error', (error) =>
            reject(new Error(`${error.message} after ${JSON.stringify(received)}`)),
          );
          socket.on('close', () => resolve(received));
          socket.on('connect', async () => {
            const size = 5 * 1024 * 1024;
            socket.write(
              `POST /graphql HTTP/1.1\r\nHost: localhost\r\ncontent-type: application/json\r\nx-api-key: ${key.key}\r\n${
                chunked ? 'transfer-encoding: chunked' : `content-length: ${size}`
              }\r\n\r\n`,
            );
            const block = Buffer.alloc(64 * 1024, 'x');
            for (let sent = 0; sent < size; sent += block.length) {
              const frame = chunked
                ? Buffer.concat([Buffer.from(`${block.length.toString(16)}\r\n`), block, Buffer.from('\r\n')])
                : block;
              if (!socket.write(frame)) await new Promise((drain) => socket.once('drain', drain));
            }
            if (chunked) socket.write('0\r\n\r\n');
          });
        });
        expect(answer, `chunked: ${chunked}`).toMatch(/^HTTP\/1\.1 413 /);
        expect(answer).toContain('PAYLOAD_TOO_LARGE');
      }
    }
  });

  it('refuses a batch over 1000 locations with 400 and writes nothing', async () => {
    const input = Array.from({ length: 1001 }, (_, i) => ({
      deviceId: `d${i}`,
      latitude: 1,
      longitude: 1,
      recordedAt: new Date().toISOString(),
    }));
    const response = await post(
      JSON.stringify({
        query: 'mutation($i: [LocationInput!]!) { reportLocations(input: $i) { id } }',
        variables: { i: input },
      }),
    );
    expect(await expectClientError(response, 400, 'BAD_USER_INPUT')).toContain('1000');
    expect(await countLocations()).toBe(0);
  });

  it('refuses batched operations (a JSON array of requests)', async () => {
    await expectClientError(await post('[{"query":"{ viewer { id } }"},{"query":"{ viewer { id } }"}]'), 400);
  });

  it('treats numbers beyond a GraphQL Int as a client error, not a crash', async () => {
    const response = await post(
      '{"query":"{ locations(first: 99999999999) { edges { cursor } } }"}',
      SPEC_ACCEPT,
    );
    await expectClientError(response, 400, 'GRAPHQL_VALIDATION_FAILED');
  });
});

describe('unexpected failures', () => {
  it('are masked: no SQL, no stack, a generic message and code', async () => {
    const { sql } = server.runtime.db;
    await sql.exec('ALTER TABLE locations RENAME TO locations_away');
    try {
      const response = await post(
        JSON.stringify({
          query: 'mutation($i: LocationInput!) { reportLocation(input: $i) { id } }',
          variables: {
            i: { deviceId: 'x', latitude: 1, longitude: 1, recordedAt: new Date().toISOString() },
          },
        }),
      );
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.errors).toEqual([
        {
          message: 'Unexpected error.',
          locations: expect.any(Array),
          path: ['reportLocation'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ]);
      expect(JSON.stringify(body)).not.toMatch(/locations_away|relation|SELECT|\.ts:/);
    } finally {
      await sql.exec('ALTER TABLE locations_away RENAME TO locations');
    }
    expect((await post('{"query":"{ viewer { id } }"}')).status).toBe(200);
  });
});

describe('operational endpoints', () => {
  it('serves /healthz and /readyz', async () => {
    const health = await fetch(server.url.replace('/graphql', '/healthz'));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(server.url.replace('/graphql', '/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'ok' });
  });

  it('serves GraphiQL to a browser without a key', async () => {
    const response = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('GraphiQL');
    expect(html).toContain('X-API-Key');
  });

  it('answers GET queries', async () => {
    const response = await fetch(`${server.url}?query=${encodeURIComponent('{ viewer { id } }')}`, {
      headers: { 'x-api-key': key.key, accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    expect((await response.json()).data.viewer.id).toBe(key.id);
  });

  it('does not run mutations over GET', async () => {
    const query = encodeURIComponent(
      'mutation { reportLocation(input: { deviceId: "x", latitude: 1, longitude: 1, recordedAt: "2024-01-01T00:00:00Z" }) { id } }',
    );
    const response = await fetch(`${server.url}?query=${query}`, { headers: { 'x-api-key': key.key } });
    expect(response.status).toBe(405);
    expect(await countLocations()).toBe(0);
  });
});

describe('a graceful stop', () => {
  it('answers /readyz with 503 once stopping, and still finishes the request in flight', async () => {
    const own = await startTestServer();
    const key = await own.key();
    const { port } = new URL(own.url);
    const body = JSON.stringify({
      query: `mutation { reportLocation(input: { deviceId: "d", latitude: 1, longitude: 2, recordedAt: "${new Date().toISOString()}" }) { deviceId } }`,
    });
    // One connection: a report whose body is still arriving, then /readyz pipelined behind it.
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = '';
    socket.on('data', (chunk) => (received += chunk));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-Key: ${key.key}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 30)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = own.app.stop();
    expect(own.app.stopping).toBe(true);
    socket.write(`${body.slice(30)}GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n`);
    await ended;
    await stopped;
    const [report, readiness] = received.split(/(?=HTTP\/1\.1 )/);
    expect(report).toMatch(/^HTTP\/1\.1 200/);
    expect(report).toContain('"reportLocation":{"deviceId":"d"}');
    expect(readiness).toMatch(/^HTTP\/1\.1 503/);
    expect(readiness).toContain('"status":"shutting down"');
    await own.stop();
  });
});

describe('browsers', () => {
  it('may call from any origin by default, and only from CORS_ORIGINS when set', async () => {
    const preflight = (url: string, origin: string) =>
      fetch(url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-api-key',
        },
      });
    const open = await preflight(server.url, 'https://dashboard.example.com');
    expect(open.status).toBeLessThan(300);
    expect(['*', 'https://dashboard.example.com']).toContain(open.headers.get('access-control-allow-origin'));
    expect(open.headers.get('access-control-allow-headers')).toContain('x-api-key');

    const narrow = await startTestServer({ corsOrigins: ['https://dashboard.example.com'] });
    try {
      const allowed = await preflight(narrow.url, 'https://dashboard.example.com');
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dashboard.example.com');
      const refused = await preflight(narrow.url, 'https://evil.example.net');
      expect(refused.headers.get('access-control-allow-origin')).not.toBe('https://evil.example.net');
    } finally {
      await narrow.stop();
    }
  });

  it('refuses requests a cross-site form or link could send (CSRF), and lets API clients through', async () => {
    const key = await server.key();
    const mutation =
      'mutation { reportLocation(input: { deviceId: "csrf", latitude: 1, longitude: 1, recordedAt: "2026-01-01T00:00:00Z" }) { id } }';
    // What an HTML form can post: a simple content type and no custom header.
    const form = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${encodeURIComponent(mutation)}`,
    });
    expect(form.status).toBe(403);
    const link = await fetch(`${server.url}?query=${encodeURIComponent('{ viewer { id } }')}`);
    expect(link.status).toBe(403);
    expect(await link.json()).toEqual({
      errors: [{ message: 'Required CSRF header(s) not present', extensions: { code: 'FORBIDDEN' } }],
    });
    // A script with the key header passes (browsers preflight it, which CORS decides).
    const withKey = await fetch(`${server.url}?query=${encodeURIComponent('{ viewer { id } }')}`, {
      headers: { 'x-api-key': key.key },
    });
    expect(withKey.status).toBe(200);
    expect((await withKey.json()).data.viewer.id).toBe(key.id);
    // The refused form post wrote nothing.
    const device = await fetch(
      `${server.url}?query=${encodeURIComponent('{ device(deviceId: "csrf") { id } }')}`,
      {
        headers: { 'x-api-key': key.key },
      },
    );
    expect((await device.json()).data.device).toBeNull();
  });
});
