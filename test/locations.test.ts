import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeofenceCache } from '../src/geofences/cache.ts';
import { geofenceWrites } from '../src/geofences/extension.ts';
import { REPORTED_COLUMNS } from '../src/locations/record.ts';
import { fastInsertSql } from '../src/locations/writer.ts';
import type { LocationInput } from './gql/graphql.ts';
import { graphql } from './gql/index.ts';
import { codes, startTestServer, type TestKey, type TestServer } from './helpers/server.ts';

const Report = graphql(`
  mutation Report($input: LocationInput!) {
    reportLocation(input: $input) {
      id
      cursor
      deviceId
      latitude
      longitude
      accuracy
      altitude
      speed
      heading
      battery
      recordedAt
      receivedAt
      clientId
      device {
        deviceId
      }
    }
  }
`);

const ReportMany = graphql(`
  mutation ReportMany($input: [LocationInput!]!) {
    reportLocations(input: $input) {
      id
      cursor
      deviceId
      latitude
      clientId
    }
  }
`);

const History = graphql(`
  query History($deviceId: String, $first: Int) {
    locations(deviceId: $deviceId, first: $first) {
      edges {
        node {
          id
          cursor
          deviceId
          latitude
          recordedAt
        }
      }
    }
  }
`);

const LastLocation = graphql(`
  query LastLocation($deviceId: String!) {
    device(deviceId: $deviceId) {
      deviceId
      createdAt
      lastLocation {
        latitude
        recordedAt
      }
    }
  }
`);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();
const fix = (overrides: Partial<LocationInput> = {}): LocationInput => ({
  deviceId: 'phone-1',
  latitude: 52.52,
  longitude: 13.405,
  recordedAt: at(1),
  ...overrides,
});
const sequenceOf = (cursor: string) => Number(Buffer.from(cursor, 'base64url').toString().split(':')[1]);

describe('reportLocation', () => {
  it('stores a location and returns it after commit', async () => {
    const key = await server.key();
    const recordedAt = at(10);
    const input = fix({
      accuracy: 4.5,
      altitude: 34,
      speed: 1.2,
      heading: 359.9,
      battery: 87,
      recordedAt,
      clientId: 'c1',
    });
    const response = await key.request(Report, { input });
    expect(response.errors).toBeUndefined();
    const location = response.data!.reportLocation;
    expect(location).toMatchObject({
      deviceId: 'phone-1',
      latitude: 52.52,
      longitude: 13.405,
      accuracy: 4.5,
      altitude: 34,
      speed: 1.2,
      heading: 359.9,
      battery: 87,
      recordedAt,
      clientId: 'c1',
      device: { deviceId: 'phone-1' },
    });
    expect(Math.abs(Date.parse(location.receivedAt) - Date.now())).toBeLessThan(60_000);
    expect(sequenceOf(location.cursor)).toBe(1);

    const history = await key.request(History, { deviceId: 'phone-1' });
    expect(history.data!.locations.edges.map((e) => e.node.id)).toEqual([location.id]);
  });

  it('gives each location of a group the next sequence, with no holes, under concurrent writers', async () => {
    const key = await server.key();
    const writes = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0
        ? key.request(ReportMany, {
            input: [fix({ deviceId: `d${i}` }), fix({ deviceId: `d${i}`, latitude: 1 })],
          })
        : key.request(Report, { input: fix({ deviceId: `d${i}` }) }),
    );
    const responses = await Promise.all(writes);
    const cursors = responses.flatMap((r) => {
      expect(r.errors).toBeUndefined();
      const data = r.data as { reportLocation?: { cursor: string }; reportLocations?: { cursor: string }[] };
      return data.reportLocation ? [data.reportLocation.cursor] : data.reportLocations!.map((l) => l.cursor);
    });
    const sequences = cursors.map(sequenceOf).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
  });

  it('keeps sequences per group: another group starts at 1', async () => {
    const a = await server.key();
    const b = await server.key();
    await a.request(Report, { input: fix() });
    const first = await b.request(Report, { input: fix() });
    expect(sequenceOf(first.data!.reportLocation.cursor)).toBe(1);
  });

  it('treats a retry with the same clientId as the same report', async () => {
    const key = await server.key();
    const input = fix({ clientId: 'retry-1' });
    const first = await key.request(Report, { input });
    const retry = await key.request(Report, { input: { ...input } });
    expect(retry.errors).toBeUndefined();
    expect(retry.data!.reportLocation.id).toBe(first.data!.reportLocation.id);
    expect(retry.data!.reportLocation.latitude).toBe(52.52);
    // Same clientId on another device is another report.
    const other = await key.request(Report, { input: { ...input, deviceId: 'phone-2' } });
    expect(other.data!.reportLocation.id).not.toBe(first.data!.reportLocation.id);

    const history = await key.request(History, {});
    expect(history.data!.locations.edges).toHaveLength(2);
  });

  it('stores concurrent retries of one clientId once', async () => {
    const key = await server.key();
    const input = fix({ clientId: 'storm' });
    const responses = await Promise.all(Array.from({ length: 20 }, () => key.request(Report, { input })));
    const ids = new Set(responses.map((r) => r.data!.reportLocation.id));
    expect(ids.size).toBe(1);
    const history = await key.request(History, {});
    expect(history.data!.locations.edges).toHaveLength(1);
    // The next new report still gets sequence 2: retries used no numbers.
    const next = await key.request(Report, { input: fix({ clientId: 'next' }) });
    expect(sequenceOf(next.data!.reportLocation.cursor)).toBe(2);
  });

  it('creates a device on its first report and tracks its newest fix by recordedAt', async () => {
    const key = await server.key();
    expect((await key.request(LastLocation, { deviceId: 'late' })).data!.device).toBeNull();
    await key.request(Report, { input: fix({ deviceId: 'late', latitude: 2, recordedAt: at(60) }) });
    // A buffered, older fix arriving later does not replace the newest one.
    await key.request(Report, { input: fix({ deviceId: 'late', latitude: 1, recordedAt: at(600) }) });
    const device = (await key.request(LastLocation, { deviceId: 'late' })).data!.device!;
    expect(device.deviceId).toBe('late');
    expect(device.lastLocation!.latitude).toBe(2);
    await key.request(Report, { input: fix({ deviceId: 'late', latitude: 3, recordedAt: at(1) }) });
    expect((await key.request(LastLocation, { deviceId: 'late' })).data!.device!.lastLocation!.latitude).toBe(
      3,
    );
  });
});

describe('validation', () => {
  const invalid: [string, Partial<LocationInput>, string][] = [
    ['latitude above 90', { latitude: 90.0001 }, 'input.latitude'],
    ['latitude below -90', { latitude: -91 }, 'input.latitude'],
    ['longitude above 180', { longitude: 180.5 }, 'input.longitude'],
    ['longitude below -180', { longitude: -181 }, 'input.longitude'],
    ['negative accuracy', { accuracy: -1 }, 'input.accuracy'],
    ['negative speed', { speed: -0.1 }, 'input.speed'],
    ['heading of 360', { heading: 360 }, 'input.heading'],
    ['negative heading', { heading: -1 }, 'input.heading'],
    ['battery above 100', { battery: 100.1 }, 'input.battery'],
    ['negative battery', { battery: -5 }, 'input.battery'],
    [
      'recordedAt too far in the future',
      { recordedAt: new Date(Date.now() + 10 * 60_000).toISOString() },
      'input.recordedAt',
    ],
    ['recordedAt before 2000', { recordedAt: '1999-12-31T23:59:59Z' }, 'input.recordedAt'],
    ['empty deviceId', { deviceId: '' }, 'input.deviceId'],
    ['deviceId over 128 characters', { deviceId: 'x'.repeat(129) }, 'input.deviceId'],
    ['deviceId with a control character', { deviceId: 'a\u0007b' }, 'input.deviceId'],
    ['deviceId with a newline', { deviceId: 'a\nb' }, 'input.deviceId'],
    ['clientId over 128 characters', { clientId: 'c'.repeat(129) }, 'input.clientId'],
    ['empty clientId', { clientId: '' }, 'input.clientId'],
  ];

  it.each(invalid)('rejects %s, naming the field, and writes nothing', async (_name, override, field) => {
    const key = await server.key();
    const response = await key.request(Report, { input: fix(override) });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.extensions!.issues!.map((i) => i.field)).toEqual([field]);
    expect((await key.request(History, {})).data!.locations.edges).toHaveLength(0);
  });

  it('accepts the edges of every range', async () => {
    const key = await server.key();
    const edges = [
      fix({ latitude: 90, longitude: 180, heading: 0, battery: 100, accuracy: 0, speed: 0 }),
      fix({ latitude: -90, longitude: -180, heading: 359.999, battery: 0, deviceId: 'x'.repeat(128) }),
      fix({ recordedAt: '2000-01-01T00:00:00Z', deviceId: 'émoji 📍 ok', clientId: 'c'.repeat(128) }),
      fix({ recordedAt: new Date(Date.now() + 4 * 60_000).toISOString() }),
    ];
    for (const input of edges) {
      const response = await key.request(Report, { input });
      expect(response.errors, JSON.stringify(input)).toBeUndefined();
    }
  });

  it('rejects values GraphQL cannot coerce with BAD_USER_INPUT', async () => {
    const key = await server.key();
    const response = await key.request(Report, {
      input: { ...fix(), latitude: 'north' as unknown as number },
    });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toContain('latitude');
    const badDate = await key.request(Report, { input: fix({ recordedAt: 'yesterday' }) });
    expect(codes(badDate)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('reportLocations', () => {
  it('stores a batch in order, all or nothing', async () => {
    const key = await server.key();
    const input = Array.from({ length: 5 }, (_, i) => fix({ deviceId: `b${i % 2}`, latitude: i }));
    const response = await key.request(ReportMany, { input });
    expect(response.errors).toBeUndefined();
    expect(response.data!.reportLocations.map((l) => l.latitude)).toEqual([0, 1, 2, 3, 4]);
    expect(response.data!.reportLocations.map((l) => sequenceOf(l.cursor))).toEqual([1, 2, 3, 4, 5]);
  });

  it('names every invalid item by index and stores none of the batch', async () => {
    const key = await server.key();
    const input = [fix(), fix({ latitude: 100 }), fix(), fix({ battery: 101, heading: 400 })];
    const response = await key.request(ReportMany, { input });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.extensions!.issues!.map((i) => i.field).sort()).toEqual([
      'input[1].latitude',
      'input[3].battery',
      'input[3].heading',
    ]);
    expect((await key.request(History, {})).data!.locations.edges).toHaveLength(0);
  });

  it('refuses an empty batch and one over 1000 items', async () => {
    const key = await server.key();
    for (const input of [[], Array.from({ length: 1001 }, () => fix())]) {
      const response = await key.request(ReportMany, { input });
      expect(response.status).toBe(400);
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.extensions!.issues![0]!.field).toBe('input');
    }
    expect((await key.request(History, {})).data!.locations.edges).toHaveLength(0);
  });

  it('takes 1000 items', async () => {
    const key = await server.key();
    const input = Array.from({ length: 1000 }, (_, i) => fix({ deviceId: `k${i % 10}`, clientId: `m${i}` }));
    const response = await key.request(ReportMany, { input });
    expect(response.errors).toBeUndefined();
    expect(response.data!.reportLocations).toHaveLength(1000);
  });

  it('returns stored rows for repeated clientIds, inside a batch and across retries', async () => {
    const key = await server.key();
    const [a, b, c] = [fix({ clientId: 'a' }), fix({ clientId: 'b' }), fix({ clientId: 'c' })];
    const first = await key.request(ReportMany, { input: [a, b, a] });
    const [stored, storedB, again] = first.data!.reportLocations;
    expect(again!.id).toBe(stored!.id);
    expect(storedB!.id).not.toBe(stored!.id);
    // A retry of the whole batch plus one new item: the new one is the only thing stored.
    const retry = await key.request(ReportMany, { input: [a, b, c] });
    const [ra, rb, rc] = retry.data!.reportLocations;
    expect([ra!.id, rb!.id]).toEqual([stored!.id, storedB!.id]);
    expect(sequenceOf(rc!.cursor)).toBe(3);
    expect((await key.request(History, {})).data!.locations.edges).toHaveLength(3);
  });
});

describe('a clientId reused for a different fix', () => {
  const count = async (key: TestKey) => (await key.request(History, {})).data!.locations.edges.length;

  it('is refused with IDEMPOTENCY_KEY_REUSED (409), naming the stored location, and stores nothing', async () => {
    const key = await server.key();
    const original = fix({ clientId: 'counter-7' });
    const stored = (await key.request(Report, { input: original })).data!.reportLocation;
    for (const changed of [
      { latitude: 52.6 },
      { longitude: 13.5 },
      { recordedAt: at(30) },
      { accuracy: 12 },
      { speed: 3 },
      { battery: 40 },
    ]) {
      const response = await key.request(Report, { input: { ...original, ...changed } });
      expect(response.status, JSON.stringify(changed)).toBe(409);
      expect(codes(response)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
      expect(response.errors![0]!.extensions).toMatchObject({
        locationId: stored.id,
        conflicts: [{ field: 'input.clientId', locationId: stored.id }],
      });
    }
    // The faithful retry still returns the stored location.
    const retry = await key.request(Report, { input: original });
    expect(retry.data!.reportLocation.id).toBe(stored.id);
    expect(await count(key)).toBe(1);
  });

  it('refuses a whole batch that reuses one, storing none of it', async () => {
    const key = await server.key();
    const first = fix({ clientId: 'x-1' });
    await key.request(ReportMany, { input: [first] });
    const response = await key.request(ReportMany, {
      input: [fix({ clientId: 'x-2' }), { ...first, latitude: 1 }, fix({ clientId: 'x-3' })],
    });
    expect(response.status).toBe(409);
    expect(codes(response)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(response.errors![0]!.extensions).toMatchObject({ conflicts: [{ field: 'input[1].clientId' }] });
    expect(await count(key)).toBe(1);
    // Within one batch, the same clientId for two different fixes.
    const twice = await key.request(ReportMany, {
      input: [fix({ clientId: 'y' }), fix({ clientId: 'y', latitude: 2 })],
    });
    expect(codes(twice)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(twice.errors![0]!.extensions).toMatchObject({
      locationId: null,
      conflicts: [{ field: 'input[1].clientId' }],
    });
    expect(await count(key)).toBe(1);
  });

  it('lets exactly one of two different fixes sent at once with one clientId be stored', async () => {
    const key = await server.key();
    for (let round = 0; round < 5; round++) {
      const clientId = `race-${round}`;
      const results = await Promise.all([
        key.request(Report, { input: fix({ clientId, latitude: 10 }) }),
        key.request(Report, { input: fix({ clientId, latitude: 20 }) }),
        key.request(Report, { input: fix({ clientId: `other-${round}` }) }),
      ]);
      const stored = results.slice(0, 2).filter((r) => r.data?.reportLocation);
      expect(stored).toHaveLength(1);
      expect(codes(results.find((r) => !r.data?.reportLocation)!)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
      // A report that shared the transaction is not failed by its neighbour.
      expect(results[2]!.errors).toBeUndefined();
    }
    expect(await count(key)).toBe(10);
  });
});

describe('the one-statement write', () => {
  // One report as literals: the group, one array per reported column, the count; then the
  // extension's parameters (a last sequence, a state version, counts, empty arrays).
  const argsOf = (key: TestKey, text: string, n: number, columns: Record<string, string> = {}) => {
    const value = (column: string) =>
      ({
        device_id: `'{plan-${n}}'`,
        latitude: "'{52.5}'",
        longitude: "'{13.4}'",
        recorded_at: `'{${at(n)}}'`,
        ...columns,
      })[column] ?? "'{NULL}'";
    const count = Math.max(...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    const reported = REPORTED_COLUMNS.map(value);
    const extension = Array.from({ length: count - 2 - reported.length }, (_, i) => (i < 3 ? "'0'" : "'{}'"));
    return [`'${key.groupId}'`, ...reported, '1', ...extension].join(', ');
  };

  // A custom plan of this statement costs more to make than the statement takes to run;
  // PostgreSQL keeps making them unless the generic plan is estimated as cheap (see arrayParam).
  it('runs its generic plan, made once per connection, from the sixth report on: with and without geofences', async () => {
    const key = await server.key();
    const { db } = server.runtime;
    const geofences = geofenceWrites(
      db.sql,
      new GeofenceCache(db.prisma),
      { exitMarginMeters: 15, maxAccuracyMeters: 100 },
      () => {},
    );
    const statements = [fastInsertSql(), ...geofences.statements.map((s) => fastInsertSql(s))];
    const plans = await db.sql.transaction(async (tx) => {
      for (const [s, text] of statements.entries()) {
        await tx.exec(`PREPARE plan_test_${s} AS ${text}`);
        for (let n = 0; n < 7; n++) await tx.exec(`EXECUTE plan_test_${s}(${argsOf(key, text, n)})`);
      }
      const rows = await tx.query<{ name: string; generic: number; custom: number }>(
        `SELECT name, generic_plans::int AS generic, custom_plans::int AS custom
         FROM pg_prepared_statements WHERE name LIKE 'plan_test_%' ORDER BY name`,
      );
      for (const s of statements.keys()) await tx.exec(`DEALLOCATE plan_test_${s}`);
      return rows;
    });
    expect(plans).toEqual(statements.map((_, s) => ({ name: `plan_test_${s}`, generic: 2, custom: 5 })));
  });

  // A GraphQL report need not send a clientId; an index entry for such a fix would be paid
  // at every insert (about a sixth of a batch's time in PostgreSQL) and never read.
  it('indexes a fix for retries only when it has a clientId, and finds a retry through that index', async () => {
    const key = await server.key();
    const { db } = server.runtime;
    const [index] = await db.sql.query<{ definition: string }>(
      `SELECT pg_get_indexdef(indexrelid) AS definition FROM pg_index
       WHERE indrelid = 'locations'::regclass AND indisunique AND NOT indisprimary`,
    );
    expect(index?.definition).toMatch(/\(group_id, device_id, client_id\) WHERE \(client_id IS NOT NULL\)$/);
    const text = fastInsertSql();
    const plan = await db.sql.transaction(async (tx) => {
      await tx.exec(`PREPARE probe_test AS ${text}`);
      const rows = await tx.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN EXECUTE probe_test(${argsOf(key, text, 0, { client_id: "'{retry-1}'" })})`,
      );
      await tx.exec('DEALLOCATE probe_test');
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/Index (Only )?Scan using locations_group_id_device_id_client_id_key on locations/);
  });
});
