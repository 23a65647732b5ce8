// Ingest benchmark: drives reportLocation (8 and 32 connections), reportLocations
// (batches of 100) and the tracking apps' endpoints (OwnTracks and OsmAnd one fix per
// request, Overland batches of 100) over HTTP against a server in its own process, on the
// embedded database and on PostgreSQL, and prints requests/s, locations/s and latency.
//
//   npm run bench:ingest -- [--db embedded|postgres|both] [--duration 10] [--runs 3] [--only graphql|apps|all]
//                           [--geofences 10000] [--sql-ceiling]
//
// --geofences N also runs every scenario for a second group that has N geofences (circles
// and polygons spread over the area the fixes fall in), alternating run by run with the
// group without, and prints both and their ratio.
//
// --sql-ceiling (PostgreSQL only) then measures what PostgreSQL itself takes for the batch
// path, with no server in between: see sqlCeiling below.
//
// PostgreSQL comes from BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres);
// a throw-away database is created next to it and dropped afterwards. The server logs at
// BENCH_LOG_LEVEL (default warn; info adds one line per request); with BENCH_PROFILE_DIR
// it writes a CPU profile (.cpuprofile) there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { cli, startServer, stopServer, withThrowawayDatabase } from './harness.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'both' },
    duration: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    port: { type: 'string', default: '4610' },
    only: { type: 'string', default: 'all' },
    geofences: { type: 'string', default: '0' },
    'sql-ceiling': { type: 'boolean', default: false },
  },
});
const geofenceCount = Number(values.geofences);
const duration = Number(values.duration);
const runs = Number(values.runs);
const port = Number(values.port);

interface Scenario {
  name: string;
  kind: 'graphql' | 'apps';
  connections: number;
  /** Fixes per request. */
  batch: number;
  /** The request to send, with a new body (new fixes) each time. */
  request(key: string): { path: string; headers: Record<string, string>; body(): string };
}

const SCENARIOS: Scenario[] = [
  { name: 'reportLocation', kind: 'graphql', connections: 8, batch: 1, request: graphqlRequest(1) },
  { name: 'reportLocation', kind: 'graphql', connections: 32, batch: 1, request: graphqlRequest(1) },
  { name: 'reportLocations x100', kind: 'graphql', connections: 8, batch: 100, request: graphqlRequest(100) },
  {
    name: 'OwnTracks',
    kind: 'apps',
    connections: 8,
    batch: 1,
    request: (key) => ({
      path: '/ingest/owntracks',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`:${key}`).toString('base64')}`,
      },
      body: () => {
        const [fix] = fixes(1);
        return JSON.stringify({
          _type: 'location',
          tid: 'BE',
          lat: fix!.latitude,
          lon: fix!.longitude,
          tst: Math.floor(Date.now() / 1000),
          acc: 5,
          vel: 5,
          cog: fix!.heading,
          batt: 80,
          topic: `owntracks/bench/${fix!.deviceId}`,
        });
      },
    }),
  },
  {
    name: 'OsmAnd form',
    kind: 'apps',
    connections: 8,
    batch: 1,
    request: (key) => ({
      path: `/ingest/osmand/${key}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: () => {
        const [fix] = fixes(1);
        return new URLSearchParams({
          id: fix!.deviceId,
          lat: String(fix!.latitude),
          lon: String(fix!.longitude),
          timestamp: String(Date.now()),
          speed: '2.9',
          bearing: String(fix!.heading),
          accuracy: '5',
          batt: '80',
        }).toString();
      },
    }),
  },
  {
    name: 'Overland x100',
    kind: 'apps',
    connections: 8,
    batch: 100,
    request: (key) => ({
      path: '/ingest/overland',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: () =>
        JSON.stringify({
          locations: fixes(100).map((fix, i) => ({
            type: 'Feature',
            geometry: { type: 'Point', coordinates: [fix.longitude, fix.latitude] },
            properties: {
              timestamp: new Date(Date.now() - i).toISOString(),
              speed: 1,
              course: fix.heading,
              horizontal_accuracy: 5,
              battery_level: 0.8,
              device_id: fix.deviceId,
            },
          })),
        }),
    }),
  },
];

interface Figures {
  requestsPerSec: number;
  locationsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
}

// BENCH_PROFILE_DIR: the server writes a CPU profile there when it stops (node --cpu-prof).
const PROFILE = process.env.BENCH_PROFILE_DIR
  ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
  : [];

let counter = 0;
/** Fixes no earlier request sent: 1000 devices, positions that differ, a unique clientId each. */
function fixes(count: number) {
  const now = new Date().toISOString();
  return Array.from({ length: count }, () => {
    const n = counter++;
    return {
      deviceId: `device-${n % 1000}`,
      latitude: 52.5 + (n % 997) / 10_000 + n / 1e9,
      longitude: 13.4 + (n % 991) / 10_000,
      accuracy: 5,
      speed: 1.5,
      heading: n % 360,
      battery: 80,
      recordedAt: now,
      clientId: `c-${process.pid}-${n}`,
    };
  });
}

function graphqlRequest(batch: number) {
  return (key: string) => ({
    path: '/graphql',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: () =>
      batch === 1
        ? JSON.stringify({
            query: 'mutation R($input: LocationInput!) { reportLocation(input: $input) { id cursor } }',
            variables: { input: fixes(1)[0] },
          })
        : JSON.stringify({
            query: 'mutation R($input: [LocationInput!]!) { reportLocations(input: $input) { id } }',
            variables: { input: fixes(batch) },
          }),
  });
}

async function measure(key: string, scenario: Scenario, seconds: number): Promise<Figures> {
  const request = scenario.request(key);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${request.path}`,
    connections: scenario.connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: request.headers,
        setupRequest: (sent) => ({ ...sent, body: request.body() }),
      },
    ],
  });
  const ok = result.requests.total - result.non2xx - result.errors;
  return {
    requestsPerSec: ok / seconds,
    locationsPerSec: (ok * scenario.batch) / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
}

/**
 * N geofences over a 100 x 100 km square around the fixes' area (52.5-52.6 N, 13.4-13.5 E),
 * as a region's stores and depots would be: circles of 50 to 300 m, every fourth an octagon.
 * With 10,000 that is one per km², so the fixes' 70 km² hold about 70 of them.
 */
async function createGeofences(key: string, count: number): Promise<void> {
  const query = 'mutation G($input: CreateGeofenceInput!) { createGeofence(input: $input) { id } }';
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const latitude = 52.1 + ((i * 7919) % 10_007) / 10_007 / 1.11;
      const longitude = 12.7 + ((i * 104_729) % 10_009) / 10_009 / 0.68;
      const radius = 50 + ((i * 31) % 251);
      const shape =
        i % 4 === 3
          ? {
              polygon: {
                type: 'Polygon',
                coordinates: [
                  Array.from({ length: 9 }, (_, k) => {
                    const a = ((k % 8) * Math.PI) / 4;
                    return [
                      longitude + (radius * Math.cos(a)) / (111_320 * Math.cos((latitude * Math.PI) / 180)),
                      latitude + (radius * Math.sin(a)) / 111_320,
                    ];
                  }),
                ],
              },
            }
          : { circle: { latitude, longitude, radiusMeters: radius } };
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({
          query,
          variables: { input: { name: `place ${i}`, dwellSeconds: 300, ...shape } },
        }),
      });
      const body = (await response.json()) as { errors?: unknown };
      if (body.errors) throw new Error(`creating geofence ${i}: ${JSON.stringify(body.errors)}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function createKey(env: NodeJS.ProcessEnv, prefix: string): Promise<string> {
  const group = await cli(env, 'groups', 'create', `${prefix}-${Date.now()}`);
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
  return String(created.key);
}

/** Geofence events the server has stored so far (from /metrics). */
async function geofenceEventsStored(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return [...text.matchAll(/^gofindme_geofence_events_total\{[^}]*\} (\d+)/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function line(label: string, scenario: Scenario, figures: Figures[], extra = ''): string {
  const pick = (f: (x: Figures) => number) => median(figures.map(f));
  return [
    label.padEnd(10),
    `${scenario.name} @${scenario.connections}`.padEnd(28),
    `${pick((f) => f.requestsPerSec)
      .toFixed(0)
      .padStart(7)} req/s`,
    `${pick((f) => f.locationsPerSec)
      .toFixed(0)
      .padStart(8)} locations/s`,
    `p50 ${pick((f) => f.p50)
      .toFixed(1)
      .padStart(6)} ms`,
    `p99 ${pick((f) => f.p99)
      .toFixed(1)
      .padStart(6)} ms`,
    `errors ${figures.reduce((n, f) => n + f.errors, 0)}`,
    `(runs: ${figures.map((f) => f.requestsPerSec.toFixed(0)).join(', ')} req/s)${extra}`,
  ].join('  ');
}

async function benchDatabase(label: string, env: NodeJS.ProcessEnv): Promise<void> {
  const key = await createKey(env, 'bench');
  const geoKey = geofenceCount > 0 ? await createKey(env, 'bench-geofences') : undefined;
  const server = await startServer(env, port, PROFILE);
  try {
    if (geoKey) {
      const started = Date.now();
      await createGeofences(geoKey, geofenceCount);
      console.log(
        `${label.padEnd(10)}  created ${geofenceCount} geofences in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    await measure(key, SCENARIOS[0]!, 2); // warm-up: JIT, pools, caches
    if (geoKey) await measure(geoKey, SCENARIOS[0]!, 2);
    for (const scenario of SCENARIOS.filter((s) => values.only === 'all' || s.kind === values.only)) {
      const plain: Figures[] = [];
      const fenced: Figures[] = [];
      let events = 0;
      // Alternating run by run, so that both see the same machine and the same table sizes.
      for (let i = 0; i < runs; i++) {
        plain.push(await measure(key, scenario, duration));
        if (!geoKey) continue;
        const before = await geofenceEventsStored();
        fenced.push(await measure(geoKey, scenario, duration));
        events += (await geofenceEventsStored()) - before;
      }
      console.log(line(label, scenario, plain));
      if (geoKey) {
        const ratio =
          median(fenced.map((f) => f.locationsPerSec)) / median(plain.map((f) => f.locationsPerSec));
        console.log(
          line(
            `+${geofenceCount} gf`,
            scenario,
            fenced,
            `  = ${(ratio * 100).toFixed(0)}% of without; ${(events / (runs * duration)).toFixed(0)} geofence events/s`,
          ),
        );
      }
    }
  } finally {
    await stopServer(server);
  }
}

/**
 * PostgreSQL's own ceiling for batches of 100 fixes, from `pg` in this process with no server
 * in between: 8 connections, each inserting 100 rows per statement from arrays (`unnest`, as
 * the location writer does), with sequences handed out ahead so the connections never wait
 * for each other (the server's writer takes the group's row lock for them). Three tables:
 * `locations` as it is (primary key, the two history indexes, the partial clientId index,
 * the retention BRIN index, the device foreign key; every fix has a clientId, as the
 * batches above), a copy with only the primary key, and a copy with no index at all.
 */
async function sqlCeiling(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const {
    rows: [group],
  } = await admin.query<{ id: string }>(`INSERT INTO groups (name) VALUES ('sql-ceiling') RETURNING id`);
  await admin.query(
    `INSERT INTO devices (group_id, device_id) SELECT $1, 'device-' || i FROM generate_series(0, 999) i`,
    [group!.id],
  );
  await admin.query('CREATE TABLE locations_primary_key (LIKE locations INCLUDING DEFAULTS)');
  await admin.query('ALTER TABLE locations_primary_key ADD PRIMARY KEY (group_id, sequence)');
  await admin.query('CREATE TABLE locations_no_index (LIKE locations INCLUDING DEFAULTS)');
  const tables = [
    ['locations as it is', 'locations'],
    ['primary key only', 'locations_primary_key'],
    ['no index', 'locations_no_index'],
  ] as const;
  const connections = 8;
  const next = Array.from({ length: connections }, (_, c) => (c + 1) * 1e12);
  const clients = await Promise.all(
    next.map(async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  const measureTable = async (table: string): Promise<number> => {
    const end = Date.now() + duration * 1000;
    let rows = 0;
    await Promise.all(
      clients.map(async (client, c) => {
        while (Date.now() < end) {
          const batch = fixes(100);
          await client.query(
            `INSERT INTO ${table} (group_id, sequence, device_id, latitude, longitude, accuracy, speed,
               heading, battery, recorded_at, client_id)
             SELECT $1, * FROM unnest($2::int8[], $3::text[], $4::float8[], $5::float8[], $6::float8[],
               $7::float8[], $8::float8[], $9::float8[], $10::timestamptz[], $11::text[])`,
            [
              group!.id,
              batch.map(() => next[c]!++),
              batch.map((f) => f.deviceId),
              batch.map((f) => f.latitude),
              batch.map((f) => f.longitude),
              batch.map((f) => f.accuracy),
              batch.map((f) => f.speed),
              batch.map((f) => f.heading),
              batch.map((f) => f.battery),
              batch.map((f) => f.recordedAt),
              batch.map((f) => f.clientId),
            ],
          );
          rows += batch.length;
        }
      }),
    );
    return rows / duration;
  };
  try {
    const figures = new Map<string, number[]>(tables.map(([, table]) => [table, []]));
    // Run by run in turns, so that all three see the same machine.
    for (let i = 0; i < runs; i++) {
      for (const [, table] of tables) figures.get(table)!.push(await measureTable(table));
    }
    for (const [label, table] of tables) {
      const perRun = figures.get(table)!;
      console.log(
        [
          'SQL only'.padEnd(10),
          `INSERT x100 @${connections}, ${label}`.padEnd(44),
          `${median(perRun).toFixed(0).padStart(8)} locations/s`,
          `(runs: ${perRun.map((n) => n.toFixed(0)).join(', ')})`,
        ].join('  '),
      );
    }
  } finally {
    await Promise.all(clients.map((client) => client.end()));
    await admin.end();
  }
}

console.log(`GoFindMe ingest benchmark: ${duration} s per run, median of ${runs} runs\n`);
if (values.db === 'embedded' || values.db === 'both') {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gofindme-bench-'));
  try {
    await benchDatabase('embedded', { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
if (values.db === 'postgres' || values.db === 'both') {
  await withThrowawayDatabase('gofindme_bench', async (url) => {
    await benchDatabase('postgres', { ...process.env, DATABASE_URL: url });
    if (values['sql-ceiling']) await sqlCeiling(url);
  });
}
