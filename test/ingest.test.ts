// Tracking apps report through their own protocols: OwnTracks (HTTP mode), the OsmAnd
// protocol (Traccar Client, OsmAnd, GPSLogger) and Overland. The payloads below follow the
// apps' documented and observed shapes; each stored Location is checked field by field in
// our units, and every fix reaches live subscribers and webhooks once, retries included.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';
import { startTestServer, type TestKey, type TestServer } from './helpers/server.ts';
import { subscribe } from './helpers/subscriptions.ts';
import { createWebhook } from './helpers/webhooks.ts';

const Stored = graphql(`
  query IngestedLocations($deviceId: String) {
    locations(deviceId: $deviceId, first: 1000) {
      edges {
        node {
          deviceId
          latitude
          longitude
          accuracy
          altitude
          speed
          heading
          battery
          recordedAt
          clientId
        }
      }
    }
  }
`);

const IngestUpdates = graphql(`
  subscription IngestUpdates {
    locationUpdates {
      cursor
      deviceId
    }
  }
`);

let server: TestServer;
let base: string;
const receivers: Receiver[] = [];
beforeAll(async () => {
  server = await startTestServer({ webhookWorker: true });
  base = server.url.replace(/\/graphql$/, '');
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(() => server.stop());

const TST = 1_796_000_000; // 2026-11-30T00:53:20Z, Unix seconds
const AT = new Date(TST * 1000).toISOString();
const KNOT = 1852 / 3600;

async function stored(key: TestKey, deviceId?: string) {
  const response = await key.request(Stored, { deviceId });
  expect(response.errors).toBeUndefined();
  return response.data!.locations.edges.map((e) => e.node);
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function ownTracks(key: TestKey, message: unknown, headers: Record<string, string> = {}) {
  return fetch(`${base}/ingest/owntracks`, {
    method: 'POST',
    headers: {
      authorization: basic('jane', key.key),
      'content-type': 'application/json; charset=utf-8',
      ...headers,
    },
    body: typeof message === 'string' ? message : JSON.stringify(message),
  });
}

describe('OwnTracks (HTTP mode)', () => {
  it('stores an Android location: X-Limit-U/D name the device, vel km/h becomes m/s', async () => {
    const key = await server.key();
    const response = await ownTracks(
      key,
      {
        _type: 'location',
        _id: 'a1b2c3d4',
        tid: 'JP',
        topic: 'owntracks/http/JP',
        lat: 52.5163,
        lon: 13.3777,
        tst: TST,
        created_at: TST + 3,
        acc: 12,
        alt: 41,
        vac: 3,
        vel: 18,
        cog: 270,
        batt: 64,
        bs: 1,
        conn: 'm',
        m: 2,
        t: 'u',
        source: 'fused',
        BSSID: 'aa:bb',
        SSID: 'home',
      },
      { 'x-limit-u': 'jane', 'x-limit-d': 'pixel' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual([]);
    expect(await stored(key)).toEqual([
      {
        deviceId: 'jane/pixel',
        latitude: 52.5163,
        longitude: 13.3777,
        accuracy: 12,
        altitude: 41,
        speed: 5,
        heading: 270,
        battery: 64,
        recordedAt: AT,
        clientId: `fix:${TST * 1000}:52.5163,13.3777`,
      },
    ]);
  });

  it('stores an iOS location: its placeholder headers are ignored, the topic names the device, missing fields are unknown', async () => {
    const key = await server.key();
    const response = await ownTracks(
      key,
      {
        _type: 'location',
        tid: 'IP',
        topic: 'owntracks/jane/iphone',
        lat: -33.8688,
        lon: 151.2093,
        tst: TST,
        acc: 65,
        batt: 100,
        bs: 3,
        p: 101.3,
        ssid: 'cafe',
        inregions: ['home'],
        t: 't',
      },
      { 'x-limit-u': 'user', 'x-limit-d': 'device' },
    );
    expect(response.status).toBe(200);
    expect(await stored(key)).toEqual([
      expect.objectContaining({
        deviceId: 'jane/iphone',
        latitude: -33.8688,
        longitude: 151.2093,
        accuracy: 65,
        altitude: null,
        speed: null,
        heading: null,
        battery: 100,
        recordedAt: AT,
      }),
    ]);
  });

  it('accepts and ignores every other message type and an empty body, with []', async () => {
    const key = await server.key();
    const messages = [
      {
        _type: 'transition',
        wtst: TST,
        lat: 1,
        lon: 2,
        tst: TST,
        acc: 5,
        tid: 'JP',
        event: 'enter',
        desc: 'home',
        t: 'c',
      },
      { _type: 'waypoint', desc: 'home', lat: 1, lon: 2, rad: 50, tst: TST },
      { _type: 'waypoints', waypoints: [] },
      { _type: 'lwt', tst: TST },
      { _type: 'card', name: 'Jane', face: '' },
      { _type: 'status', android: {} },
      { _type: 'encrypted', data: 'AAAA' },
      { _type: 'steps', steps: 10 },
      '',
    ];
    for (const message of messages) {
      const response = await ownTracks(key, message);
      expect(response.status, JSON.stringify(message)).toBe(200);
      expect(await response.json()).toEqual([]);
    }
    expect(await stored(key)).toEqual([]);
  });

  it('answers with the other devices of the group as friends (tid, topic, position)', async () => {
    const key = await server.key();
    await ownTracks(
      key,
      { _type: 'location', tid: 'AL', lat: 48.1, lon: 11.5, tst: TST, vel: 36, batt: 50 },
      {
        'x-limit-d': 'alice-phone',
      },
    );
    const response = await ownTracks(
      key,
      { _type: 'location', tid: 'JP', lat: 52.5, lon: 13.4, tst: TST },
      {
        'x-limit-u': 'jane',
        'x-limit-d': 'pixel',
      },
    );
    const friends = await response.json();
    expect(friends).toEqual([
      {
        _type: 'location',
        tid: 'AL',
        topic: 'owntracks/jane/alice-phone',
        lat: 48.1,
        lon: 11.5,
        tst: TST,
        vel: 36,
        batt: 50,
      },
    ]);
  });

  it('refuses a bad fix with 400 naming the field, a bad key with 401 and a challenge, a read-only key with 403', async () => {
    const key = await server.key();
    const cases: [unknown, string][] = [
      [{ _type: 'location', tid: 'JP', lat: 91, lon: 13, tst: TST }, 'lat: must be between -90 and 90'],
      [{ _type: 'location', tid: 'JP', lat: 52, tst: TST }, 'lon: is required'],
      [{ _type: 'location', tid: 'JP', lat: 52, lon: 13 }, 'tst: is required'],
      [{ _type: 'location', tid: 'JP', lat: '52,5', lon: 13, tst: TST }, 'lat: must be a number'],
      [{ _type: 'location', lat: 52, lon: 13, tst: TST }, 'device'],
      [{ lat: 52, lon: 13 }, '_type: is required'],
      ['{"_type":', 'body: is not JSON'],
      [[1, 2], 'body: must be one OwnTracks message'],
    ];
    for (const [message, reason] of cases) {
      const response = await fetch(`${base}/ingest/owntracks`, {
        method: 'POST',
        headers: { authorization: basic('', key.key), 'content-type': 'application/json' },
        body: typeof message === 'string' ? message : JSON.stringify(message),
      });
      expect(response.status, JSON.stringify(message)).toBe(400);
      expect((await response.json()).error).toContain(reason);
    }
    const wrong = await ownTracks(
      { ...key, key: 'gfm_wrong' },
      { _type: 'location', tid: 'JP', lat: 1, lon: 1, tst: TST },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic realm="gofindme"/);
    const reader = await server.key({ groupId: key.groupId, scopes: ['locations:read'] });
    const readOnly = await ownTracks(reader, { _type: 'location', tid: 'JP', lat: 1, lon: 1, tst: TST });
    expect(readOnly.status).toBe(403);
    const get = await fetch(`${base}/ingest/owntracks`, { headers: { authorization: basic('j', key.key) } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await stored(key)).toEqual([]);
  });
});

describe('the OsmAnd protocol (Traccar Client, OsmAnd, GPSLogger)', () => {
  it('stores a query-string report (legacy Traccar Client): speed in knots, accuracy 0 is unknown', async () => {
    const key = await server.key();
    const url = `${base}/ingest/osmand?key=${key.key}&id=123456789012345&timestamp=${TST}&lat=52.5163&lon=13.3777&speed=9.72&bearing=270.0&altitude=41.0&accuracy=0.0&batt=87.0&charge=true`;
    const response = await fetch(url, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    const [location] = await stored(key);
    expect(location).toMatchObject({
      deviceId: '123456789012345',
      latitude: 52.5163,
      longitude: 13.3777,
      accuracy: null,
      altitude: 41,
      heading: 270,
      battery: 87,
      recordedAt: AT,
    });
    expect(location!.speed).toBeCloseTo(9.72 * KNOT, 9);
  });

  it('stores a form POST (Traccar Client 10) with the key as a path segment', async () => {
    const key = await server.key();
    const response = await fetch(`${base}/ingest/osmand/${key.key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `id=pixel-8&lat=52.52&lon=13.405&timestamp=${TST}&accuracy=4.5&altitude=40&speed=1.94&bearing=90&batt=77&charge=false&battery_voltage=4100`,
    });
    expect(response.status).toBe(200);
    const [location] = await stored(key);
    expect(location).toMatchObject({
      deviceId: 'pixel-8',
      latitude: 52.52,
      longitude: 13.405,
      accuracy: 4.5,
      battery: 77,
    });
    expect(location!.speed).toBeCloseTo(1.94 * KNOT, 9);
  });

  it('stores GPSLogger’s and OsmAnd’s GET: ISO or millisecond times, location=lat,lon, speedunit', async () => {
    const key = await server.key();
    const time = encodeURIComponent(AT);
    const response = await fetch(
      `${base}/ingest/osmand?key=${key.key}&deviceid=gl-pixel&location=52.5163,13.3777&timestamp=${time}&speed=2.7&speedunit=mps&heading=360`,
    );
    expect(response.status).toBe(200);
    expect(await stored(key)).toEqual([
      expect.objectContaining({
        deviceId: 'gl-pixel',
        latitude: 52.5163,
        longitude: 13.3777,
        speed: 2.7,
        heading: 0,
        recordedAt: AT,
      }),
    ]);
    // OsmAnd's own online tracking: {2} is milliseconds, {3} accuracy in metres, {5} m/s.
    const osmand = await fetch(
      `${base}/ingest/osmand?key=${key.key}&id=osmand-app&lat=52.5&lon=13.4&timestamp=${TST * 1000}&accuracy=8.0&altitude=35.0&speed=1.5&bearing=12.0&speedunit=mps`,
    );
    expect(osmand.status).toBe(200);
    expect(await stored(key, 'osmand-app')).toEqual([
      expect.objectContaining({ accuracy: 8, altitude: 35, speed: 1.5, heading: 12, recordedAt: AT }),
    ]);
    const kmh = await fetch(
      `${base}/ingest/osmand?key=${key.key}&id=k&lat=1&lon=1&timestamp=${TST}&speed=36&speedunit=kmh`,
    );
    expect(kmh.status).toBe(200);
    expect((await stored(key, 'k'))[0]!.speed).toBe(10);
    const badUnit = await fetch(
      `${base}/ingest/osmand?key=${key.key}&id=k&lat=1&lon=1&speed=1&speedunit=furlongs`,
    );
    expect(badUnit.status).toBe(400);
    expect(await badUnit.text()).toContain('speedunit: must be one of kn, mps, kmh, mph');
  });

  it('stores Traccar Client 9 JSON, one location or an array; −1 is unknown and battery 0–1 is percent', async () => {
    const key = await server.key();
    const location = (seconds: number, extra: object = {}) => ({
      timestamp: new Date((TST + seconds) * 1000).toISOString(),
      coords: {
        latitude: 52.5163,
        longitude: 13.3777,
        accuracy: 12.5,
        speed: 5.0,
        heading: 270.0,
        altitude: 41.2,
      },
      is_moving: true,
      odometer: 1520,
      event: '',
      battery: { level: 0.64, is_charging: false },
      activity: { type: 'on_foot' },
      extras: {},
      _: '&id=other&lat=0&lon=0&timestamp=x&',
      ...extra,
    });
    const single = await fetch(`${base}/ingest/osmand?key=${key.key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ location: location(0), device_id: '4711' }),
    });
    expect(single.status).toBe(200);
    const batch = await fetch(`${base}/ingest/osmand?key=${key.key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({
        location: [
          location(1),
          location(2, {
            coords: { latitude: 52.6, longitude: 13.4, accuracy: -1, speed: -1, heading: -1, altitude: 40 },
            battery: { level: -1, is_charging: true },
          }),
        ],
        device_id: '4711',
      }),
    });
    expect(batch.status).toBe(200);
    const rows = await stored(key, '4711');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({
      latitude: 52.5163,
      accuracy: 12.5,
      speed: 5,
      heading: 270,
      altitude: 41.2,
      battery: 64,
      recordedAt: AT,
    });
    expect(rows[2]).toMatchObject({
      latitude: 52.6,
      accuracy: null,
      speed: null,
      heading: null,
      battery: null,
    });
  });

  it('refuses a bad report with 400 and a plain reason, a bad key with 401', async () => {
    const key = await server.key();
    const cases: [string, string][] = [
      [`id=a&lat=52,5&lon=13&timestamp=${TST}`, 'lat: must be a number with a dot'],
      [`id=a&lat=52.5&lon=13&timestamp=2026-11-29%2001:33:20`, 'timestamp: must be Unix seconds'],
      [`lat=52.5&lon=13&timestamp=${TST}`, 'id: is required'],
      [`id=a&lat=95&lon=13&timestamp=${TST}`, 'lat: must be between -90 and 90'],
      [`id=a&lon=13&timestamp=${TST}`, 'lat: is required'],
      [`id=a&location=52.5&timestamp=${TST}`, 'location: must be'],
      [`id=a&lat=52&lon=13&timestamp=${TST}&batt=150`, 'batt: must be between 0 and 100'],
    ];
    for (const [query, reason] of cases) {
      const response = await fetch(`${base}/ingest/osmand?key=${key.key}&${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-type')).toContain('text/plain');
      expect(await response.text()).toContain(reason);
    }
    const json = await fetch(`${base}/ingest/osmand?key=${key.key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ device_id: 'x', location: { coords: { latitude: 1, longitude: 2 } } }),
    });
    expect(json.status).toBe(400);
    expect(await json.text()).toContain('location.timestamp: is required');
    const wrong = await fetch(`${base}/ingest/osmand/gfm_not_a_real_key?id=a&lat=1&lon=1`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="gofindme"');
    expect((await fetch(`${base}/ingest/osmand?id=a&lat=1&lon=1`)).status).toBe(401);
    expect(await stored(key)).toEqual([]);
  });
});

describe('Overland', () => {
  const feature = (i: number, properties: Record<string, unknown> = {}) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [13.3777 + i / 10_000, 52.5163] },
    properties: {
      timestamp: new Date((TST + i) * 1000).toISOString().replace('.000', ''),
      altitude: 41,
      speed: 5,
      course: 270,
      horizontal_accuracy: 12,
      vertical_accuracy: 4,
      speed_accuracy: 0.5,
      course_accuracy: 9.2,
      motion: ['walking'],
      battery_state: 'unplugged',
      battery_level: 0.64,
      wifi: '',
      device_id: 'iphone-jane',
      ...properties,
    },
  });
  const post = (key: TestKey, body: unknown, auth: 'bearer' | 'query' = 'bearer') =>
    fetch(`${base}/ingest/overland${auth === 'query' ? `?key=${key.key}` : ''}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(auth === 'bearer' ? { authorization: `Bearer ${key.key}` } : {}),
      },
      body: JSON.stringify(body),
    });

  it('stores a batch of 100 points in GeoJSON order, answering {"result":"ok"}', async () => {
    const key = await server.key();
    const locations = Array.from({ length: 100 }, (_, i) => feature(i));
    const response = await post(key, {
      locations,
      current: locations[99],
      trip: { distance: 120, mode: 'walking' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: 'ok' });
    const rows = await stored(key);
    expect(rows).toHaveLength(100);
    expect(rows[0]).toEqual({
      deviceId: 'iphone-jane',
      latitude: 52.5163,
      longitude: 13.3777,
      accuracy: 12,
      altitude: 41,
      speed: 5,
      heading: 270,
      battery: 64,
      recordedAt: AT,
      clientId: `fix:${TST * 1000}:52.5163,13.3777`,
    });
  });

  it('takes the key from ?key=, treats −1 as unknown, skips non-point features and falls back to unique_id', async () => {
    const key = await server.key();
    const response = await post(
      key,
      {
        locations: [
          feature(0, {
            speed: -1,
            course: -1,
            horizontal_accuracy: -1,
            battery_level: -1,
            device_id: '',
            unique_id: 'A1B2',
          }),
          {
            type: 'Feature',
            geometry: { type: 'LineString', coordinates: [] },
            properties: { type: 'trip', mode: 'bicycle' },
          },
          feature(1, { device_id: 'undefined', unique_id: 'A1B2', speed: 3.7, battery_state: true }),
        ],
      },
      'query',
    );
    expect(response.status).toBe(200);
    const rows = await stored(key);
    expect(rows.map((r) => [r.deviceId, r.speed, r.heading, r.accuracy, r.battery])).toEqual([
      ['A1B2', null, null, null, null],
      ['A1B2', 3.7, 270, 12, 64],
    ]);
  });

  it('refuses a batch with one bad point whole, naming it, and stores none of it', async () => {
    const key = await server.key();
    const bad = await post(key, {
      locations: [feature(0), feature(1, { timestamp: '2026-11-30 00:53:21' }), feature(2)],
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain('locations[1].properties.timestamp');
    const outOfRange = await post(key, {
      locations: [feature(0), { ...feature(1), geometry: { type: 'Point', coordinates: [13, 95] } }],
    });
    expect(outOfRange.status).toBe(400);
    expect((await outOfRange.json()).error).toContain(
      'locations[1].geometry.coordinates[1]: must be between -90 and 90',
    );
    const noDevice = await post(key, { locations: [feature(0, { device_id: '' })] });
    expect(noDevice.status).toBe(400);
    expect((await noDevice.json()).error).toContain('device_id');
    expect((await post(key, { points: [] })).status).toBe(400);
    expect(await stored(key)).toEqual([]);
    const wrong = await post({ ...key, key: 'gfm_bad' }, { locations: [feature(0)] });
    expect(wrong.status).toBe(401);
  });
});

describe('every protocol', () => {
  it('stores a retried request once, and subscribers and webhooks see each fix once', async () => {
    const key = await server.key();
    const hook = await startReceiver();
    receivers.push(hook);
    await createWebhook(key, hook.url);
    const sub = subscribe('ws', server.url, key.key, IngestUpdates);
    await expect.poll(() => server.runtime.services.live.activeStreams).toBeGreaterThan(0);
    try {
      const owntracks = { _type: 'location', tid: 'OT', lat: 1.5, lon: 2.5, tst: TST, batt: 50 };
      const osmand = `${base}/ingest/osmand?key=${key.key}&id=osm&lat=1&lon=2&timestamp=${TST}`;
      const overland = {
        locations: [0, 1, 2].map((i) => ({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [2 + i, 1] },
          properties: { timestamp: AT, device_id: 'ovl' },
        })),
      };
      for (let attempt = 0; attempt < 3; attempt++) {
        expect((await ownTracks(key, owntracks, { 'x-limit-d': 'ot' })).status).toBe(200);
        expect((await fetch(osmand)).status).toBe(200);
        const response = await fetch(`${base}/ingest/overland`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
          body: JSON.stringify(overland),
        });
        expect(await response.json()).toEqual({ result: 'ok' });
      }
      expect(await stored(key)).toHaveLength(5);
      const results = await sub.waitFor(5);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(sub.results).toHaveLength(5);
      expect(results.map((r) => r.data!.locationUpdates.deviceId).sort()).toEqual([
        'jane/ot',
        'osm',
        'ovl',
        'ovl',
        'ovl',
      ]);
      await hook.waitFor(5);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(hook.requests).toHaveLength(5);
      // The same time and position with another battery level: the stored fix stands, no 409.
      const changed = await ownTracks(key, { ...owntracks, batt: 49 }, { 'x-limit-d': 'ot' });
      expect(changed.status).toBe(200);
      expect(await stored(key)).toHaveLength(5);
      const metrics = (await server.runtime.metrics.render()).body;
      for (const source of ['owntracks', 'osmand', 'overland']) {
        expect(metrics).toMatch(new RegExp(`gofindme_ingest_locations_total\\{source="${source}"\\} [1-9]`));
      }
    } finally {
      await sub.close();
    }
  });

  it('spends the key’s reports budget: 429 with Retry-After', async () => {
    const limited = await startTestServer({
      database: server.database,
      rateLimits: { reports: 2, reads: 0, manage: 0 },
    });
    try {
      const key = await limited.key();
      const url = (i: number) =>
        `${limited.url.replace(/\/graphql$/, '')}/ingest/osmand?key=${key.key}&id=d&lat=1&lon=${i}&timestamp=${TST}`;
      expect((await fetch(url(1))).status).toBe(200);
      expect((await fetch(url(2))).status).toBe(200);
      const refused = await fetch(url(3));
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.stop();
    }
  });

  it('answers unknown ingest paths with 404', async () => {
    for (const path of ['/ingest/', '/ingest/mqtt', '/ingest/overland/extra', '/ingest/owntracks/key']) {
      expect((await fetch(`${base}${path}`, { method: 'POST' })).status, path).toBe(404);
    }
  });
});
