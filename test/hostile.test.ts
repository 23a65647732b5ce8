// Hostile input: well over a thousand generated requests (malformed JSON, wrong content
// types, huge strings and bodies, deep and wide queries, alias storms, batches, NaN- and
// Infinity-like values, extreme numbers, unicode and control characters, injection-looking
// strings, wrong variable types) against every endpoint and transport. The server must
// never answer 5xx, never crash, never show a stack trace, always give errors a code, and
// write exactly what the requests it accepted say they wrote.
import { connect } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestKey, type TestServer } from './helpers/server.ts';

// A seeded generator, so a failure can be replayed.
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    int: (max: number) => Math.floor(next() * max),
  };
}

// Values spliced into JSON as raw text: not all of them are JSON at all.
const RAW_NUMBERS = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-1e309',
  '1e-400',
  '-0',
  '9007199254740993',
  '1e21',
  '2147483648',
  '-2147483649',
  '91',
  '-181',
  '0x10',
  '1.',
  '.5',
  '+1',
  '"NaN"',
  '"Infinity"',
  '"1e309"',
  '"12.5"',
  'null',
  'true',
  '[]',
  '{}',
  '[1,2]',
  '{"$gt":0}',
];

const STRINGS = [
  '',
  ' ',
  'a'.repeat(129),
  'a'.repeat(100_000),
  '\u0000',
  'dev\u0000ice',
  '\u0007\u001b[31mred',
  '\r\nX-Injected: 1',
  '\u202Eevil',
  '\uFEFF',
  '😀'.repeat(40),
  '\ud800',
  'a\udfffb',
  "'; DROP TABLE locations; --",
  '" OR 1=1 --',
  "1' OR '1'='1",
  '$where',
  '$' + '{7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../etc/passwd',
  '%00',
  'NaN',
  'Infinity',
  'null',
  '__proto__',
  'constructor',
  'c2VxOjE',
  'c2VxOi0x',
  'c2VxOjk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5',
  'bG9jOjE',
  '////',
  'Ω≈ç√∫',
  'ｆｕｌｌｗｉｄｔｈ',
  '\\',
  '"',
  // Cursors that decode to what no connection hands out.
  Buffer.from('t:99999999999999:9999999999999999999').toString('base64url'),
  Buffer.from('t:-99999999999999:1').toString('base64url'),
  Buffer.from('d:\u0000').toString('base64url'),
  Buffer.from('d:').toString('base64url'),
  Buffer.from('seq:999999999999999999').toString('base64url'),
];

const DATES = [
  '',
  'now',
  '2026-13-45T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  '1970-01-01',
  '2026-11-27T12:00:00',
  '2026-11-27T12:00:00+99:00',
  '1e309',
];

const VALID_LOCATION = {
  deviceId: 'hostile-1',
  latitude: 52.52,
  longitude: 13.405,
  recordedAt: new Date(Date.now() - 60_000).toISOString(),
};

const LOCATION_FIELDS = [
  'deviceId',
  'latitude',
  'longitude',
  'accuracy',
  'altitude',
  'speed',
  'heading',
  'battery',
  'recordedAt',
  'clientId',
];

const DOCUMENTS = {
  report: 'mutation($input: LocationInput!) { reportLocation(input: $input) { id } }',
  reports: 'mutation($input: [LocationInput!]!) { reportLocations(input: $input) { id } }',
  locations:
    'query($deviceId: String, $first: Int, $last: Int, $after: String, $before: String, $from: DateTime, $to: DateTime) { locations(deviceId: $deviceId, first: $first, last: $last, after: $after, before: $before, from: $from, to: $to) { edges { cursor node { id } } } }',
  devices:
    'query($first: Int, $last: Int, $after: String, $before: String) { devices(first: $first, last: $last, after: $after, before: $before) { edges { cursor } } }',
  device: 'query($deviceId: String!) { device(deviceId: $deviceId) { deviceId } }',
  createKey: 'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }',
  createWebhook: 'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret } }',
  updateWebhook:
    'mutation($id: ID!, $input: UpdateWebhookInput!) { updateWebhook(id: $id, input: $input) { id } }',
  webhook: 'query($id: ID!) { webhook(id: $id) { id deliveries(first: 3) { edges { cursor } } } }',
  deleteWebhook: 'mutation($id: ID!) { deleteWebhook(id: $id) { id } }',
  revokeKey: 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }',
  rotateKey: 'mutation($id: ID!, $at: DateTime) { rotateApiKey(id: $id, oldKeyExpiresAt: $at) { key } }',
  replay:
    'mutation($id: ID!, $from: DateTime!, $to: DateTime) { replayWebhookDeliveries(id: $id, from: $from, to: $to) { replayed } }',
  redeliver: 'mutation($id: ID!) { redeliverWebhookDelivery(id: $id) { id } }',
  subscribe:
    'subscription($after: String, $deviceId: String) { locationUpdates(after: $after, deviceId: $deviceId) { id } }',
};

interface Outcome {
  name: string;
  status: number;
  body: string;
}

interface Case {
  name: string;
  /** What the request was: an HTTP-like outcome, or a WebSocket close code and messages. */
  run(): Promise<Outcome>;
}

const STACK = /\n\s+at .+\(|node_modules|\/work\/|file:\/\//;

describe('hostile input', { timeout: 300_000 }, () => {
  let server: TestServer;
  let key: TestKey;
  let webhookId: string;
  let keyId: string;
  const logged: { level: number; msg: string }[] = [];
  const accepted = { locations: new Set<string>(), webhooks: 0, apiKeys: 0 };

  beforeAll(async () => {
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    server = await startTestServer({ logger });
    key = await server.key();
    keyId = key.id;
    // A paused webhook: hostile updates aim at it, and it creates no deliveries.
    await post({ query: DOCUMENTS.createWebhook, variables: { input: { url: 'http://127.0.0.1:9/hook' } } });
    webhookId = await firstWebhookId();
    await post({ query: DOCUMENTS.updateWebhook, variables: { id: webhookId, input: { active: false } } });
    expect(webhookId).not.toBe('');
  });
  afterAll(() => server?.stop());

  async function firstWebhookId(): Promise<string> {
    const listed = await post({ query: '{ webhooks { id } }' });
    return (JSON.parse(listed.body) as { data: { webhooks: { id: string }[] } }).data.webhooks[0]!.id;
  }

  const base = () => server.url.replace(/\/graphql$/, '');

  async function send(
    name: string,
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array },
  ): Promise<Outcome> {
    const controller = new AbortController();
    const response = await fetch(base() + path, {
      method: init.method ?? 'POST',
      headers: { 'x-api-key': key.key, ...init.headers },
      body: init.body as BodyInit | undefined,
      signal: controller.signal,
    });
    // Event streams of valid subscriptions stay open: read what comes within a moment.
    let body = '';
    if (response.body) {
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const deadline = setTimeout(() => controller.abort(), 300);
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          body += decoder.decode(value, { stream: true });
        }
      } catch {
        // aborted after the deadline: what arrived so far is the answer
      } finally {
        clearTimeout(deadline);
      }
    }
    return { name, status: response.status, body };
  }

  function post(payload: unknown, headers: Record<string, string> = {}): Promise<Outcome> {
    return send('setup', '/graphql', {
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(payload),
    });
  }

  /** A request body with `raw` spliced in as JSON text where the placeholder is. */
  const splice = (payload: unknown, raw: string) => JSON.stringify(payload).replace('"@@RAW@@"', raw);

  function generate(seed: number): Case[] {
    const rng = random(seed);
    const cases: Case[] = [];
    const request = (name: string, body: string, headers: Record<string, string> = {}, path = '/graphql') =>
      cases.push({
        name,
        run: () => send(name, path, { headers: { 'content-type': 'application/json', ...headers }, body }),
      });

    // 1. Location fields with extreme numbers, NaN/Infinity-like values and wrong types.
    for (const field of LOCATION_FIELDS) {
      for (const raw of RAW_NUMBERS) {
        const input = { ...VALID_LOCATION, [field]: '@@RAW@@' };
        request(`report ${field}=${raw}`, splice({ query: DOCUMENTS.report, variables: { input } }, raw));
      }
    }
    // 2. Every string-ish field with hostile strings, in single reports and in batches
    //    where one bad fix hides among good ones.
    for (const field of ['deviceId', 'clientId', 'recordedAt']) {
      for (const value of [...STRINGS, ...DATES]) {
        const input = {
          ...VALID_LOCATION,
          [field]: value,
          clientId: field === 'clientId' ? value : undefined,
        };
        request(
          `report ${field}=${JSON.stringify(value).slice(0, 40)}`,
          JSON.stringify({ query: DOCUMENTS.report, variables: { input } }),
        );
        const batch = Array.from({ length: 5 }, (_, i) => ({ ...VALID_LOCATION, deviceId: `batch-${i}` }));
        batch[rng.int(5)] = input;
        request(`batch ${field}`, JSON.stringify({ query: DOCUMENTS.reports, variables: { input: batch } }));
      }
    }
    // 3. Reads with hostile arguments.
    for (const value of [...STRINGS, ...RAW_NUMBERS.slice(0, 12)]) {
      const arg = rng.pick(['deviceId', 'after', 'before', 'from', 'to'] as const);
      request(
        `locations ${arg}`,
        JSON.stringify({ query: DOCUMENTS.locations, variables: { [arg]: value } }),
      );
      request(`device`, JSON.stringify({ query: DOCUMENTS.device, variables: { deviceId: value } }));
      request(
        `devices after`,
        JSON.stringify({ query: DOCUMENTS.devices, variables: { after: value, first: 5 } }),
      );
    }
    for (const raw of [...RAW_NUMBERS, '-1', '0', '1000000', '2147483647']) {
      const arg = rng.pick(['first', 'last'] as const);
      request(
        `locations ${arg}=${raw}`,
        splice({ query: DOCUMENTS.locations, variables: { [arg]: '@@RAW@@' } }, raw),
      );
      request(
        `devices ${arg}=${raw}`,
        splice({ query: DOCUMENTS.devices, variables: { [arg]: '@@RAW@@' } }, raw),
      );
    }
    // 4. Management with hostile input and guessed ids (never the real ones, so nothing may change).
    const ids = [
      ...STRINGS.slice(0, 24),
      '00000000-0000-0000-0000-000000000000',
      'd2g6MQ',
      'a2V5OjE',
      'V2ViaG9vazox',
    ];
    for (const id of ids) {
      for (const document of ['webhook', 'deleteWebhook', 'revokeKey', 'redeliver'] as const) {
        request(`${document} id`, JSON.stringify({ query: DOCUMENTS[document], variables: { id } }));
      }
      request(
        'rotateKey id',
        JSON.stringify({ query: DOCUMENTS.rotateKey, variables: { id, at: rng.pick(DATES) } }),
      );
      request(
        'replay id',
        JSON.stringify({ query: DOCUMENTS.replay, variables: { id, from: rng.pick(DATES) } }),
      );
    }
    for (const value of [
      ...STRINGS,
      'ftp://example.com/',
      'http://127.0.0.1:9/',
      'http://[::1]/',
      'http://user:pw@example.com/',
      'javascript:alert(1)',
      'http://169.254.169.254/latest/meta-data/',
      `https://example.com/${'a'.repeat(5000)}`,
    ]) {
      request(
        'createWebhook url',
        JSON.stringify({
          query: DOCUMENTS.createWebhook,
          variables: { input: { url: value, deviceIds: ['a'] } },
        }),
      );
      request(
        'createWebhook description',
        JSON.stringify({
          query: DOCUMENTS.createWebhook,
          variables: { input: { url: 'ftp://x/', description: value } },
        }),
      );
      request(
        'createWebhook deviceIds',
        JSON.stringify({
          query: DOCUMENTS.createWebhook,
          variables: { input: { url: value, deviceIds: [value, value] } },
        }),
      );
      request(
        'updateWebhook',
        JSON.stringify({
          query: DOCUMENTS.updateWebhook,
          variables: { id: webhookId, input: { url: value } },
        }),
      );
      request(
        'updateWebhook deviceIds',
        JSON.stringify({
          query: DOCUMENTS.updateWebhook,
          variables: { id: webhookId, input: { deviceIds: [value] } },
        }),
      );
      request(
        'createKey name',
        JSON.stringify({
          query: DOCUMENTS.createKey,
          variables: { input: { name: value, scopes: ['LOCATIONS_READ', value] } },
        }),
      );
      request(
        'createKey expiresAt',
        JSON.stringify({
          query: DOCUMENTS.createKey,
          variables: { input: { name: 'k', scopes: [], expiresAt: rng.pick(DATES) } },
        }),
      );
    }
    request(
      'rotate own key into the past',
      JSON.stringify({ query: DOCUMENTS.rotateKey, variables: { id: keyId, at: '2000-01-01T00:00:00Z' } }),
    );
    request(
      'too many fixes in a batch',
      JSON.stringify({
        query: DOCUMENTS.reports,
        variables: {
          input: Array.from({ length: 1001 }, (_, i) => ({ ...VALID_LOCATION, deviceId: `big-${i}` })),
        },
      }),
    );
    request('empty batch', JSON.stringify({ query: DOCUMENTS.reports, variables: { input: [] } }));
    // 5. Wrong variable shapes.
    for (const variables of [
      '"x"',
      '[]',
      '[{}]',
      '1',
      'true',
      '{"input":"x"}',
      '{"input":[]}',
      '{"input":{}}',
      '{"input":null}',
      '{"input":{"__proto__":{"latitude":1}}}',
      `{"input":${JSON.stringify({ ...VALID_LOCATION, extra: 1 })}}`,
    ]) {
      request(
        `variables ${variables.slice(0, 30)}`,
        `{"query":${JSON.stringify(DOCUMENTS.report)},"variables":${variables}}`,
      );
    }
    // 6. Malformed request bodies and wrong content types.
    const valid = JSON.stringify({ query: DOCUMENTS.report, variables: { input: VALID_LOCATION } });
    for (let cut = 1; cut < valid.length; cut += Math.ceil(valid.length / 40)) {
      request(`truncated at ${cut}`, valid.slice(0, cut));
    }
    for (const body of [
      '',
      '{',
      '}',
      '[]',
      '[1]',
      'null',
      '"query"',
      '42',
      '{"query":null}',
      '{"query":42}',
      '{"query":{}}',
      '{"query":["{ viewer { id } }"]}',
      '{"query":"{ viewer { id } }","operationName":42}',
      '{"query":"{ viewer { id } }","extensions":"x"}',
      '\u0000\u0001\u0002',
      '\uFEFF{"query":"{ viewer { id } }"}',
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      `{"a":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`,
    ]) {
      request(`body ${JSON.stringify(body.slice(0, 20))}`, body);
      request(
        `stream body ${JSON.stringify(body.slice(0, 20))}`,
        body,
        { accept: 'text/event-stream' },
        '/graphql/stream',
      );
    }
    request(
      'batched operations',
      JSON.stringify([
        { query: '{ viewer { id } }' },
        { query: DOCUMENTS.report, variables: { input: VALID_LOCATION } },
      ]),
    );
    request(
      'huge body',
      JSON.stringify({ query: '{ viewer { id } }', variables: { pad: 'x'.repeat(1_100_000) } }),
    );
    request(
      'huge body on the stream',
      JSON.stringify({ query: '{ viewer { id } }', variables: { pad: 'x'.repeat(1_100_000) } }),
      { accept: 'text/event-stream' },
      '/graphql/stream',
    );
    request('huge document', JSON.stringify({ query: `{ viewer { id ${' '.repeat(900_000)} } }` }));
    const contentTypes = [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/graphql',
      'application/json; charset=utf-16',
      'application/xml',
      'image/png',
      '',
      'application/json; charset=latin1',
      'application/graphql-response+json',
    ];
    for (const contentType of contentTypes) {
      cases.push({
        name: `content-type ${contentType}`,
        run: () =>
          send(`content-type ${contentType}`, '/graphql', {
            headers: { 'content-type': contentType },
            body: valid,
          }),
      });
      cases.push({
        name: `stream content-type ${contentType}`,
        run: () =>
          send(`stream content-type ${contentType}`, '/graphql/stream', {
            headers: { 'content-type': contentType, accept: 'text/event-stream' },
            body: valid,
          }),
      });
    }
    // 7. Deep, wide, aliased, directive-laden and recursive documents.
    const deep = (n: number) =>
      `{ viewer { ${'id name scopes '.repeat(1)}${'x { '.repeat(n)}${'}'.repeat(n)} } }`;
    const aliased = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`;
    const documents = [
      deep(20),
      deep(500),
      `{ webhooks { deliveries { edges { node { webhook { deliveries { edges { node { webhook { deliveries { edges { node { id } } } } } } } } } } } } }`,
      aliased(21),
      aliased(1000),
      `{ viewer { ${'id '.repeat(5000)} } }`,
      `{ viewer { id ${'@include(if: true) '.repeat(100)} } }`,
      'fragment A on ApiKey { ...B } fragment B on ApiKey { ...A } { viewer { ...A } }',
      'query A { viewer { id } } query B { viewer { id } }',
      '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }',
      `{ locations(first: 100) { edges { node { ${Array.from({ length: 200 }, (_, i) => `f${i}: latitude`).join(' ')} } } } }`,
      `query(${Array.from({ length: 500 }, (_, i) => `$v${i}: Int`).join(', ')}) { viewer { id } }`,
      '{ viewer { id } } }',
      'subscription { locationUpdates { id } locationUpdates2: locationUpdates { id } }',
      'mutation { __typename }',
      '{ viewer { id } }'.repeat(500),
      '#'.repeat(100_000),
    ];
    for (const query of documents) {
      request(`document ${query.slice(0, 30)}`, JSON.stringify({ query }));
      cases.push({
        name: `GET document ${query.slice(0, 30)}`,
        run: () =>
          send('GET document', `/graphql?query=${encodeURIComponent(query.slice(0, 6000))}`, {
            method: 'GET',
          }),
      });
      request(
        `stream document ${query.slice(0, 30)}`,
        JSON.stringify({ query }),
        { accept: 'text/event-stream' },
        '/graphql/stream',
      );
      request(`sse document ${query.slice(0, 30)}`, JSON.stringify({ query }), {
        accept: 'text/event-stream',
      });
    }
    // 8. Subscriptions with hostile arguments over Yoga's SSE and graphql-sse.
    for (const value of [...STRINGS, ...RAW_NUMBERS.slice(0, 8)]) {
      const arg = rng.pick(['after', 'deviceId'] as const);
      const body = JSON.stringify({ query: DOCUMENTS.subscribe, variables: { [arg]: value } });
      request(`sse subscribe ${arg}`, body, { accept: 'text/event-stream' });
      request(`graphql-sse subscribe ${arg}`, body, { accept: 'text/event-stream' }, '/graphql/stream');
    }
    // 9. GET requests: mutations, broken query strings.
    for (const search of [
      `query=${encodeURIComponent(DOCUMENTS.report)}&variables=${encodeURIComponent(JSON.stringify({ input: VALID_LOCATION }))}`,
      'query=',
      'query=%',
      'query=%E0%A4%A',
      'variables=%7B',
      'query={viewer{id}}&variables=[',
      'query={viewer{id}}&extensions=x',
      `query=${'%7B'.repeat(3000)}`,
    ]) {
      cases.push({
        name: `GET ${search.slice(0, 30)}`,
        run: () => send('GET', `/graphql?${search}`, { method: 'GET' }),
      });
      cases.push({
        name: `GET stream ${search.slice(0, 30)}`,
        run: () =>
          send('GET stream', `/graphql/stream?${search}`, {
            method: 'GET',
            headers: { accept: 'text/event-stream' },
          }),
      });
    }
    // 10. Keys: missing, wrong, huge, odd.
    for (const header of [
      { 'x-api-key': '' },
      { 'x-api-key': 'gfm_' },
      { 'x-api-key': `gfm_${'a'.repeat(8000)}` },
      { 'x-api-key': 'ÿÿÿÿ' },
      { authorization: 'Bearer' },
      { authorization: 'Basic Zm9vOmJhcg==' },
      { authorization: `Bearer ${key.key}x` },
      { 'x-api-key': `${key.key.slice(0, -1)}A` },
      { 'x-api-key': "' OR 1=1 --" },
    ] as Record<string, string>[]) {
      for (const path of ['/graphql', '/graphql/stream']) {
        cases.push({
          name: `key ${JSON.stringify(header).slice(0, 30)} ${path}`,
          run: () =>
            send('key', path, {
              headers: {
                'content-type': 'application/json',
                accept: 'text/event-stream',
                ...header,
                ...('authorization' in header ? { 'x-api-key': '' } : {}),
              },
              body: valid,
            }),
        });
      }
    }
    // 11. Other endpoints and methods.
    for (const path of [
      '/',
      '/healthz',
      '/readyz',
      '/metrics',
      '/graphql',
      '/graphql/stream',
      '/favicon.ico',
      '/../../etc/passwd',
      '/%00',
      '/graphql%00',
      `/${'a'.repeat(6000)}`,
      '/graphql/stream?token=nope',
    ]) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']) {
        cases.push({
          name: `${method} ${path.slice(0, 30)}`,
          run: () =>
            send(`${method} ${path.slice(0, 30)}`, path, {
              method,
              headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
              body: method === 'GET' || method === 'HEAD' ? undefined : '{"query":"{ viewer { id } }"}',
            }),
        });
      }
    }
    return cases;
  }

  /** What is wrong with an answer, if anything; and the GraphQL payloads it carried. */
  function check(outcome: Outcome): { problem?: string; payloads: string[] } {
    const where = `${outcome.name}: ${outcome.status} ${outcome.body.slice(0, 300)}`;
    if (outcome.status >= 500) return { problem: where, payloads: [] };
    if (STACK.test(outcome.body)) return { problem: `stack trace in ${where}`, payloads: [] };
    const payloads: string[] = [];
    if (outcome.body.startsWith('{')) payloads.push(outcome.body);
    for (const line of outcome.body.split('\n')) if (line.startsWith('data: {')) payloads.push(line.slice(6));
    for (const text of payloads) {
      const parsed = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
      for (const error of parsed.errors ?? []) {
        const code = error.extensions?.code;
        if (typeof code !== 'string' || code === 'INTERNAL_SERVER_ERROR') return { problem: where, payloads };
      }
    }
    return { payloads };
  }

  /** Adds what an accepted request says it wrote. */
  function count(name: string, payloads: string[]) {
    for (const text of payloads) {
      const data = (JSON.parse(text) as { data?: Record<string, unknown> | null }).data;
      if (!data) continue;
      // A retry with a known clientId returns the stored location: count distinct ids.
      const reported = [data.reportLocation ?? [], data.reportLocations ?? []].flat() as { id: string }[];
      for (const { id } of reported) accepted.locations.add(id);
      if (data.createWebhook) accepted.webhooks += 1;
      if (data.createApiKey) accepted.apiKeys += 1;
      if (data.rotateApiKey) accepted.apiKeys += 1;
      expect(data.deleteWebhook ?? data.revokeApiKey ?? data.redeliverWebhookDelivery, name).toBeUndefined();
    }
  }

  async function tables() {
    const { prisma } = server.runtime.db;
    const [locations, webhooks, apiKeys, deliveries, revoked] = await Promise.all([
      prisma.location.count(),
      prisma.webhook.count(),
      prisma.apiKey.count(),
      prisma.webhookDelivery.count(),
      prisma.apiKey.count({ where: { revokedAt: { not: null } } }),
    ]);
    return { locations, webhooks, apiKeys, deliveries, revoked };
  }

  it('answers over a thousand generated HTTP, SSE and graphql-sse requests without a 5xx, a stack trace or a stray write', async () => {
    const before = await tables();
    const cases = generate(20261127);
    expect(cases.length).toBeGreaterThan(1000);
    const problems: string[] = [];
    for (const testCase of cases) {
      const { problem, payloads } = check(await testCase.run());
      if (problem) problems.push(problem);
      count(testCase.name, payloads);
    }
    expect(problems).toEqual([]);
    const after = await tables();
    expect(after).toEqual({
      locations: before.locations + accepted.locations.size,
      webhooks: before.webhooks + accepted.webhooks,
      apiKeys: before.apiKeys + accepted.apiKeys,
      deliveries: before.deliveries,
      revoked: before.revoked,
    });
    // Hostile values were refused, not stored: every stored device id is printable.
    const devices = await server.runtime.db.prisma.device.findMany({ select: { deviceId: true } });
    for (const { deviceId } of devices) expect(deviceId).toMatch(/^[^\p{Cc}\p{Cs}]{1,128}$/u);
    expect(logged.filter((line) => line.level >= 50)).toEqual([]);
    const health = await fetch(`${base()}/healthz`);
    expect(health.status).toBe(200);
  });

  it('survives malformed WebSocket traffic: no internal-error close, no stack trace, nothing written', async () => {
    const before = await tables();
    const wsUrl = server.url.replace(/^http/, 'ws');
    const rng = random(7);
    const init = JSON.stringify({ type: 'connection_init', payload: { apiKey: key.key } });
    const frames: { name: string; frames: (string | Buffer)[]; init?: boolean }[] = [
      { name: 'not JSON', frames: ['{'] },
      { name: 'binary', frames: [Buffer.from([0, 1, 2, 255])] },
      {
        name: 'too large',
        frames: [JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(70_000) } })],
      },
      { name: 'unknown type', frames: ['{"type":"nope"}'] },
      {
        name: 'subscribe before init',
        frames: [JSON.stringify({ type: 'subscribe', id: '1', payload: { query: '{ viewer { id } }' } })],
        init: false,
      },
      { name: 'init twice', frames: [init, init], init: false },
      {
        name: 'init with a bad key',
        frames: ['{"type":"connection_init","payload":{"apiKey":"gfm_nope"}}'],
        init: false,
      },
      {
        name: 'init with a wrong payload',
        frames: ['{"type":"connection_init","payload":"x"}'],
        init: false,
      },
      {
        name: 'init with a huge key',
        frames: [JSON.stringify({ type: 'connection_init', payload: { apiKey: 'a'.repeat(60_000) } })],
        init: false,
      },
      {
        name: 'duplicate id',
        frames: [
          JSON.stringify({ type: 'subscribe', id: 'a', payload: { query: DOCUMENTS.subscribe } }),
          JSON.stringify({ type: 'subscribe', id: 'a', payload: { query: DOCUMENTS.subscribe } }),
        ],
      },
      { name: 'no id', frames: ['{"type":"subscribe","payload":{"query":"{ viewer { id } }"}}'] },
      { name: 'null payload', frames: ['{"type":"subscribe","id":"1","payload":null}'] },
      { name: 'complete unknown', frames: ['{"type":"complete","id":"zzz"}'] },
      { name: 'ping pong', frames: ['{"type":"ping","payload":"x"}', '{"type":"pong"}'] },
    ];
    const operations: string[] = [];
    for (let i = 0; i < 120; i++) {
      const pick = rng.int(4);
      const variables =
        pick === 0
          ? { input: { ...VALID_LOCATION, [rng.pick(LOCATION_FIELDS)]: rng.pick([...STRINGS, ...DATES]) } }
          : pick === 1
            ? { after: rng.pick(STRINGS), deviceId: rng.pick(STRINGS) }
            : { input: rng.pick([null, 'x', [], {}]) };
      const query =
        pick === 0
          ? DOCUMENTS.report
          : pick === 1
            ? DOCUMENTS.subscribe
            : pick === 2
              ? DOCUMENTS.reports
              : rng.pick([
                  '{ viewer { id ',
                  `{ ${'a: viewer { id } '.repeat(50)}}`,
                  'subscription { nope }',
                  '',
                ]);
      // Invalid location fields are swapped in only where they stay invalid.
      operations.push(
        JSON.stringify({
          type: 'subscribe',
          id: `op-${i}`,
          payload: {
            query,
            variables: pick === 0 ? { input: { ...variables.input, latitude: 'NaN' } } : variables,
          },
        }),
      );
    }
    for (let i = 0; i < operations.length; i += 10) {
      frames.push({ name: `operations ${i}`, frames: operations.slice(i, i + 10) });
    }

    for (const testCase of frames) {
      const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
      const messages: string[] = [];
      const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      socket.on('message', (data) => messages.push(String(data)));
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.once('open', () => resolve()));
      if (testCase.init !== false) {
        socket.send(init);
        await new Promise<void>((resolve) => socket.once('message', () => resolve()));
      }
      for (const frame of testCase.frames) socket.send(frame);
      const code = await Promise.race([
        closed,
        new Promise<number>((resolve) => setTimeout(() => resolve(0), 400)),
      ]);
      if (code === 0) socket.close();
      const where = `${testCase.name}: ${code} ${messages.join(' ').slice(0, 300)}`;
      expect([1011, 4500], where).not.toContain(code);
      expect(STACK.test(messages.join('\n')), where).toBe(false);
      for (const message of messages) {
        const parsed = JSON.parse(message) as { type: string; payload?: unknown };
        const errors =
          parsed.type === 'error'
            ? (parsed.payload as { extensions?: { code?: string } }[])
            : parsed.type === 'next'
              ? ((parsed.payload as { errors?: { extensions?: { code?: string } }[] }).errors ?? [])
              : [];
        for (const error of errors) {
          expect(typeof error.extensions?.code, where).toBe('string');
          expect(error.extensions?.code, where).not.toBe('INTERNAL_SERVER_ERROR');
        }
      }
      // Known refusals close with the protocol's codes.
      if (testCase.name === 'too large') expect(code).toBe(1009);
      if (testCase.name === 'not JSON' || testCase.name === 'unknown type') expect(code).toBe(4400);
      if (testCase.name === 'subscribe before init' || testCase.name === 'init with a bad key')
        expect([4401, 4403], where).toContain(code);
    }
    expect(await tables()).toEqual(before);
    expect(logged.filter((line) => line.level >= 50)).toEqual([]);
  });

  it('answers malformed HTTP with 4xx and keeps serving', async () => {
    const { port } = new URL(server.url);
    const raw = [
      'GARBAGE\r\n\r\n',
      'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nContent-Length: 20\r\n\r\n',
      'POST /graphql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      `GET /graphql HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      'GET /graphql HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      'GET /graphql HTTP/9.9\r\nHost: x\r\n\r\n',
      'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-Key: \u00ff\u00fe\r\nContent-Length: 2\r\n\r\n{}',
      'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":',
    ];
    for (const request of raw) {
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        let text = '';
        socket.on('data', (chunk) => {
          text += String(chunk);
        });
        socket.on('error', () => resolve(text));
        socket.on('close', () => resolve(text));
        socket.write(request, 'latin1');
        setTimeout(() => socket.end(), 500);
      });
      const where = `${JSON.stringify(request.slice(0, 60))}: ${answer.slice(0, 200)}`;
      // An unanswered request (the peer hung up first) is fine; a 5xx or a stack is not.
      if (answer) expect(answer, where).toMatch(/^HTTP\/1\.1 [24]\d\d /);
      expect(STACK.test(answer), where).toBe(false);
    }
    const health = await fetch(`${base()}/healthz`);
    expect(health.status).toBe(200);
  });
  it('answers hostile tracking-app requests (OwnTracks, OsmAnd, Overland) without a 5xx, and stores only valid fixes of accepted ones', async () => {
    const rng = random(20261130);
    const ingest = (path: string) => `${base()}/ingest/${path}`;
    const basicAuth = `Basic ${Buffer.from(`u:${key.key}`).toString('base64')}`;
    const now = Math.floor(Date.now() / 1000);
    const raw = () => rng.pick([...RAW_NUMBERS, ...STRINGS.slice(0, 30).map((t) => JSON.stringify(t))]);
    const text = () => rng.pick([...STRINGS.slice(0, 30), ...RAW_NUMBERS]);
    type Sent = { name: string; device: string; run: () => Promise<Response> };
    const sent: Sent[] = [];
    for (let i = 0; i < 400; i++) {
      const device = `app-hostile-${i}`;
      const protocol = rng.int(3);
      if (protocol === 0) {
        const field = rng.pick([
          'lat',
          'lon',
          'tst',
          'acc',
          'alt',
          'vel',
          'cog',
          'batt',
          'tid',
          'topic',
          '_type',
        ]);
        const body = rng.pick([
          () => `{"_type":"location","tid":"HX","lat":52.5,"lon":13.4,"tst":${now},"${field}":${raw()}}`,
          () => `{"_type":${raw()}}`,
          () => text(),
          () => `[${'['.repeat(rng.int(3000))}`,
          () => `{"_type":"location","lat":52.5,"lon":13.4,"tst":${now},"tid":${JSON.stringify(text())}}`,
        ])();
        const headers: Record<string, string> = {
          'content-type': rng.pick(['application/json', 'text/plain', '']),
        };
        if (rng.int(4) > 0) headers.authorization = basicAuth;
        else
          headers.authorization = rng.pick([
            'Basic',
            'Basic !!!',
            `Basic ${Buffer.from('nocolon').toString('base64')}`,
            `Bearer ${key.key}`,
          ]);
        headers['x-limit-d'] =
          rng.int(3) === 0
            ? text()
                .replace(/[^\x20-\x7e]/g, '?')
                .slice(0, 200)
            : device;
        sent.push({
          name: `owntracks ${field} ${body.slice(0, 40)}`,
          device,
          run: () => fetch(ingest('owntracks'), { method: 'POST', headers, body }),
        });
      } else if (protocol === 1) {
        const field = rng.pick([
          'lat',
          'lon',
          'timestamp',
          'speed',
          'bearing',
          'altitude',
          'accuracy',
          'batt',
          'location',
          'id',
        ]);
        const params = new URLSearchParams({ id: device, lat: '52.5', lon: '13.4', timestamp: String(now) });
        params.set(field, text());
        const shape = rng.int(4);
        sent.push({
          name: `osmand ${shape} ${field}=${params.get(field)?.slice(0, 30)}`,
          device,
          run: () =>
            shape === 0
              ? fetch(`${ingest('osmand')}?key=${key.key}&${params}`)
              : shape === 1
                ? fetch(`${ingest(`osmand/${key.key}`)}`, {
                    method: 'POST',
                    headers: { 'content-type': 'application/x-www-form-urlencoded' },
                    body: params.toString(),
                  })
                : shape === 2
                  ? fetch(`${ingest('osmand')}?key=${key.key}`, {
                      method: 'POST',
                      headers: { 'content-type': 'application/json' },
                      body: `{"device_id":"${device}","location":{"timestamp":"2026-11-30T00:00:00Z","coords":{"latitude":${raw()},"longitude":13.4,"speed":${raw()}},"battery":{"level":${raw()}}}}`,
                    })
                  : fetch(`${ingest('osmand')}?key=${key.key}`, {
                      method: rng.pick(['POST', 'PUT', 'DELETE', 'PATCH']),
                      headers: {
                        'content-type': rng.pick([
                          'application/json',
                          'application/xml',
                          'multipart/form-data',
                        ]),
                      },
                      body: text(),
                    }),
        });
      } else {
        const count = rng.pick([0, 1, 2, 50, 1001]);
        const bad = rng.int(Math.max(count, 1));
        const field = rng.pick([
          'coordinates',
          'timestamp',
          'speed',
          'course',
          'battery_level',
          'device_id',
          'geometry',
          'feature',
        ]);
        const features = Array.from({ length: count }, (_, j) => {
          const properties = `"timestamp":"2026-11-30T00:00:${String(j % 60).padStart(2, '0')}Z","device_id":"${device}"`;
          if (j !== bad)
            return `{"type":"Feature","geometry":{"type":"Point","coordinates":[13.4,52.5]},"properties":{${properties}}}`;
          switch (field) {
            case 'coordinates':
              return `{"type":"Feature","geometry":{"type":"Point","coordinates":[${raw()},${raw()}]},"properties":{${properties}}}`;
            case 'geometry':
              return `{"type":"Feature","geometry":${raw()},"properties":{${properties}}}`;
            case 'feature':
              return raw();
            default:
              return `{"type":"Feature","geometry":{"type":"Point","coordinates":[13.4,52.5]},"properties":{${properties},"${field}":${raw()}}}`;
          }
        });
        const body = rng.int(5) === 0 ? text() : `{"locations":[${features.join(',')}]}`;
        sent.push({
          name: `overland ${count} ${field}`,
          device,
          run: () =>
            fetch(rng.int(2) === 0 ? ingest('overland') : `${ingest('overland')}?key=${key.key}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${key.key}` },
              body,
            }),
        });
      }
    }
    const problems: string[] = [];
    const refused = new Set<string>();
    for (const request of sent) {
      const response = await request.run();
      const body = await response.text();
      if (response.status >= 500 || STACK.test(body))
        problems.push(`${request.name}: ${response.status} ${body.slice(0, 200)}`);
      if (response.status >= 400) refused.add(request.device);
    }
    expect(problems).toEqual([]);
    expect(logged.filter((line) => line.level >= 50)).toEqual([]);
    // A refused request stored nothing; what was stored is valid.
    const stored = await server.runtime.db.sql.query<{
      device_id: string;
      latitude: number;
      longitude: number;
    }>(`SELECT device_id, latitude, longitude FROM locations WHERE device_id LIKE 'app-hostile-%'`);
    expect(stored.filter((row) => refused.has(row.device_id))).toEqual([]);
    expect(stored.filter((row) => !(Math.abs(row.latitude) <= 90 && Math.abs(row.longitude) <= 180))).toEqual(
      [],
    );
    expect(refused.size).toBeGreaterThan(100);
    expect(new Set(stored.map((row) => row.device_id)).size).toBeGreaterThan(20);
    expect((await fetch(`${base()}/healthz`)).status).toBe(200);
  });
});
