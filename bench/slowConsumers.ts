// Slow-consumer benchmark: subscribers that stop reading, on every transport and mode,
// while thousands of large locations are published. Prints the server's memory before,
// at its peak, and after the streams end, and how each stream ended: every transport
// must end its stalled subscribers with SLOW_CONSUMER and hold memory to its bound.
//
//   npm run bench:slow -- [--subscribers 10] [--locations 20000] [--transport all|ws|sse|graphql-sse|graphql-sse-single]
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import WebSocket from 'ws';
import { SCOPES } from '../src/auth/scopes.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/observability/logger.ts';
import { openRuntime } from '../src/runtime.ts';
import { BENCH_SERVER_ENV } from './serverEnv.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10' },
    locations: { type: 'string', default: '20000' },
    transport: { type: 'string', default: 'all' },
    port: { type: 'string', default: '4750' },
  },
});
const SUBSCRIBERS = Number(values.subscribers);
const LOCATIONS = Number(values.locations);
const TRANSPORTS = ['ws', 'sse', 'graphql-sse', 'graphql-sse-single'] as const;
type Transport = (typeof TRANSPORTS)[number];
const chosen = values.transport === 'all' ? TRANSPORTS : [values.transport as Transport];
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
// Every field many times: each event is about 10 KB, so socket buffers fill at once.
const WIDE = Array.from({ length: 60 }, (_, i) => `a${i}: cursor b${i}: recordedAt`).join(' ');
const QUERY = `subscription { locationUpdates { cursor ${WIDE} } }`;

function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

async function heapUsed(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^gofindme_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? NaN);
}

/** Makes the server collect its garbage, through the inspector it was started with. */
async function collectGarbage(inspectorPort: number): Promise<void> {
  const [target] = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const socket = new WebSocket(target!.webSocketDebuggerUrl);
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
  await new Promise((resolve) => socket.once('message', resolve));
  socket.close();
}

const MiB = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

/** A subscriber that reads nothing after the stream opens; `ended()` reads the rest and says how it ended. */
interface Stalled {
  ended(): Promise<string>;
}

async function stalledWs(url: string, key: string): Promise<Stalled> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: string[] = [];
  socket.on('message', (data) => messages.push(String(data)));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: key } }));
  await new Promise((resolve) => socket.once('message', resolve));
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY } }));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const raw = (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  raw.pause();
  return {
    async ended() {
      raw.resume();
      for (let i = 0; i < 300 && !messages.some((m) => m.includes('SLOW_CONSUMER')); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      socket.terminate();
      return messages.some((m) => m.includes('SLOW_CONSUMER'))
        ? 'SLOW_CONSUMER'
        : `not ended (${messages.length} messages)`;
    },
  };
}

async function stalledHttp(url: string, key: string, transport: Transport): Promise<Stalled> {
  const headers = { 'x-api-key': key };
  let response: Response;
  if (transport === 'graphql-sse-single') {
    const token = await (await fetch(`${url}/graphql/stream`, { method: 'PUT', headers })).text();
    response = await fetch(`${url}/graphql/stream`, {
      headers: { ...headers, accept: 'text/event-stream', 'x-graphql-event-stream-token': token },
    });
    await fetch(`${url}/graphql/stream`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'x-graphql-event-stream-token': token },
      body: JSON.stringify({ query: QUERY, extensions: { operationId: '1' } }),
    });
  } else {
    response = await fetch(`${url}/graphql${transport === 'graphql-sse' ? '/stream' : ''}`, {
      method: 'POST',
      headers: { ...headers, accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY }),
    });
  }
  const reader = response.body!.getReader();
  await reader.read(); // open; from now on nothing is read
  return {
    async ended() {
      const decoder = new TextDecoder();
      let text = '';
      const deadline = Date.now() + 30_000;
      while (!text.includes('SLOW_CONSUMER') && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        if (text.length > 4096) text = text.slice(-4096);
      }
      await reader.cancel().catch(() => {});
      return text.includes('SLOW_CONSUMER') ? 'SLOW_CONSUMER' : 'not ended';
    },
  };
}

async function startServer(
  port: number,
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [`--inspect=127.0.0.1:${port + 1}`, 'scripts/launch.mjs', 'main'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), ...BENCH_SERVER_ENV, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, child };
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server did not start');
}

async function report(url: string, key: string, count: number) {
  for (let sent = 0; sent < count; sent += 500) {
    const input = Array.from({ length: Math.min(500, count - sent) }, (_, i) => ({
      deviceId: `slow-${i % 50}`,
      latitude: 52.5,
      longitude: 13.4,
      recordedAt: new Date().toISOString(),
    }));
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({
        query: 'mutation($i: [LocationInput!]!) { reportLocations(input: $i) { cursor } }',
        variables: { i: input },
      }),
    });
    await response.text();
  }
}

async function main() {
  const dbName = `gofindme_slow_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  let server: { url: string; child: ChildProcess } | undefined;
  try {
    const runtime = await openRuntime(loadConfig({ DATABASE_URL: dbUrl.toString() }), createLogger('silent'));
    const group = await runtime.services.groups.create('slow');
    const key = (await runtime.services.apiKeys.create({ groupId: group.id, name: 'slow', scopes: SCOPES }))
      .key;
    await runtime.close();
    server = await startServer(Number(values.port), {
      DATABASE_URL: dbUrl.toString(),
      GRAPHQL_MAX_ALIASES: '500',
      WEBHOOK_WORKER: 'false',
    });
    const { url, child } = server;
    console.log(
      `slow consumers: ${SUBSCRIBERS} stalled subscribers per transport, ${LOCATIONS} locations of ~10 KB each per subscriber, LIVE_BUFFER_LIMIT ${loadConfig({}).live.bufferLimit}`,
    );
    await report(url, key, 500); // warm up
    for (const transport of chosen) {
      const inspector = Number(values.port) + 1;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await collectGarbage(inspector);
      const baseline = { rss: rssOf(child.pid!), heap: await heapUsed(url) };
      const stalled = await Promise.all(
        Array.from({ length: SUBSCRIBERS }, () =>
          transport === 'ws' ? stalledWs(url, key) : stalledHttp(url, key, transport),
        ),
      );
      let peak = 0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssOf(child.pid!));
      }, 50);
      await report(url, key, LOCATIONS);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const during = { rss: rssOf(child.pid!), heap: await heapUsed(url) };
      const endings = await Promise.all(stalled.map((s) => s.ended()));
      clearInterval(sampler);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await collectGarbage(inspector);
      const after = { rss: rssOf(child.pid!), heap: await heapUsed(url) };
      const slow = endings.filter((e) => e === 'SLOW_CONSUMER').length;
      console.log(
        `  ${transport.padEnd(18)} ended with SLOW_CONSUMER: ${slow}/${SUBSCRIBERS}; ` +
          `RSS ${MiB(baseline.rss)} -> peak ${MiB(peak)} -> after ${MiB(after.rss)}; ` +
          `heap used ${MiB(baseline.heap)} -> ${MiB(during.heap)} while stalled -> ${MiB(after.heap)} after (both after a full GC)`,
      );
    }
  } finally {
    if (server) {
      const exited = new Promise((resolve) => server!.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      await exited;
    }
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
