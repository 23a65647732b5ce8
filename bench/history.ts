// History at scale: seeds a PostgreSQL database with many locations (generated in SQL, not
// through the API: 10,000,000 over 10,000 devices of one group, spread over 10 days, by
// default), then times the history queries a dashboard makes, through the GraphQL API:
//
//   - the latest page of one device: locations(deviceId, last: 100)
//   - a page deep in one device's history, by cursor: locations(deviceId, first: 100, after)
//   - the first page of devices with their last location: devices(first: 100) { lastLocation }
//   - a 10-minute window over every device: locations(from, to, first: 100)
//
// The server first answers --warmup requests of each query, untimed; then each query runs
// --requests times one after the other (a random device or window each time); it prints p50
// and p99: 1,000 times by default, since the p99 of 200 requests is
// their second slowest, one stall of the machine away from any figure. Seeding 10 million
// rows takes a few minutes.
//
// Then retention, deleting the oldest days of rows (a tenth of them each) while
// reportLocation runs at 8 connections: once without pauses, for scale, then as the server
// runs it (RetentionOptions.dutyCycle), running and paused by turns (see retentionUnderLoad);
// it prints each delete batch's p50/p99 and how much slower ingest was while retention ran.
//
//   npm run bench:history -- [--rows 10000000] [--devices 10000] [--requests 1000] [--warmup 250]
//
// PostgreSQL comes from BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres);
// a throw-away database is created next to it and dropped afterwards.
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import pg from 'pg';
import { Client } from 'undici';
import { pgSql } from '../src/db/sql.ts';
import { Retention } from '../src/retention.ts';
import { cli, startServer, stopServer, withThrowawayDatabase } from './harness.ts';

const PORT = 4670;
const DAY_MS = 86_400_000;

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    devices: { type: 'string', default: '10000' },
    requests: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '250' },
  },
});
const rows = Number(values.rows);
const devices = Number(values.devices);
const requests = Number(values.requests);
const warmup = Number(values.warmup);
/** Every device reports every `step` ms; the history ends now. */
const span = 10 * DAY_MS;
const perDevice = Math.ceil(rows / devices);
const step = Math.floor(span / perDevice);
const end = Date.now();
const start = end - perDevice * step;
const deviceId = (n: number) => `dev-${String(n).padStart(5, '0')}`;

async function seed(url: string, groupId: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    await client.query(
      `INSERT INTO devices (group_id, device_id)
       SELECT $1, 'dev-' || lpad(n::text, 5, '0') FROM generate_series(0, $2 - 1) n`,
      [groupId, devices],
    );
    // Foreign keys are known to hold here: skip their per-row checks while seeding.
    await client.query('SET session_replication_role = replica');
    const batch = 1_000_000;
    for (let first = 1; first <= rows; first += batch) {
      const last = Math.min(rows, first + batch - 1);
      await client.query(
        `INSERT INTO locations (group_id, sequence, device_id, latitude, longitude, accuracy, speed,
                                heading, battery, recorded_at, received_at)
         SELECT $1, s, 'dev-' || lpad(((s - 1) % $2)::text, 5, '0'),
                52.3 + ((s * 7919) % 10007) / 25000.0, 13.1 + ((s * 104729) % 10009) / 15000.0,
                5 + s % 20, (s % 30)::float, (s % 360)::float, 100 - (s / $2) % 100,
                to_timestamp(($3 + ((s - 1) / $2) * $4) / 1000.0),
                to_timestamp(($3 + ((s - 1) / $2) * $4 + 500) / 1000.0)
         FROM generate_series($5::bigint, $6::bigint) s`,
        [groupId, devices, start, step, first, last],
      );
      process.stdout.write(
        `  seeded ${last.toLocaleString('en')} locations (${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
      );
    }
    await client.query('SET session_replication_role = DEFAULT');
    await client.query('UPDATE groups SET last_sequence = $2 WHERE id = $1', [groupId, rows]);
    await client.query('VACUUM ANALYZE locations');
    await client.query('VACUUM ANALYZE devices');
    // Write the seeded pages out now: otherwise the checkpoint that follows a bulk load flushes
    // gigabytes while the queries below are timed, and their tail measures the disk instead.
    await client.query('CHECKPOINT');
    const { rows: size } = await client.query(
      `SELECT pg_size_pretty(pg_total_relation_size('locations')) AS total`,
    );
    console.log(
      `Seeded ${rows.toLocaleString('en')} locations over ${devices.toLocaleString('en')} devices in ` +
        `${((performance.now() - started) / 1000).toFixed(0)} s (table and indexes: ${size[0].total}).`,
    );
  } finally {
    await client.end();
  }
}

// The timed requests go over one kept-alive connection of undici's plain client, asking for
// gzip as a browser does and unzipping each answer in one call. Node's fetch, used before,
// unzips through a stream in the same process and added to the tail it measured: 1 million
// rows, two runs each, p99 of a device's latest page 21.0 and 24.1 ms with fetch, 17.3 and
// 17.0 without; of a page deep in it 20.1 and 18.6, then 14.7 and 11.9.
let connection: Client | undefined;

async function graphql<T = unknown>(
  key: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  connection ??= new Client(`http://127.0.0.1:${PORT}`);
  const response = await connection.request({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip', 'x-api-key': key },
    body: JSON.stringify({ query, variables }),
  });
  const raw = Buffer.from(await response.body.arrayBuffer());
  const text = (response.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString();
  const body = JSON.parse(text) as { data: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** A query to time: `next()` prepares one request (untimed) and returns it, to be timed. */
interface Query {
  label: string;
  next: () => Promise<() => Promise<unknown>>;
}

const query = <P>(
  label: string,
  prepare: () => Promise<P>,
  request: (prepared: P) => Promise<unknown>,
): Query => ({
  label,
  next: async () => {
    const prepared = await prepare();
    return () => request(prepared);
  },
});

/** Times a query `requests` times after 10 to warm up; prints p50 and p99. */
async function time({ label, next }: Query): Promise<void> {
  for (let i = 0; i < 10; i++) await (await next())(); // warm up
  const took: number[] = [];
  for (let i = 0; i < requests; i++) {
    const request = await next();
    const started = performance.now();
    await request();
    took.push(performance.now() - started);
  }
  const at = quantiles(took);
  console.log(`${label.padEnd(58)} p50 ${at(0.5).padStart(6)} ms   p99 ${at(0.99).padStart(6)} ms`);
}

/** Durations in ms: their q-quantile, to a tenth of a ms. */
function quantiles(ms: readonly number[]): (q: number) => string {
  const sorted = [...ms].sort((a, b) => a - b);
  return (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
}

/**
 * reportLocation at 8 connections for `until` seconds, or until that promise settles: requests
 * per second. `onStored` is called for every report answered with 200.
 */
function ingest(key: string, until: number | Promise<unknown>, onStored?: () => void): Promise<number> {
  let n = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${PORT}/graphql`,
        connections: 8,
        duration: typeof until === 'number' ? until : 3600,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': key },
            setupRequest: (sent) => ({
              ...sent,
              body: JSON.stringify({
                query: 'mutation R($input: LocationInput!) { reportLocation(input: $input) { id } }',
                variables: {
                  input: {
                    deviceId: deviceId(n++ % devices),
                    latitude: 52.4,
                    longitude: 13.4,
                    recordedAt: new Date().toISOString(),
                  },
                },
              }),
            }),
          },
        ],
      },
      (error, result) =>
        error
          ? reject(error)
          : resolve((result.requests.total - result.non2xx - result.errors) / result.duration),
    );
    if (onStored) {
      instance.on('response', (_client, status) => {
        if (status === 200) onStored();
      });
    }
    if (typeof until !== 'number') void until.finally(() => instance.stop());
  });
}

/** Batch durations: count, p50, p99. */
function batchFigures(batches: number[]): string {
  if (batches.length === 0) return 'no batches';
  const at = quantiles(batches);
  return `${batches.length} batches, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`;
}

/** Seconds of ingest before the turns are measured: every device is written to once since the last checkpoint. */
const WARM_UP_S = 15;
/** One turn of retention running or paused, and how many turns at most. */
const TURN_MS = 8_000;
const MAX_TURNS = 24;
/** Paused, running, running, paused: a drift over the measurement falls on both alike. */
const TURN_ORDER = [false, true, true, false];

/**
 * Retention without pauses first (for scale): ingest alone for 10 s, then for exactly as long
 * as retention takes to delete the oldest day.
 *
 * Then as the server runs it, in turns: ingest runs throughout, while retention runs and is
 * paused (stopped after its batch under way, then started again) by turns of 8 s, in the
 * order paused, running, running, paused, and again, until it has deleted what is old or
 * MAX_TURNS have passed. The figure compares the reports stored per second in the running
 * turns with the paused ones. Turns put both in the same moments of the machine's drift and
 * of the database's checkpoints: after a checkpoint, the first write to every page writes the
 * whole page to the WAL, and ingest alone measured right after one read 6-30% below the
 * same ingest measured a minute later (an earlier version of this benchmark compared 10 s
 * alone just after the vacuum and checkpoint with what followed).
 */
async function retentionUnderLoad(url: string, key: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    {
      const alone = await ingest(key, 10);
      const batches: number[] = [];
      const retention = new Retention(pgSql(pool), {
        days: 9,
        intervalMs: DAY_MS,
        dutyCycle: 1,
        onBatch: (ms) => batches.push(ms),
      });
      const started = performance.now();
      const running = retention.runOnce(new Date(end));
      const during = await ingest(key, running);
      const { locations } = await running;
      console.log(
        `retention without pauses: ${locations.toLocaleString('en')} rows in ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s, ${batchFigures(batches)}\n` +
          `${'  reportLocation @8 just before, alone'.padEnd(58)} ${alone.toFixed(0).padStart(6)} req/s\n` +
          `${'  reportLocation @8 while it ran'.padEnd(58)} ${during.toFixed(0).padStart(6)} req/s, ` +
          `${((1 - during / alone) * 100).toFixed(0)}% slower`,
      );
      // What the deletes left for vacuum is cleaned up, untimed, and written out.
      await pool.query('VACUUM ANALYZE locations');
      await pool.query('CHECKPOINT');
    }

    const batches: number[] = [];
    const retention = new Retention(pgSql(pool), {
      days: 6,
      intervalMs: DAY_MS,
      onBatch: (ms) => batches.push(ms),
    });
    let stored = 0;
    let stopLoad!: () => void;
    const load = ingest(
      key,
      new Promise<void>((resolve) => {
        stopLoad = resolve;
      }),
      () => stored++,
    );
    await sleep(WARM_UP_S * 1000);
    const turns: { running: boolean; perSecond: number }[] = [];
    let deleted = 0;
    let finished = false;
    for (let turn = 0; turn < MAX_TURNS && !finished; turn++) {
      const running = TURN_ORDER[turn % TURN_ORDER.length]!;
      stored = 0;
      const started = performance.now();
      const turnOver = sleep(TURN_MS);
      if (running) {
        const run = retention.runOnce(new Date(end)).then((result) => {
          deleted += result.locations;
        });
        // A run that ends before its turn has deleted everything old: the last turn is cut there.
        finished = await Promise.race([run.then(() => true), turnOver.then(() => false)]);
        if (!finished) await retention.stop();
      } else {
        await turnOver;
      }
      turns.push({ running, perSecond: stored / ((performance.now() - started) / 1000) });
    }
    stopLoad();
    await load;
    const mean = (of: typeof turns, running: boolean) => {
      const rates = of.filter((t) => t.running === running).map((t) => t.perSecond);
      return rates.reduce((sum, r) => sum + r, 0) / rates.length;
    };
    const slower = (of: typeof turns) => (1 - mean(of, true) / mean(of, false)) * 100;
    // Each complete round (paused, running, running, paused) on its own: how much the figure varies.
    const rounds: number[] = [];
    for (let i = 0; i + TURN_ORDER.length <= turns.length; i += TURN_ORDER.length) {
      rounds.push(slower(turns.slice(i, i + TURN_ORDER.length)));
    }
    const paused = mean(turns, false);
    const working = mean(turns, true);
    console.log(
      `retention as the server runs it, in turns of ${TURN_MS / 1000} s: ${deleted.toLocaleString('en')} rows, ` +
        `${batchFigures(batches)}${finished ? '' : ' (not finished)'}\n` +
        `  turns, reportLocation @8 req/s: ${turns.map((t) => `${t.running ? 'running' : 'paused'} ${t.perSecond.toFixed(0)}`).join(', ')}\n` +
        `${'  reportLocation @8 while retention was paused'.padEnd(58)} ${paused.toFixed(0).padStart(6)} req/s\n` +
        `${'  reportLocation @8 while it ran'.padEnd(58)} ${working.toFixed(0).padStart(6)} req/s, ` +
        `${slower(turns).toFixed(0)}% slower (by round: ${rounds.map((r) => `${r.toFixed(0)}%`).join(', ') || 'no round complete'})`,
    );
  } finally {
    await pool.end();
  }
}

const random = (n: number) => Math.floor(Math.random() * n);
const FIELDS = 'cursor latitude longitude recordedAt';

await withThrowawayDatabase('gofindme_history', async (url) => {
  // The server's own retention stays off: the benchmark runs it, and measures it.
  const env = { ...process.env, DATABASE_URL: url, RETENTION_DAYS: '0' };
  let server: ChildProcess | undefined;
  try {
    server = await startServer(env, PORT); // applies the migrations
    const group = await cli(env, 'groups', 'create', 'history');
    const created = await cli(
      env,
      'keys',
      'create',
      '--group',
      'history',
      '--name',
      'bench',
      '--scopes',
      'all',
    );
    const key = String(created.key);
    await seed(url, String(group.id));
    const nothing = async () => undefined;
    const queries: Query[] = [
      query('locations(deviceId, last: 100): the latest page', nothing, () =>
        graphql(
          key,
          `query($d: String!) { locations(deviceId: $d, last: 100) { edges { node { ${FIELDS} } } } }`,
          { d: deviceId(random(devices)) },
        ),
      ),
      query(
        'locations(deviceId, first: 100, after): a page deep in it',
        // The cursor of a random point in the older half of a random device's history (untimed).
        async () => {
          const d = deviceId(random(devices));
          const from = new Date(start + random(span / 2)).toISOString();
          const first = await graphql<{ locations: { pageInfo: { endCursor: string | null } } }>(
            key,
            'query($d: String!, $from: DateTime) { locations(deviceId: $d, from: $from, first: 1) { pageInfo { endCursor } } }',
            { d, from },
          );
          return { d, after: first.locations.pageInfo.endCursor };
        },
        (variables) =>
          graphql(
            key,
            `query($d: String!, $after: String) { locations(deviceId: $d, first: 100, after: $after) { edges { node { ${FIELDS} } } } }`,
            variables,
          ),
      ),
      query('devices(first: 100) { lastLocation }', nothing, () =>
        graphql(
          key,
          `query($after: String) { devices(first: 100, after: $after) { edges { node { deviceId lastLocation { ${FIELDS} } } } } }`,
          {},
        ),
      ),
      query('locations(from, to: +10 min, first: 100): every device', nothing, () => {
        const from = start + random(span - 600_000);
        return graphql(
          key,
          `query($from: DateTime, $to: DateTime) { locations(from: $from, to: $to, first: 100) { edges { node { deviceId ${FIELDS} } } } }`,
          { from: new Date(from).toISOString(), to: new Date(from + 600_000).toISOString() },
        );
      }),
    ];
    // A new server answers its first thousand or so requests slower than a warmed-up one (a
    // device's latest page, 1,000 requests at a time from a new server on the seeded table:
    // p50 / p99 6.1 / 17.8 ms, then 4.7 / 16.1, then 4.0 / 12.0): until 2026-12-01 the first
    // query timed measured that, the others a warm server. Warm it up on every query first.
    for (const q of queries) for (let i = 0; i < warmup; i++) await (await q.next())();
    console.log(`(the server warmed up with ${warmup} untimed requests of each query)`);
    for (const q of queries) await time(q);
    await retentionUnderLoad(url, key);
  } finally {
    await connection?.close();
    if (server) await stopServer(server);
  }
});
