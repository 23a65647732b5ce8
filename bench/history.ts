// History at scale: seeds a PostgreSQL database with many locations (generated in SQL, not
// through the API: 10,000,000 over 10,000 devices of one group, spread over 10 days, by
// default), then times the history queries a dashboard makes, through the GraphQL API:
//
//   - the latest page of one device: locations(deviceId, last: 100)
//   - a page deep in one device's history, by cursor: locations(deviceId, first: 100, after)
//   - the first page of devices with their last location: devices(first: 100) { lastLocation }
//   - a 10-minute window over every device: locations(from, to, first: 100)
//
// Each query runs --requests times one after the other (a random device or window each
// time); it prints p50 and p99. Seeding 10 million rows takes a few minutes.
//
// Then retention, once without pauses and three times as the server runs it
// (RetentionOptions.dutyCycle): reportLocation at 8 connections for 10 s alone, then for
// as long as retention takes to delete the oldest day of rows (a tenth of them); it
// prints each delete batch's p50/p99, how much slower ingest was meanwhile, and the median
// of the three paced runs.
//
//   npm run bench:history -- [--rows 10000000] [--devices 10000] [--requests 200]
//
// PostgreSQL comes from BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres);
// a throw-away database is created next to it and dropped afterwards.
import type { ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { pgSql } from '../src/db/sql.ts';
import { Retention } from '../src/retention.ts';
import { cli, startServer, stopServer, withThrowawayDatabase } from './harness.ts';

const PORT = 4670;
const DAY_MS = 86_400_000;

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    devices: { type: 'string', default: '10000' },
    requests: { type: 'string', default: '200' },
  },
});
const rows = Number(values.rows);
const devices = Number(values.devices);
const requests = Number(values.requests);
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

async function graphql<T = unknown>(
  key: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${PORT}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/**
 * Times `request` (given what `prepare` made, untimed) `requests` times after 10 to warm up;
 * prints p50 and p99.
 */
async function time<P>(
  label: string,
  prepare: () => Promise<P>,
  request: (prepared: P) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < 10; i++) await request(await prepare()); // warm up
  const took: number[] = [];
  for (let i = 0; i < requests; i++) {
    const prepared = await prepare();
    const started = performance.now();
    await request(prepared);
    took.push(performance.now() - started);
  }
  took.sort((a, b) => a - b);
  const at = (q: number) => took[Math.min(took.length - 1, Math.floor(q * took.length))]!.toFixed(1);
  console.log(`${label.padEnd(58)} p50 ${at(0.5).padStart(6)} ms   p99 ${at(0.99).padStart(6)} ms`);
}

/** reportLocation at 8 connections for `until` seconds, or until that promise settles: requests per second. */
function ingest(key: string, until: number | Promise<unknown>): Promise<number> {
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
    if (typeof until !== 'number') void until.finally(() => instance.stop());
  });
}

/**
 * For each way of running retention (unpaced, then as the server does): ingest alone for
 * 10 s, then ingest for exactly as long as retention takes to delete the oldest remaining
 * day. Each pair is measured back to back, so that the machine's drift stays out of it.
 */
async function retentionUnderLoad(url: string, key: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    // Paced three times (a day each), since ingest alone varies between 10-s windows about as
    // much as the effect measured: the median is the figure.
    const runs: [string, number | undefined, number][] = [
      ['without pauses', 1, 9],
      ['as the server runs it (1 of 3)', undefined, 8],
      ['as the server runs it (2 of 3)', undefined, 7],
      ['as the server runs it (3 of 3)', undefined, 6],
    ];
    const pacedSlower: number[] = [];
    for (const [label, dutyCycle, days] of runs) {
      const alone = await ingest(key, 10);
      const batches: number[] = [];
      const retention = new Retention(pgSql(pool), {
        days,
        intervalMs: DAY_MS,
        dutyCycle,
        onBatch: (ms) => batches.push(ms),
      });
      const started = performance.now();
      const running = retention.runOnce(new Date(end));
      // Whether autovacuum worked on the table meanwhile (it starts once enough rows are dead).
      let autovacuum = false;
      const watching = setInterval(() => {
        pool
          .query(`SELECT 1 FROM pg_stat_activity WHERE query LIKE 'autovacuum:%locations%'`)
          .then(({ rowCount }) => {
            if (rowCount) autovacuum = true;
          })
          .catch(() => {});
      }, 500);
      const during = await ingest(key, running).finally(() => clearInterval(watching));
      const { locations } = await running;
      const took = performance.now() - started;
      batches.sort((a, b) => a - b);
      const at = (q: number) =>
        batches[Math.min(batches.length - 1, Math.floor(q * batches.length))]!.toFixed(1);
      console.log(
        `retention ${label}: ${locations.toLocaleString('en')} rows in ${(took / 1000).toFixed(1)} s, ` +
          `${batches.length} batches, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`,
      );
      const slower = (1 - during / alone) * 100;
      if (dutyCycle === undefined) pacedSlower.push(slower);
      console.log(
        `${'  reportLocation @8 just before, alone'.padEnd(58)} ${alone.toFixed(0).padStart(6)} req/s\n` +
          `${'  reportLocation @8 while it ran'.padEnd(58)} ${during.toFixed(0).padStart(6)} req/s, ${slower.toFixed(0)}% slower` +
          (autovacuum ? ' (autovacuum ran on locations meanwhile)' : ''),
      );
      // What the deletes left for vacuum is cleaned up before the next run, untimed, and written
      // out, so that the next run's ingest alone is not measured during the flush.
      await pool.query('VACUUM ANALYZE locations');
      await pool.query('CHECKPOINT');
    }
    pacedSlower.sort((a, b) => a - b);
    console.log(
      `retention as the server runs it: ingest ${pacedSlower[1]!.toFixed(0)}% slower (median of 3: ` +
        `${pacedSlower.map((s) => s.toFixed(0)).join('%, ')}%)`,
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
    await time('locations(deviceId, last: 100): the latest page', nothing, () =>
      graphql(
        key,
        `query($d: String!) { locations(deviceId: $d, last: 100) { edges { node { ${FIELDS} } } } }`,
        { d: deviceId(random(devices)) },
      ),
    );
    await time(
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
    );
    await time('devices(first: 100) { lastLocation }', nothing, () =>
      graphql(
        key,
        `query($after: String) { devices(first: 100, after: $after) { edges { node { deviceId lastLocation { ${FIELDS} } } } } }`,
        {},
      ),
    );
    await time('locations(from, to: +10 min, first: 100): every device', nothing, () => {
      const from = start + random(span - 600_000);
      return graphql(
        key,
        `query($from: DateTime, $to: DateTime) { locations(from: $from, to: $to, first: 100) { edges { node { deviceId ${FIELDS} } } } }`,
        { from: new Date(from).toISOString(), to: new Date(from + 600_000).toISOString() },
      );
    });
    await retentionUnderLoad(url, key);
  } finally {
    if (server) await stopServer(server);
  }
});
