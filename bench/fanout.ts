// Fan-out benchmark: N live subscribers (WebSocket and/or SSE) spread over G groups,
// locations reported at a fixed rate, and for each delivery the time from sending the
// report to receiving it. Also: time to connect everyone, and server memory per idle
// connection: the server's heap and RSS after a full garbage collection (asked of it through
// its inspector, on a loopback port) before and after the subscribers connect. With --instances 2, two servers share PostgreSQL and Redis; subscribers
// connect to both and reports go to both.
//
//   npm run bench:fanout -- --subscribers 1000 --groups 1 --rate 10 --duration 10 \
//     [--sse 0.5] [--instances 2] [--runs 3] [--redis]
// BENCH_SERVER_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server(s).
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
    subscribers: { type: 'string', default: '1000' },
    groups: { type: 'string', default: '1' },
    rate: { type: 'string', default: '10' },
    duration: { type: 'string', default: '10' },
    sse: { type: 'string', default: '0' },
    instances: { type: 'string', default: '1' },
    runs: { type: 'string', default: '1' },
    redis: { type: 'boolean', default: false },
    port: { type: 'string', default: '4700' },
  },
});
const N = Number(values.subscribers);
const G = Number(values.groups);
const RATE = Number(values.rate);
const DURATION = Number(values.duration);
const SSE_SHARE = Number(values.sse);
const INSTANCES = Number(values.instances);
const RUNS = Number(values.runs);
const USE_REDIS = values.redis || INSTANCES > 1;
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const QUERY = 'subscription { locationUpdates { cursor clientId } }';

interface Server {
  url: string;
  child: ChildProcess;
  /** The server's inspector (node --inspect), to collect garbage before measuring memory. */
  inspectorPort: number;
}

/** The server's heap in use and RSS right after a full garbage collection. */
async function memoryAfterGc(server: Server): Promise<{ heap: number; rss: number }> {
  const [target] = (await (await fetch(`http://127.0.0.1:${server.inspectorPort}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const socket = new WebSocket(target!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let id = 0;
  const call = (method: string) =>
    new Promise<Record<string, number>>((resolve) => {
      const mine = ++id;
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse(String(data)) as { id?: number; result: Record<string, number> };
        if (message.id !== mine) return;
        socket.off('message', onMessage);
        resolve(message.result);
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id: mine, method }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage'); // what the first freed may hold more
    const { usedSize } = await call('Runtime.getHeapUsage');
    return { heap: usedSize!, rss: rssOf(server.child.pid!) };
  } finally {
    socket.close();
  }
}

async function startServer(port: number, env: NodeJS.ProcessEnv): Promise<Server> {
  // node itself (not the tsx wrapper), so that node options such as --cpu-prof apply to the server.
  const nodeOptions = (process.env.BENCH_SERVER_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const inspectorPort = port + 1000;
  const child = spawn(
    process.execPath,
    [...nodeOptions, `--inspect=127.0.0.1:${inspectorPort}`, 'scripts/launch.mjs', 'main'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...env,
        PORT: String(port),
        ...BENCH_SERVER_ENV,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, child, inspectorPort };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

/** Resident memory of the server process tree (its largest process). */
function rssOf(pid: number): number {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      const children = readFileSync(`/proc/${tree[i]}/task/${tree[i]}/children`, 'utf8').trim();
      if (children) tree.push(...children.split(/\s+/).map(Number));
    } catch {}
  }
  return Math.max(
    ...tree.map((p) => {
      try {
        return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      } catch {
        return 0;
      }
    }),
  );
}

type OnEvent = (clientId: string) => void;

/** A bare graphql-ws client: connection_init, subscribe, and `next` messages. */
function wsSubscriber(url: string, key: string, onEvent: OnEvent): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    socket.on('error', reject);
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: key } })),
    );
    socket.on('message', (data) => {
      const text = String(data);
      // The load generator shares the CPU with the server: keep its per-message work small.
      const at = text.indexOf('"clientId":"');
      if (at >= 0) {
        onEvent(text.slice(at + 12, text.indexOf('"', at + 12)));
        return;
      }
      if (JSON.parse(text).type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY } }));
        resolve(() => socket.terminate());
      }
    });
  });
}

/** graphql-sse "distinct connections" mode over fetch. */
async function sseSubscriber(url: string, key: string, onEvent: OnEvent): Promise<() => void> {
  const controller = new AbortController();
  const response = await fetch(`${url}/graphql/stream`, {
    method: 'POST',
    headers: { accept: 'text/event-stream', 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ query: QUERY }),
    signal: controller.signal,
  });
  void (async () => {
    let text = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        let end = text.indexOf('\n\n');
        while (end >= 0) {
          const data = /^data: (.*)$/m.exec(text.slice(0, end))?.[1];
          text = text.slice(end + 2);
          if (data) {
            const payload = JSON.parse(data);
            if (payload.data) onEvent(payload.data.locationUpdates.clientId);
          }
          end = text.indexOf('\n\n');
        }
      }
    } catch {}
  })();
  return () => controller.abort();
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Figures {
  delivered: number;
  expected: number;
  p50: number;
  p99: number;
  max: number;
  connectMs: number;
  /** Per idle connection, after a full garbage collection. */
  heapBytes: number;
  rssBytes: number;
}

/** Reports a location; its clientId is what the subscribers receive (a measured one starts with `t-`, then the time it was sent). */
function report(server: Server, key: string, clientId: string, i = 0): Promise<string> {
  return fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({
      query: 'mutation($i: LocationInput!) { reportLocation(input: $i) { cursor } }',
      variables: {
        i: {
          deviceId: `bench-${i % 50}`,
          latitude: 52.5,
          longitude: 13.4,
          recordedAt: new Date().toISOString(),
          clientId,
        },
      },
    }),
  })
    .then(async (r) => {
      const text = await r.text();
      if (!r.ok || text.includes('"errors"')) throw new Error(`${r.status} ${text.slice(0, 300)}`);
      return text;
    })
    .catch((error: unknown) => {
      reportErrors.push(String(error));
      return '';
    });
}

/** Reports that failed (no event can follow them): printed with each run. */
const reportErrors: string[] = [];

async function runOnce(servers: Server[], keys: string[]): Promise<Figures> {
  const latencies: number[] = [];
  let delivered = 0;
  const onEvent: OnEvent = (clientId) => {
    if (!clientId.startsWith('t-')) return; // a warm-up report
    const sent = Number(clientId.split('-')[1]);
    latencies.push(performance.timeOrigin + performance.now() - sent);
    delivered++;
  };
  const before = await Promise.all(servers.map(memoryAfterGc));
  const started = performance.now();
  const closers: (() => void)[] = [];
  // Connect in waves so the accept queue is not flooded.
  for (let i = 0; i < N; i += 200) {
    const wave = [];
    for (let j = i; j < Math.min(N, i + 200); j++) {
      const server = servers[j % servers.length]!;
      const key = keys[j % G]!;
      const sse = j < N * SSE_SHARE;

      wave.push(sse ? sseSubscriber(server.url, key, onEvent) : wsSubscriber(server.url, key, onEvent));
    }
    closers.push(...(await Promise.all(wave)));
  }
  const connectMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, 1000)); // let every subscription reach the live phase
  const after = await Promise.all(servers.map(memoryAfterGc));
  const perConnection = (what: 'heap' | 'rss') =>
    after.reduce((sum, m, i) => sum + m[what] - before[i]![what], 0) / N;
  // After the full collections asked for above, the server's first events took 2–5 times as
  // long as the rest (fan-out 50–100 ms instead of 25–35) and made the run's p99: warm it up
  // again at the rate for a second (and at least one report per group) before measuring.
  for (let i = 0; i < Math.max(G, RATE); i++) {
    await Promise.all([
      report(servers[i % servers.length]!, keys[i % G]!, `warm-up-${Date.now()}-${i}`),
      new Promise((r) => setTimeout(r, 1000 / RATE)),
    ]);
  }
  await new Promise((r) => setTimeout(r, 500));

  // Report at a fixed rate, round-robin over groups and instances: report i is due at
  // i / RATE seconds, whenever the one before it went out. (A setInterval here fell behind
  // when the load generator was busy and sent 496–499 of 500 reports in the time allowed,
  // which showed as deliveries missing.)
  const total = RATE * DURATION;
  const reports: Promise<unknown>[] = [];
  const firing = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = firing + (i * 1000) / RATE - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    reports.push(report(servers[i % servers.length]!, keys[i % G]!, `t-${Date.now()}-${i}`, i));
  }
  await Promise.all(reports);
  await new Promise((r) => setTimeout(r, 2000)); // stragglers
  for (const close of closers) close();
  await new Promise((r) => setTimeout(r, 1000));
  const sorted = latencies.sort((a, b) => a - b);
  // Each report reaches the subscribers of its group: N / G of them.
  const expected = total * (N / G);
  return {
    delivered,
    expected,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    connectMs,
    heapBytes: perConnection('heap'),
    rssBytes: perConnection('rss'),
  };
}

async function warmUp(servers: Server[], keys: string[]): Promise<void> {
  const closers: (() => void)[] = [];
  for (let j = 0; j < Math.min(N, 200); j++) {
    const server = servers[j % servers.length]!;
    const sse = j < Math.min(N, 200) * SSE_SHARE;
    closers.push(await (sse ? sseSubscriber : wsSubscriber)(server.url, keys[j % G]!, () => {}));
  }
  for (let i = 0; i < 20; i++) {
    await report(servers[i % servers.length]!, keys[i % G]!, `warm-up-${Date.now()}-${i}`, i);
  }
  await new Promise((r) => setTimeout(r, 500));
  for (const close of closers) close();
  await new Promise((r) => setTimeout(r, 1000));
}

async function main() {
  const dbName = `gofindme_fanout_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const servers: Server[] = [];
  try {
    const runtime = await openRuntime(loadConfig({ DATABASE_URL: url.toString() }), createLogger('silent'));
    const keys: string[] = [];
    for (let g = 0; g < G; g++) {
      const group = await runtime.services.groups.create(`bench-${g}`);
      keys.push(
        (await runtime.services.apiKeys.create({ groupId: group.id, name: 'bench', scopes: SCOPES })).key,
      );
    }
    await runtime.close();
    const env = { DATABASE_URL: url.toString(), ...(USE_REDIS ? { REDIS_URL } : {}) };
    for (let i = 0; i < INSTANCES; i++) servers.push(await startServer(Number(values.port) + i, env));
    console.log(
      `fan-out: ${N} subscribers (${Math.round(SSE_SHARE * 100)}% SSE) over ${G} group(s), ${RATE} reports/s for ${DURATION} s, ` +
        `${INSTANCES} instance(s), PubSub ${USE_REDIS ? 'Redis' : 'in memory'}`,
    );
    // Warm up (JIT, pools, the first connections' code paths) so that run 1's memory figure means something.
    await warmUp(servers, keys);
    const all: Figures[] = [];
    for (let r = 0; r < RUNS; r++) {
      const f = await runOnce(servers, keys);
      all.push(f);
      console.log(
        `  run ${r + 1}: delivered ${f.delivered}/${f.expected} (${((100 * f.delivered) / f.expected).toFixed(2)}%), ` +
          `latency p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, max ${f.max.toFixed(1)} ms, ` +
          `connect ${(f.connectMs / 1000).toFixed(2)} s, per idle connection ${(f.heapBytes / 1024).toFixed(1)} KiB heap, ` +
          `${(f.rssBytes / 1024).toFixed(1)} KiB RSS, ` +
          `server RSS now ${(servers.map((s) => rssOf(s.child.pid!)).reduce((a, b) => a + b, 0) / 1024 ** 2).toFixed(0)} MiB`,
      );
      if (reportErrors.length > 0) {
        console.log(`    ${reportErrors.length} reports failed, the first: ${reportErrors[0]}`);
        reportErrors.length = 0;
      }
    }
    if (RUNS > 1) {
      const m = (f: (x: Figures) => number) => median(all.map(f));
      console.log(
        `  median: delivered ${(100 * m((f) => f.delivered / f.expected)).toFixed(2)}%, p50 ${m((f) => f.p50).toFixed(1)} ms, ` +
          `p99 ${m((f) => f.p99).toFixed(1)} ms, max ${m((f) => f.max).toFixed(1)} ms, connect ${(m((f) => f.connectMs) / 1000).toFixed(2)} s, ` +
          `per idle connection ${(m((f) => f.heapBytes) / 1024).toFixed(1)} KiB heap, ${(m((f) => f.rssBytes) / 1024).toFixed(1)} KiB RSS`,
      );
    }
  } finally {
    await Promise.all(
      servers.map((server) => {
        const exited = new Promise((resolve) => server.child.once('exit', resolve));
        server.child.kill('SIGTERM');
        return exited;
      }),
    );
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
