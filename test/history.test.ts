import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocationInput } from './gql/graphql.ts';
import { graphql } from './gql/index.ts';
import { codes, startTestServer, type TestKey, type TestServer } from './helpers/server.ts';

const Seed = graphql(`
  mutation Seed($input: [LocationInput!]!) {
    reportLocations(input: $input) {
      id
    }
  }
`);

const Page = graphql(`
  query Page($deviceId: String, $from: DateTime, $to: DateTime, $first: Int, $after: String, $last: Int, $before: String) {
    locations(deviceId: $deviceId, from: $from, to: $to, first: $first, after: $after, last: $last, before: $before) {
      edges {
        cursor
        node {
          deviceId
          latitude
          recordedAt
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`);

const Devices = graphql(`
  query Devices($first: Int, $after: String) {
    devices(first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          deviceId
          lastLocation {
            latitude
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const OneDevice = graphql(`
  query OneDevice($deviceId: String!) {
    device(deviceId: $deviceId) {
      deviceId
      lastLocation {
        latitude
        device {
          deviceId
        }
      }
    }
  }
`);

// The last location asked through fragments and an alias: the page reads it in its own
// statement only if it sees through them.
const DevicesThroughFragments = graphql(`
  query DevicesThroughFragments($first: Int, $after: String) {
    devices(first: $first, after: $after) {
      edges {
        ... on DeviceEdge {
          node {
            deviceId
            ...LastFix
          }
        }
      }
    }
  }
  fragment LastFix on Device {
    newest: lastLocation {
      latitude
      recordedAt
    }
  }
`);

let server: TestServer;
let owner: TestKey;
const base = Date.now() - 3600_000;
const t = (minute: number) => new Date(base + minute * 60_000).toISOString();

beforeAll(async () => {
  server = await startTestServer();
  owner = await server.key();
  // Devices a, b, c; 30 fixes of a (one a minute), 5 of b, 1 of c; uploaded out of order.
  const input: LocationInput[] = [];
  for (let m = 29; m >= 0; m--) input.push({ deviceId: 'a', latitude: m, longitude: 0, recordedAt: t(m) });
  for (let m = 0; m < 5; m++) input.push({ deviceId: 'b', latitude: m, longitude: 1, recordedAt: t(m) });
  input.push({ deviceId: 'c', latitude: 7, longitude: 2, recordedAt: t(40) });
  const seeded = await owner.request(Seed, { input });
  expect(seeded.errors).toBeUndefined();
});
afterAll(() => server.stop());

describe('locations history', () => {
  it('pages forward through one device by recordedAt with stable cursors', async () => {
    const seen: number[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const response = await owner.request(Page, { deviceId: 'a', first: 7, after });
      const { edges, pageInfo } = response.data!.locations;
      seen.push(...edges.map((e) => e.node.latitude));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor!;
    }
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('reads backwards with last/before for the newest fixes', async () => {
    const newest = await owner.request(Page, { deviceId: 'a', last: 3 });
    expect(newest.data!.locations.edges.map((e) => e.node.latitude)).toEqual([27, 28, 29]);
    expect(newest.data!.locations.pageInfo.hasPreviousPage).toBe(true);
    const before = await owner.request(Page, {
      deviceId: 'a',
      last: 2,
      before: newest.data!.locations.pageInfo.startCursor!,
    });
    expect(before.data!.locations.edges.map((e) => e.node.latitude)).toEqual([25, 26]);
  });

  it('filters by time range, inclusive', async () => {
    const response = await owner.request(Page, { deviceId: 'a', from: t(10), to: t(12) });
    expect(response.data!.locations.edges.map((e) => e.node.latitude)).toEqual([10, 11, 12]);
    const bad = await owner.request(Page, { from: t(12), to: t(10) });
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
  });

  it('lists the whole group when no device is given', async () => {
    const response = await owner.request(Page, { first: 1000 });
    const devices = response.data!.locations.edges.map((e) => e.node.deviceId);
    expect(devices).toHaveLength(36);
    expect(new Set(devices)).toEqual(new Set(['a', 'b', 'c']));
    const times = response.data!.locations.edges.map((e) => Date.parse(e.node.recordedAt));
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });

  it('refuses a page over 1000, a negative page and a foreign cursor', async () => {
    expect(codes(await owner.request(Page, { first: 1001 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await owner.request(Page, { last: 5000 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await owner.request(Page, { first: -1 }))).toEqual(['BAD_USER_INPUT']);
    const garbage = await owner.request(Page, { after: 'bm90IGEgY3Vyc29y' });
    expect(codes(garbage)).toEqual(['BAD_USER_INPUT']);
    expect(garbage.errors![0]!.extensions!.issues![0]!.field).toBe('after');
  });
});

describe('devices', () => {
  it('lists devices with their newest location, paged', async () => {
    const first = await owner.request(Devices, { first: 2 });
    const { edges, pageInfo } = first.data!.devices;
    expect(edges.map((e) => e.node.deviceId)).toEqual(['a', 'b']);
    expect(edges.map((e) => e.node.lastLocation!.latitude)).toEqual([29, 4]);
    expect(pageInfo.hasNextPage).toBe(true);
    const rest = await owner.request(Devices, { first: 2, after: pageInfo.endCursor! });
    expect(rest.data!.devices.edges.map((e) => e.node.deviceId)).toEqual(['c']);
    expect(rest.data!.devices.pageInfo.hasNextPage).toBe(false);
  });

  it('gives each device the same last location whether the page or the device is asked', async () => {
    const other = await server.key();
    const fixes = [
      { deviceId: 'x', latitude: 1, longitude: 0, recordedAt: t(5) },
      // Two fixes at the same instant: the later report (higher sequence) is the last.
      { deviceId: 'y', latitude: 2, longitude: 0, recordedAt: t(7) },
      { deviceId: 'y', latitude: 3, longitude: 0, recordedAt: t(7) },
      { deviceId: 'y', latitude: 1, longitude: 0, recordedAt: t(6) },
      { deviceId: 'z', latitude: 4, longitude: 0, recordedAt: t(8) },
    ];
    expect((await other.request(Seed, { input: fixes })).errors).toBeUndefined();
    // z's locations are gone (as after retention): the device stays, without a last location.
    await server.runtime.db.sql.query(`DELETE FROM locations WHERE group_id = $1::uuid AND device_id = 'z'`, [
      other.groupId,
    ]);
    const expected = { x: 1, y: 3, z: null };
    for (const id of ['x', 'y', 'z'] as const) {
      const one = (await other.request(OneDevice, { deviceId: id })).data!.device!;
      expect(one.lastLocation?.latitude ?? null).toBe(expected[id]);
    }
    const plain = await other.request(Devices, {});
    expect(plain.errors).toBeUndefined();
    expect(
      plain.data!.devices.edges.map((e) => [e.node.deviceId, e.node.lastLocation?.latitude ?? null]),
    ).toEqual(Object.entries(expected));
    const through = await other.request(DevicesThroughFragments, {
      first: 2,
      after: plain.data!.devices.edges[0]!.cursor,
    });
    expect(through.errors).toBeUndefined();
    expect(
      through.data!.devices.edges.map((e) => [e.node.deviceId, e.node.newest?.latitude ?? null]),
    ).toEqual([
      ['y', 3],
      ['z', null],
    ]);
    expect(through.data!.devices.edges[0]!.node.newest!.recordedAt).toBe(t(7));
  });

  it('finds one device, or null', async () => {
    const found = await owner.request(OneDevice, { deviceId: 'c' });
    expect(found.data!.device).toEqual({
      deviceId: 'c',
      lastLocation: { latitude: 7, device: { deviceId: 'c' } },
    });
    expect((await owner.request(OneDevice, { deviceId: 'nope' })).data!.device).toBeNull();
  });
});

describe('group isolation', () => {
  it('shows a key of another group nothing of this group, whatever it asks', async () => {
    const stranger = await server.key();
    expect((await stranger.request(Page, { first: 1000 })).data!.locations.edges).toEqual([]);
    expect((await stranger.request(Page, { deviceId: 'a' })).data!.locations.edges).toEqual([]);
    expect((await stranger.request(Devices, {})).data!.devices.edges).toEqual([]);
    expect((await stranger.request(OneDevice, { deviceId: 'a' })).data!.device).toBeNull();
    // A cursor taken from the other group's page does not open it either.
    const cursor = (await owner.request(Page, { first: 1 })).data!.locations.pageInfo.endCursor!;
    expect((await stranger.request(Page, { after: cursor })).data!.locations.edges).toEqual([]);
    const deviceCursor = (await owner.request(Devices, { first: 1 })).data!.devices.pageInfo.endCursor!;
    expect((await stranger.request(Devices, { after: deviceCursor })).data!.devices.edges).toEqual([]);
  });

  it('keeps devices of the same name apart across groups', async () => {
    const other = await server.key();
    await other.request(Seed, { input: [{ deviceId: 'a', latitude: -45, longitude: 0, recordedAt: t(50) }] });
    expect((await other.request(OneDevice, { deviceId: 'a' })).data!.device!.lastLocation!.latitude).toBe(
      -45,
    );
    expect((await owner.request(OneDevice, { deviceId: 'a' })).data!.device!.lastLocation!.latitude).toBe(29);
    // The devices page reads the last location in its own statement: the same there.
    const page = async (key: TestKey) =>
      (await key.request(Devices, { first: 1 })).data!.devices.edges[0]!.node.lastLocation!.latitude;
    expect(await page(other)).toBe(-45);
    expect(await page(owner)).toBe(29);
  });

  it('needs locations:read for history and devices', async () => {
    const writer = await server.key({ groupId: owner.groupId, scopes: ['locations:write'] });
    expect(codes(await writer.request(Page, {}))).toEqual(['FORBIDDEN']);
    expect(codes(await writer.request(Devices, {}))).toEqual(['FORBIDDEN']);
    expect(codes(await writer.request(OneDevice, { deviceId: 'a' }))).toEqual(['FORBIDDEN']);
  });
});
