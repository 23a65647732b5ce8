// Webhook delivery benchmark, against a server in its own process and a receiver
// (a plain node:http server answering 204) in this one:
//
// 1. backlog: 10,000 deliveries are enqueued while no worker runs (the outage), then
//    a server with its worker starts; prints the time from the first to the last
//    delivery, and from the server's start to the last delivery.
// 2. steady: locations are reported in batches of 100 at --rate per second for
//    --duration seconds while the worker delivers; prints deliveries/s and the time
//    from the location being stored (receivedAt) to the receiver getting it.
//
//   npm run bench:webhooks -- [--db postgres|embedded] [--backlog 10000] [--rate 2500] [--duration 10] [--runs 3]
//
// BENCH_SERVER_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { BENCH_SERVER_ENV } from './serverEnv.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'postgres' },
    backlog: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '2500' },
    duration: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    port: { type: 'string', default: '4620' },
  },
});
const BACKLOG = Number(values.backlog);
const RATE = Number(values.rate);
const DURATION = Number(values.duration);
const RUNS = Number(values.runs);
const PORT = Number(values.port);
const BATCH = 100;

// The receiver: counts deliveries and notes when each location arrived.
const arrivals: { at: number; storedAt: number }[] = [];
const seen = new Set<string>();
let duplicates = 0;
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const id = String(req.headers['webhook-id']);
    if (seen.has(id)) duplicates++;
    seen.add(id);
    const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { receivedAt?: string } };
    arrivals.push({ at: Date.now(), storedAt: Date.parse(event.data.receivedAt ?? '') });
    res.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['scripts/launch.mjs', 'cli', ...args, '--json'], {
    cwd: ROOT,
    env,
  });
  return JSON.parse(stdout);
}

async function startServer(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const nodeOptions = (process.env.BENCH_SERVER_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeOptions, 'scripts/launch.mjs', 'main'], {
    cwd: ROOT,
    env: {
      ...env,
      PORT: String(PORT),
      ...BENCH_SERVER_ENV,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/healthz`)).ok) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('server did not start');
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function graphql(key: string, query: string, variables: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${PORT}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

let counter = 0;
function reportBatch(key: string): Promise<unknown> {
  const now = new Date().toISOString();
  const input = Array.from({ length: BATCH }, () => {
    const n = counter++;
    return {
      deviceId: `device-${n % 100}`,
      latitude: 52.5,
      longitude: 13.4 + (n % 991) / 10_000,
      recordedAt: now,
    };
  });
  return graphql(key, 'mutation R($input: [LocationInput!]!) { reportLocations(input: $input) { id } }', {
    input,
  });
}

const waitUntil = async (done: () => boolean, timeoutMs: number) => {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out (${seen.size} delivered)`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
};
const reset = () => {
  arrivals.length = 0;
  seen.clear();
  duplicates = 0;
};

interface BacklogFigures {
  drainMs: number;
  fromStartMs: number;
  perSecond: number;
}

async function backlogRun(env: NodeJS.ProcessEnv, key: string): Promise<BacklogFigures> {
  reset();
  // The outage: the server stores locations (and their deliveries) with no worker running.
  let server = await startServer({ ...env, WEBHOOK_WORKER: 'false' });
  try {
    for (let i = 0; i < BACKLOG / BATCH; i += 4) {
      await Promise.all(Array.from({ length: Math.min(4, BACKLOG / BATCH - i) }, () => reportBatch(key)));
    }
  } finally {
    await stopServer(server);
  }
  const started = Date.now();
  server = await startServer(env);
  try {
    await waitUntil(() => seen.size >= BACKLOG, 300_000);
  } finally {
    await stopServer(server);
  }
  const first = Math.min(...arrivals.map((a) => a.at));
  const last = Math.max(...arrivals.map((a) => a.at));
  return { drainMs: last - first, fromStartMs: last - started, perSecond: (BACKLOG / (last - first)) * 1000 };
}

interface SteadyFigures {
  offered: number;
  delivered: number;
  p50: number;
  p99: number;
}

async function steadyRun(env: NodeJS.ProcessEnv, key: string): Promise<SteadyFigures> {
  const server = await startServer(env);
  try {
    for (let i = 0; i < 5; i++) await reportBatch(key); // warm-up
    await new Promise((r) => setTimeout(r, 1000));
    reset();
    const batchesPerSecond = RATE / BATCH;
    const start = Date.now();
    let sent = 0;
    const inFlight = new Set<Promise<unknown>>();
    while (Date.now() - start < DURATION * 1000) {
      const due = Math.floor(((Date.now() - start) / 1000) * batchesPerSecond);
      while (sent < due) {
        const p = reportBatch(key).finally(() => inFlight.delete(p));
        inFlight.add(p);
        sent++;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(inFlight);
    const window = arrivals.filter((a) => a.at - start <= DURATION * 1000).length;
    await waitUntil(() => seen.size >= sent * BATCH, 120_000);
    const latencies = arrivals.map((a) => a.at - a.storedAt);
    return {
      offered: (sent * BATCH) / DURATION,
      delivered: window / DURATION,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  } finally {
    await stopServer(server);
  }
}

async function bench(label: string, env: NodeJS.ProcessEnv): Promise<void> {
  const group = await cli(env, 'groups', 'create', `bench-${Date.now()}`);
  const created = await cli(
    env,
    'keys',
    'create',
    '--group',
    String(group.name),
    '--name',
    'bench',
    '--scopes',
    'all',
  );
  const key = String(created.key);
  const server = await startServer(env);
  try {
    await graphql(key, 'mutation C($url: String!) { createWebhook(input: { url: $url }) { secret } }', {
      url: hookUrl,
    });
  } finally {
    await stopServer(server);
  }

  const backlog: BacklogFigures[] = [];
  for (let i = 0; i < RUNS; i++) backlog.push(await backlogRun(env, key));
  console.log(
    `${label.padEnd(9)} backlog of ${BACKLOG}: drained in ${median(backlog.map((b) => b.drainMs))} ms ` +
      `(${median(backlog.map((b) => b.perSecond)).toFixed(0)} deliveries/s), ` +
      `${median(backlog.map((b) => b.fromStartMs))} ms from server start; ` +
      `runs: ${backlog.map((b) => b.drainMs).join(', ')} ms; duplicates ${duplicates}`,
  );

  const steady: SteadyFigures[] = [];
  for (let i = 0; i < RUNS; i++) steady.push(await steadyRun(env, key));
  const pick = (f: (s: SteadyFigures) => number) => median(steady.map(f));
  console.log(
    `${label.padEnd(9)} steady, ${pick((s) => s.offered).toFixed(0)} locations/s offered: ` +
      `${pick((s) => s.delivered).toFixed(0)} deliveries/s, stored-to-received p50 ${pick((s) => s.p50)} ms, ` +
      `p99 ${pick((s) => s.p99)} ms; runs: ${steady.map((s) => s.delivered.toFixed(0)).join(', ')} deliveries/s`,
  );
}

console.log(`GoFindMe webhook benchmark: median of ${RUNS} runs\n`);
try {
  if (values.db === 'embedded') {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gofindme-bench-'));
    try {
      await bench('embedded', {
        ...process.env,
        DATABASE_URL: '',
        DATA_DIR: dataDir,
        WEBHOOK_ALLOW_PRIVATE_CIDRS: '127.0.0.1/32',
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  } else {
    const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
    const name = `gofindme_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    try {
      await bench('postgres', {
        ...process.env,
        DATABASE_URL: url.toString(),
        WEBHOOK_ALLOW_PRIVATE_CIDRS: '127.0.0.1/32',
      });
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }
} finally {
  receiver.close();
}
