import { setTimeout as sleep } from 'node:timers/promises';
// Geofences end to end: a real server and database, real subscribers on every transport,
// a real webhook receiver. The rules themselves are tested as pure functions in
// geofenceRules.test.ts; here, what a client sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeofenceCache } from '../src/geofences/cache.ts';
import { geofenceWrites } from '../src/geofences/extension.ts';
import type { LocationReport } from '../src/locations/record.ts';
import { LocationWriter } from '../src/locations/writer.ts';
import type {
  CreateGeofenceMutationVariables,
  GeofenceEventLogQueryVariables,
  GeofenceWatchSubscription,
  LocationInput,
} from './gql/graphql.ts';
import { graphql } from './gql/index.ts';
import { type Receiver, startReceiver, verify } from './helpers/receiver.ts';
import { codes, startTestServer, type TestKey, type TestServer } from './helpers/server.ts';
import { type Result, subscribe, TRANSPORTS } from './helpers/subscriptions.ts';
import { CreateWebhook, deliveriesOf } from './helpers/webhooks.ts';

const CreateGeofence = graphql(`
  mutation CreateGeofence($input: CreateGeofenceInput!) {
    createGeofence(input: $input) {
      id
      name
      description
      circle {
        latitude
        longitude
        radiusMeters
      }
      polygon
      deviceIds
      dwellSeconds
      createdAt
      updatedAt
    }
  }
`);

const UpdateGeofence = graphql(`
  mutation UpdateGeofence($id: ID!, $input: UpdateGeofenceInput!) {
    updateGeofence(id: $id, input: $input) {
      id
      name
      circle {
        radiusMeters
      }
      deviceIds
      dwellSeconds
    }
  }
`);

const DeleteGeofence = graphql(`
  mutation DeleteGeofence($id: ID!) {
    deleteGeofence(id: $id) {
      id
      name
    }
  }
`);

const Geofences = graphql(`
  query Geofences($first: Int, $after: String) {
    geofences(first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          name
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const GeofenceById = graphql(`
  query GeofenceById($id: ID!) {
    geofence(id: $id) {
      id
      name
    }
  }
`);

const Report = graphql(`
  mutation GeofenceReport($input: [LocationInput!]!) {
    reportLocations(input: $input) {
      cursor
    }
  }
`);

const Events = graphql(`
  query GeofenceEventLog(
    $deviceId: String
    $geofenceId: ID
    $from: DateTime
    $to: DateTime
    $first: Int
    $after: String
    $last: Int
  ) {
    geofenceEvents(
      deviceId: $deviceId
      geofenceId: $geofenceId
      from: $from
      to: $to
      first: $first
      after: $after
      last: $last
    ) {
      edges {
        node {
          id
          cursor
          type
          geofenceId
          geofenceName
          geofence {
            id
            name
          }
          deviceId
          occurredAt
          removed
          location {
            cursor
            latitude
            longitude
            accuracy
            recordedAt
          }
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`);

const Inside = graphql(`
  query DeviceInside($deviceId: String!) {
    device(deviceId: $deviceId) {
      geofences {
        id
        name
      }
    }
  }
`);

const EventPosition = graphql(`
  query GeofenceEventPosition {
    viewer {
      group {
        geofenceEventCursor
      }
    }
  }
`);

const WATCH = graphql(`
  subscription GeofenceWatch($deviceId: String, $geofenceId: ID, $after: String) {
    geofenceEvents(deviceId: $deviceId, geofenceId: $geofenceId, after: $after) {
      cursor
      type
      deviceId
      geofenceName
      location {
        latitude
      }
    }
  }
`);

let server: TestServer;
let receiver: Receiver;
beforeAll(async () => {
  server = await startTestServer({ webhookWorker: true, geofences: { maxPerGroup: 5 } });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await server?.stop();
});

// A depot: a 100 m circle at (52, 13). One metre of latitude is 1/111,195 degree.
const DEPOT = { latitude: 52, longitude: 13, radiusMeters: 100 };
const north = (metres: number) => 52 + metres / 111_195;
const HOUR_AGO = Date.now() - 3_600_000;
const at = (seconds: number) => new Date(HOUR_AGO + seconds * 1000).toISOString();
const fix = (deviceId: string, metres: number, seconds: number, accuracy = 5): LocationInput => ({
  deviceId,
  latitude: north(metres),
  longitude: 13,
  accuracy,
  recordedAt: at(seconds),
});

async function createGeofence(key: TestKey, variables: CreateGeofenceMutationVariables) {
  const response = await key.request(CreateGeofence, variables);
  expect(response.errors).toBeUndefined();
  return response.data!.createGeofence;
}

async function report(key: TestKey, input: LocationInput[]) {
  const response = await key.request(Report, { input });
  expect(response.errors).toBeUndefined();
  return response.data!.reportLocations.map((l) => l.cursor);
}

async function events(key: TestKey, variables: GeofenceEventLogQueryVariables = {}) {
  const response = await key.request(Events, { first: 1000, ...variables });
  expect(response.errors).toBeUndefined();
  return response.data!.geofenceEvents.edges.map((e) => e.node);
}

describe('managing geofences', () => {
  it('loads a group’s geofences in use again before its cached set expires, without a report waiting for it', async () => {
    const key = await server.key();
    // Another instance's cache: it hears of no change, so only its own loads can see one.
    const cache = new GeofenceCache(server.runtime.db.prisma, 2_000);
    const loaded = Date.now();
    expect((await cache.get(key.groupId)).size).toBe(0);
    await createGeofence(key, { input: { name: 'Depot', circle: DEPOT } });
    await sleep(1_200);
    // Past half its TTL the set is still served, and loaded again in the background…
    expect((await cache.get(key.groupId)).size).toBe(0);
    // …so the new geofence shows before the set would have expired.
    let size = 0;
    while (Date.now() - loaded < 1_800 && size === 0) {
      await sleep(20);
      size = (await cache.get(key.groupId)).size;
    }
    expect(size).toBe(1);
  });

  it('creates circles and polygons, lists, reads, updates and deletes them', async () => {
    const key = await server.key();
    const depot = await createGeofence(key, {
      input: { name: ' Depot ', description: 'Gate 3', circle: DEPOT, dwellSeconds: 600 },
    });
    expect(depot).toMatchObject({
      name: 'Depot',
      description: 'Gate 3',
      circle: DEPOT,
      polygon: null,
      deviceIds: [],
      dwellSeconds: 600,
    });
    const yard = {
      type: 'Polygon',
      coordinates: [
        [
          [13, 52],
          [13.01, 52],
          [13.01, 52.01],
          [13, 52.01],
          [13, 52],
        ],
      ],
    };
    const polygon = await createGeofence(key, {
      input: { name: 'Yard', polygon: yard, deviceIds: ['van', 'van'] },
    });
    expect(polygon).toMatchObject({ circle: null, polygon: yard, deviceIds: ['van'], dwellSeconds: null });

    const page1 = await key.request(Geofences, { first: 1 });
    expect(page1.data!.geofences.edges.map((e) => e.node.name)).toEqual(['Depot']);
    const page2 = await key.request(Geofences, { first: 5, after: page1.data!.geofences.pageInfo.endCursor });
    expect(page2.data!.geofences.edges.map((e) => e.node.name)).toEqual(['Yard']);
    expect(page2.data!.geofences.pageInfo.hasNextPage).toBe(false);

    const updated = await key.request(UpdateGeofence, {
      id: depot.id,
      input: { circle: { ...DEPOT, radiusMeters: 250 }, dwellSeconds: null },
    });
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateGeofence).toMatchObject({
      name: 'Depot',
      circle: { radiusMeters: 250 },
      dwellSeconds: null,
    });

    expect((await key.request(DeleteGeofence, { id: polygon.id })).data!.deleteGeofence.name).toBe('Yard');
    expect((await key.request(GeofenceById, { id: polygon.id })).data!.geofence).toBeNull();
    expect(codes(await key.request(DeleteGeofence, { id: polygon.id }))).toEqual(['NOT_FOUND']);
  });

  it('refuses bad geometry with BAD_USER_INPUT and the path of the offending field', async () => {
    const key = await server.key();
    const cases: [object, string][] = [
      [{ name: 'x', circle: DEPOT, polygon: { type: 'Polygon', coordinates: [] } }, 'input.circle'],
      [{ name: 'x' }, 'input.circle'],
      [{ name: 'x', circle: { ...DEPOT, radiusMeters: 0 } }, 'input.circle.radiusMeters'],
      [{ name: 'x', circle: { ...DEPOT, latitude: 95 } }, 'input.circle.latitude'],
      [
        {
          name: 'x',
          polygon: {
            type: 'Polygon',
            coordinates: [
              [
                [13, 52],
                [13.1, 52],
                [13, 52.1],
                [13, 52.2],
              ],
            ],
          },
        },
        'input.polygon.coordinates.0',
      ],
      [
        {
          name: 'x',
          polygon: {
            type: 'Polygon',
            coordinates: [
              [
                [13, 52],
                [13.1, 52],
                [13, 52],
              ],
            ],
          },
        },
        'input.polygon.coordinates.0',
      ],
      [
        {
          name: 'x',
          polygon: {
            type: 'Polygon',
            coordinates: [
              [
                [13, 52],
                [13.1, 52],
                [13, 'NaN'],
                [13, 52],
              ],
            ],
          },
        },
        'input.polygon.coordinates.0.2',
      ],
      [
        {
          name: 'x',
          polygon: {
            type: 'Polygon',
            coordinates: [
              [
                [179.9, 0],
                [-179.9, 0],
                [-179.9, 1],
                [179.9, 0],
              ],
            ],
          },
        },
        'input.polygon.coordinates.0',
      ],
      [{ name: 'x', polygon: 'not json' }, 'input.polygon.type'],
      [{ name: '', circle: DEPOT }, 'input.name'],
      [{ name: 'x', circle: DEPOT, dwellSeconds: 0 }, 'input.dwellSeconds'],
      [{ name: 'x', circle: DEPOT, deviceIds: ['ok', 'bad\u0000id'] }, 'input.deviceIds.1'],
    ];
    for (const [input, path] of cases) {
      const response = await key.request(CreateGeofence, { input: input as never });
      expect(response.status, path).toBeLessThan(500);
      expect(codes(response), path).toEqual(['BAD_USER_INPUT']);
      expect(
        response.errors![0]!.extensions!.issues!.map((i) => i.path.join('.')),
        JSON.stringify(input),
      ).toContain(path);
    }
    expect((await key.request(Geofences, {})).data!.geofences.edges).toEqual([]);
  });

  it('needs geofences:manage to change and locations:read to read', async () => {
    const owner = await server.key();
    const reader = await server.key({ groupId: owner.groupId, scopes: ['locations:read'] });
    const writer = await server.key({ groupId: owner.groupId, scopes: ['locations:write'] });
    expect(codes(await reader.request(CreateGeofence, { input: { name: 'x', circle: DEPOT } }))).toEqual([
      'FORBIDDEN',
    ]);
    const { id } = await createGeofence(owner, { input: { name: 'x', circle: DEPOT } });
    expect((await reader.request(GeofenceById, { id })).data!.geofence!.name).toBe('x');
    expect(codes(await writer.request(GeofenceById, { id }))).toEqual(['FORBIDDEN']);
    expect(codes(await reader.request(DeleteGeofence, { id }))).toEqual(['FORBIDDEN']);
  });

  it('holds GEOFENCES_MAX_PER_GROUP under concurrent creation', async () => {
    const key = await server.key();
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        key.request(CreateGeofence, { input: { name: `g${i}`, circle: DEPOT } }),
      ),
    );
    expect(responses.filter((r) => r.data?.createGeofence).length).toBe(5);
    const refused = responses.filter((r) => r.errors);
    expect(refused.map((r) => codes(r)[0])).toEqual(Array(7).fill('CONFLICT'));
    expect(refused[0]!.errors![0]!.message).toMatch(/at most 5 geofences \(GEOFENCES_MAX_PER_GROUP\)/);
    expect((await key.request(Geofences, { first: 100 })).data!.geofences.edges).toHaveLength(5);
  });
});

describe('events', () => {
  it('follows a device along a path: ENTER, DWELL, EXIT, each with the fix that caused it', async () => {
    const key = await server.key();
    const depot = await createGeofence(key, { input: { name: 'Depot', circle: DEPOT, dwellSeconds: 300 } });
    // Approach, arrive, wait 10 minutes, leave; one report per fix, as a phone sends them.
    const path = [800, 400, 60, 0, -30, 20, 0, 500];
    const cursors: string[] = [];
    for (const [i, metres] of path.entries())
      cursors.push(...(await report(key, [fix('van', metres, i * 120)])));
    const log = await events(key);
    expect(log.map((e) => [e.type, e.location.cursor])).toEqual([
      ['ENTER', cursors[2]],
      ['DWELL', cursors[5]],
      ['EXIT', cursors[7]],
    ]);
    expect(log[0]).toMatchObject({
      geofenceId: depot.id,
      geofenceName: 'Depot',
      geofence: { id: depot.id, name: 'Depot' },
      deviceId: 'van',
      occurredAt: at(240),
      removed: false,
      location: { latitude: north(60), accuracy: 5, recordedAt: at(240) },
    });
    // Sequences are dense from 1.
    expect(log.map((e) => Number(Buffer.from(e.cursor, 'base64url').toString().split(':')[1]))).toEqual([
      1, 2, 3,
    ]);
  });

  it('filters by device, geofence and time, and pages from the newest with last', async () => {
    const key = await server.key();
    const a = await createGeofence(key, { input: { name: 'A', circle: DEPOT } });
    const b = await createGeofence(key, {
      input: { name: 'B', circle: { ...DEPOT, latitude: north(1000) } },
    });
    await report(key, [fix('one', 0, 0), fix('two', 1000, 0)]);
    await report(key, [fix('one', 1000, 60), fix('two', 0, 60)]);
    const all = await events(key);
    expect(all.map((e) => `${e.deviceId} ${e.type} ${e.geofenceName}`)).toEqual([
      'one ENTER A',
      'two ENTER B',
      'one EXIT A',
      'one ENTER B',
      'two EXIT B',
      'two ENTER A',
    ]);
    expect((await events(key, { deviceId: 'two' })).map((e) => e.type)).toEqual(['ENTER', 'EXIT', 'ENTER']);
    expect((await events(key, { geofenceId: a.id })).map((e) => e.deviceId)).toEqual(['one', 'one', 'two']);
    expect((await events(key, { geofenceId: b.id, from: at(30) })).map((e) => e.type)).toEqual([
      'ENTER',
      'EXIT',
    ]);
    expect((await events(key, { to: at(30) })).length).toBe(2);
    const newest = await key.request(Events, { last: 1 });
    expect(newest.data!.geofenceEvents.edges.map((e) => e.node.cursor)).toEqual([all.at(-1)!.cursor]);
    expect(codes(await key.request(Events, { deviceId: '' }))).toEqual(['BAD_USER_INPUT']);
    expect(await events(key, { geofenceId: 'not-a-uuid' })).toEqual([]);
  });

  it('ignores late fixes and fixes worse than GEOFENCE_MAX_ACCURACY, and does not flap at the boundary', async () => {
    const key = await server.key();
    await createGeofence(key, { input: { name: 'Depot', circle: DEPOT } });
    await report(key, [fix('van', 0, 100)]); // ENTER
    await report(key, [fix('van', 2000, 50)]); // late: recorded before the newest
    await report(key, [fix('van', 2000, 110, 500)]); // 500 m accuracy
    // Parked at the boundary: 90 to 120 m from the centre with 10 m accuracy.
    for (const [i, metres] of [110, 95, 120, 105, 115].entries())
      await report(key, [fix('van', metres, 120 + i * 10, 10)]);
    expect((await events(key)).map((e) => e.type)).toEqual(['ENTER']);
    expect(
      (await key.request(Inside, { deviceId: 'van' })).data!.device!.geofences.map((g) => g.name),
    ).toEqual(['Depot']);
    // The late fix is stored like any other.
    await report(key, [fix('van', 200, 400)]); // 100 m out with 5 m accuracy: out
    expect((await events(key)).map((e) => e.type)).toEqual(['ENTER', 'EXIT']);
    expect((await key.request(Inside, { deviceId: 'van' })).data!.device!.geofences).toEqual([]);
  });

  it('device ids with quotes and backslashes are evaluated like any other', async () => {
    const key = await server.key();
    await createGeofence(key, { input: { name: 'Depot', circle: DEPOT } });
    const ids = ["o'brien", 'back\\slash', "E'\\'; DROP TABLE locations; --", 'plain'];
    await report(
      key,
      ids.map((id) => fix(id, 0, 0)),
    );
    await report(
      key,
      ids.map((id) => fix(id, 2000, 60)),
    );
    const log = await events(key);
    expect(log.map((e) => `${e.type} ${e.deviceId}`).sort()).toEqual(
      ids.flatMap((id) => [`ENTER ${id}`, `EXIT ${id}`]).sort(),
    );
  });

  it('a new geofence around a device already inside: ENTER with its next fix', async () => {
    const key = await server.key();
    await report(key, [fix('van', 0, 0)]);
    await createGeofence(key, { input: { name: 'Depot', circle: DEPOT } });
    expect(await events(key)).toEqual([]);
    await report(key, [fix('van', 5, 60)]);
    expect((await events(key)).map((e) => e.type)).toEqual(['ENTER']);
  });

  it('deleting a geofence, or narrowing its devices, ends the visits inside it with an EXIT flagged removed', async () => {
    const key = await server.key();
    const depot = await createGeofence(key, { input: { name: 'Depot', circle: DEPOT } });
    const yard = await createGeofence(key, {
      input: { name: 'Yard', circle: { ...DEPOT, radiusMeters: 300 } },
    });
    const last = await report(key, [fix('van', 0, 0), fix('car', 10, 0), fix('bike', 2000, 0)]);
    expect((await events(key)).length).toBe(4);

    const narrowed = await key.request(UpdateGeofence, { id: yard.id, input: { deviceIds: ['car'] } });
    expect(narrowed.errors).toBeUndefined();
    const deleted = await key.request(DeleteGeofence, { id: depot.id });
    expect(deleted.errors).toBeUndefined();

    const log = await events(key);
    const removals = log.filter((e) => e.removed);
    expect(removals.map((e) => `${e.type} ${e.geofenceName} ${e.deviceId}`).sort()).toEqual([
      'EXIT Depot car',
      'EXIT Depot van',
      'EXIT Yard van',
    ]);
    // The removal carries the device's latest fix; the deleted geofence reads as null.
    expect(removals.find((e) => e.deviceId === 'van' && e.geofenceName === 'Depot')).toMatchObject({
      geofence: null,
      geofenceId: depot.id,
      location: { cursor: last[0] },
    });
    expect(
      (await key.request(Inside, { deviceId: 'car' })).data!.device!.geofences.map((g) => g.name),
    ).toEqual(['Yard']);
    expect((await key.request(Inside, { deviceId: 'van' })).data!.device!.geofences).toEqual([]);
    // The van no longer counts for the yard; the car still does.
    await report(key, [fix('van', 2000, 60), fix('car', 2000, 60)]);
    expect((await events(key)).slice(removals.length + 4).map((e) => `${e.type} ${e.deviceId}`)).toEqual([
      'EXIT car',
    ]);
  });

  it('a refused report stores no events (all or nothing)', async () => {
    const key = await server.key();
    await createGeofence(key, { input: { name: 'Depot', circle: DEPOT } });
    await report(key, [{ ...fix('van', 2000, 0), clientId: 'c1' }]);
    // The second fix reuses c1 with a different position: the whole batch is refused.
    const refused = await key.request(Report, {
      input: [fix('car', 0, 10), { ...fix('van', 0, 10), clientId: 'c1' }],
    });
    expect(codes(refused)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(await events(key)).toEqual([]);
    // A retry of a stored fix is not evaluated twice.
    await report(key, [{ ...fix('van', 0, 20), clientId: 'c2' }]);
    await report(key, [{ ...fix('van', 0, 20), clientId: 'c2' }]);
    expect((await events(key)).map((e) => e.type)).toEqual(['ENTER']);
  });
});

describe('several writers (instances) of one group', () => {
  /** A writer on the same database with its own memory, as another instance has, and its geofence cache. */
  function otherInstance() {
    const { db } = server.runtime;
    const cache = new GeofenceCache(db.prisma);
    const rules = { exitMarginMeters: 15, maxAccuracyMeters: 100 };
    return {
      cache,
      writer: new LocationWriter(
        db.sql,
        () => {},
        geofenceWrites(db.sql, cache, rules, () => {}),
      ),
    };
  }
  const reportOf = (deviceId: string, metres: number, seconds: number): LocationReport => ({
    deviceId,
    latitude: north(metres),
    longitude: 13,
    accuracy: 5,
    altitude: null,
    speed: null,
    heading: null,
    battery: null,
    recordedAt: new Date(at(seconds)),
    clientId: null,
  });
  const timeline = async (key: TestKey) =>
    (await events(key)).map((e) => `${e.type}@${(Date.parse(e.occurredAt) - HOUR_AGO) / 1000}`);

  it('counts a geofence from an instance’s next report, whether it has not loaded the group’s set yet or holds it without that geofence', async () => {
    const other = otherInstance();
    // A group whose geofences the other instance has not loaded: its first report there does
    // not wait for them, and still enters the geofence.
    const unknown = await server.key();
    await createGeofence(unknown, { input: { name: 'Depot', circle: DEPOT } });
    await other.writer.write(unknown.groupId, [reportOf('van', 0, 0)]);
    // A group it holds with no geofence; then one is created elsewhere and the announcement
    // never reaches it (its cached set would be served for another minute).
    const stale = await server.key();
    await other.writer.write(stale.groupId, [reportOf('van', 1000, 0)]);
    await expect.poll(() => other.cache.peek(stale.groupId)?.size).toBe(0);
    await createGeofence(stale, { input: { name: 'Depot', circle: DEPOT } });
    expect(other.cache.peek(stale.groupId)?.size).toBe(0);
    await other.writer.write(stale.groupId, [reportOf('van', 0, 10)]);
    await other.writer.write(stale.groupId, [reportOf('van', 1000, 20)]);
    expect(await timeline(unknown)).toEqual(['ENTER@0']);
    expect(await timeline(stale)).toEqual(['ENTER@10', 'EXIT@20']);
  });

  it('each sees what the others stored: one device written through two writers alternately gets every crossing once', async () => {
    const key = await server.key();
    await createGeofence(key, { input: { name: 'Depot', circle: DEPOT, dwellSeconds: 30 } });
    // A second writer on the same database, with its own memory: as another instance has.
    const other = otherInstance();
    const viaOther = (metres: number, seconds: number) =>
      other.writer.write(key.groupId, [reportOf('van', metres, seconds)]);
    // In, out, in, out… alternating between the server and the other writer; then a DWELL
    // that only the server's fix can see is due, and a late fix through the other.
    for (let i = 0; i < 8; i++) {
      const metres = i % 2 === 0 ? 0 : 1000;
      if (i % 2 === 0) await report(key, [fix('van', metres, i * 10)]);
      else await viaOther(metres, i * 10);
    }
    await viaOther(0, 100); // ENTER
    await report(key, [fix('van', 0, 140)]); // DWELL (40 s inside)
    await viaOther(1000, 120); // late: nothing
    await report(key, [fix('van', 0, 150)]); // still inside: nothing
    expect(await timeline(key)).toEqual([
      'ENTER@0',
      'EXIT@10',
      'ENTER@20',
      'EXIT@30',
      'ENTER@40',
      'EXIT@50',
      'ENTER@60',
      'EXIT@70',
      'ENTER@100',
      'DWELL@140',
    ]);
  });
});

describe('geofenceEvents subscription', () => {
  const eventOf = (result: Result<GeofenceWatchSubscription>) => result.data!.geofenceEvents;
  const sequenceOf = (cursor: string) => Number(Buffer.from(cursor, 'base64url').toString().split(':')[1]);

  it.each(TRANSPORTS)(
    '%s: resumes after a cursor under concurrent writers: replay, then live, no gap, no duplicate, commit order',
    async (transport) => {
      const key = await server.key();
      await createGeofence(key, { input: { name: 'Depot', circle: DEPOT } });
      const start = (await key.request(EventPosition, {})).data!.viewer.group.geofenceEventCursor!;
      // Three devices cross the boundary at every fix: each fix is one event.
      const FIXES = 16;
      const write = (deviceId: string) =>
        (async () => {
          for (let i = 0; i < FIXES; i++) await report(key, [fix(deviceId, i % 2 === 0 ? 0 : 1000, i)]);
        })();
      const writers = ['a', 'b', 'c'].map(write);
      // Subscribe while they write: part of what it gets is replayed, the rest live.
      await new Promise((resolve) => setTimeout(resolve, 30));
      const sub = subscribe(transport, server.url, key.key, WATCH, { after: start });
      await Promise.all(writers);
      const results = await sub.waitFor(3 * FIXES, 20_000);
      await sub.close();
      expect(results.every((r) => !r.errors)).toBe(true);
      const got = results.map(eventOf);
      expect(got.map((e) => sequenceOf(e.cursor))).toEqual(
        Array.from({ length: 3 * FIXES }, (_, i) => i + 1),
      );
      for (const deviceId of ['a', 'b', 'c']) {
        expect(got.filter((e) => e.deviceId === deviceId).map((e) => e.type)).toEqual(
          Array.from({ length: FIXES }, (_, i) => (i % 2 === 0 ? 'ENTER' : 'EXIT')),
        );
      }
      // Exactly what the query returns.
      expect((await events(key)).map((e) => e.cursor)).toEqual(got.map((e) => e.cursor));
    },
  );

  it('filters by device and geofence live, and refuses without locations:read', async () => {
    const key = await server.key();
    const a = await createGeofence(key, { input: { name: 'A', circle: DEPOT } });
    await createGeofence(key, { input: { name: 'B', circle: { ...DEPOT, latitude: north(1000) } } });
    const start = (await key.request(EventPosition, {})).data!.viewer.group.geofenceEventCursor!;
    const byDevice = subscribe('ws', server.url, key.key, WATCH, { deviceId: 'two', after: start });
    const byGeofence = subscribe('sse', server.url, key.key, WATCH, { geofenceId: a.id, after: start });
    await report(key, [fix('one', 0, 0), fix('two', 1000, 0)]);
    await report(key, [fix('one', 1000, 60), fix('two', 0, 60)]);
    const two = (await byDevice.waitFor(3)).map((r) => `${eventOf(r).type} ${eventOf(r).geofenceName}`);
    const onA = (await byGeofence.waitFor(3)).map((r) => `${eventOf(r).deviceId} ${eventOf(r).type}`);
    expect(two).toEqual(['ENTER B', 'EXIT B', 'ENTER A']);
    expect(onA).toEqual(['one ENTER', 'one EXIT', 'two ENTER']);
    await Promise.all([byDevice.close(), byGeofence.close()]);

    const writer = await server.key({ groupId: key.groupId, scopes: ['locations:write'] });
    for (const transport of TRANSPORTS) {
      const refused = subscribe(transport, server.url, writer.key, WATCH, {});
      const { description } = await refused.ended;
      expect(`${description} ${JSON.stringify(refused.results)}`, transport).toContain('FORBIDDEN');
      expect(refused.results.every((r) => !r.data?.geofenceEvents)).toBe(true);
      await refused.close();
    }
  });
});

describe('webhooks', () => {
  it('deliver geofence events to webhooks that ask for them, signed, with the event, its location and geofence', async () => {
    const key = await server.key();
    const depot = await createGeofence(key, { input: { name: 'Depot', circle: DEPOT, dwellSeconds: 60 } });
    const before = receiver.requests.length;
    const created = await key.request(CreateWebhook, {
      input: { url: receiver.url, eventTypes: ['GEOFENCE_ENTERED', 'GEOFENCE_EXITED', 'GEOFENCE_DWELLED'] },
    });
    expect(created.errors).toBeUndefined();
    const { webhook, secret } = created.data!.createWebhook;
    expect(webhook.eventTypes).toEqual(['GEOFENCE_ENTERED', 'GEOFENCE_EXITED', 'GEOFENCE_DWELLED']);
    // A webhook that does not say gets locations only, as before.
    const plain = await key.request(CreateWebhook, { input: { url: `${receiver.url}?plain` } });
    expect(plain.data!.createWebhook.webhook.eventTypes).toEqual(['LOCATION_CREATED']);

    for (const [i, metres] of [500, 0, 10, 900].entries()) await report(key, [fix('van', metres, i * 60)]);
    const requests = (await receiver.waitFor(before + 4 + 3)).slice(before);
    const geofenceHooks = requests.filter((r) => r.event.type.startsWith('geofence.'));
    expect(geofenceHooks.map((r) => r.event.type)).toEqual([
      'geofence.entered',
      'geofence.dwelled',
      'geofence.exited',
    ]);
    for (const request of geofenceHooks) expect(() => verify(secret, request)).not.toThrow();
    const [entered] = geofenceHooks;
    const [logged] = await events(key);
    expect(entered!.event.data).toEqual({
      id: logged!.id,
      cursor: logged!.cursor,
      sequence: 1,
      type: 'ENTER',
      geofenceId: depot.id,
      geofenceName: 'Depot',
      geofence: { id: depot.id, name: 'Depot' },
      deviceId: 'van',
      occurredAt: at(60),
      removed: false,
      location: expect.objectContaining({
        cursor: logged!.location.cursor,
        latitude: north(0),
        deviceId: 'van',
      }),
    });
    expect(requests.filter((r) => r.event.type === 'location.created')).toHaveLength(4);
    // The delivery log shows them like any other delivery.
    const { deliveries } = await deliveriesOf(key, webhook.id);
    expect(deliveries.map((d) => d.eventType).sort()).toEqual([
      'geofence.dwelled',
      'geofence.entered',
      'geofence.exited',
    ]);

    // eventTypes can change, and must name at least one.
    const none = await key.request(UpdateWebhookTypes, { id: webhook.id, input: { eventTypes: [] } });
    expect(codes(none)).toEqual(['BAD_USER_INPUT']);
    expect(none.errors![0]!.extensions!.issues![0]!.path).toEqual(['input', 'eventTypes']);
    const changed = await key.request(UpdateWebhookTypes, {
      id: webhook.id,
      input: { eventTypes: ['GEOFENCE_EXITED'] },
    });
    expect(changed.data!.updateWebhook.eventTypes).toEqual(['GEOFENCE_EXITED']);
  });
});

const UpdateWebhookTypes = graphql(`
  mutation UpdateWebhookTypes($id: ID!, $input: UpdateWebhookInput!) {
    updateWebhook(id: $id, input: $input) {
      eventTypes
    }
  }
`);

describe('groups are isolated', () => {
  it('geofences, their events, subscriptions and webhooks of one group are invisible to another', async () => {
    const mine = await server.key();
    const theirs = await server.key();
    const depot = await createGeofence(theirs, { input: { name: 'Theirs', circle: DEPOT } });
    const hook = await startReceiver();
    try {
      await mine.request(CreateWebhook, {
        input: { url: hook.url, eventTypes: ['GEOFENCE_ENTERED', 'LOCATION_CREATED'] },
      });
      const start = (await mine.request(EventPosition, {})).data!.viewer.group.geofenceEventCursor!;
      const sub = subscribe('ws', server.url, mine.key, WATCH, { after: start });
      // Their device enters their geofence; mine reports at the same spot.
      await report(theirs, [fix('van', 0, 0)]);
      await report(mine, [fix('van', 0, 0)]);
      expect((await events(theirs)).length).toBe(1);
      expect(await events(mine)).toEqual([]);
      expect((await mine.request(Geofences, {})).data!.geofences.edges).toEqual([]);
      expect((await mine.request(GeofenceById, { id: depot.id })).data!.geofence).toBeNull();
      expect(codes(await mine.request(DeleteGeofence, { id: depot.id }))).toEqual(['NOT_FOUND']);
      expect(
        codes(await mine.request(UpdateGeofence, { id: depot.id, input: { name: 'mine now' } })),
      ).toEqual(['NOT_FOUND']);
      expect(await events(mine, { geofenceId: depot.id })).toEqual([]);
      // My geofence: my event arrives live; theirs never does.
      await createGeofence(mine, { input: { name: 'Mine', circle: DEPOT } });
      await report(mine, [fix('van', 1, 60)]);
      const [only] = await sub.waitFor(1);
      expect(eventOf(only!)).toMatchObject({ geofenceName: 'Mine', type: 'ENTER' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sub.results).toHaveLength(1);
      await sub.close();
      const received = await hook.waitFor(3);
      expect(received.map((r) => r.event.type).sort()).toEqual([
        'geofence.entered',
        'location.created',
        'location.created',
      ]);
      expect(received.every((r) => r.event.data.deviceId === 'van' && !r.body.includes('Theirs'))).toBe(true);
    } finally {
      await hook.close();
    }
  });

  const eventOf = (result: Result<GeofenceWatchSubscription>) => result.data!.geofenceEvents;
});
