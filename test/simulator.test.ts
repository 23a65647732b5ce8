// npm run simulate as a child process against a real server: every device reports,
// moves plausibly, and a SIGTERM stops it cleanly with everything sent; bad keys, an
// unreachable server and bad options end it at once with a clear message.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { exitOf, sigtermAt, startSimulatorProcess } from './helpers/processes.ts';
import { startTestServer, type TestKey, type TestServer } from './helpers/server.ts';

const Tracks = graphql(`
  query SimulatedTracks($deviceId: String!) {
    locations(deviceId: $deviceId, first: 200) {
      edges {
        node {
          clientId
          latitude
          longitude
          accuracy
          speed
          heading
          battery
          altitude
        }
      }
    }
  }
`);

const Devices = graphql(`
  query SimulatedDevices {
    devices(first: 100) {
      edges {
        node {
          deviceId
        }
      }
    }
  }
`);

const SimulatedEvents = graphql(`
  query SimulatedEvents {
    geofenceEvents(first: 10) {
      edges {
        node {
          type
          geofenceName
        }
      }
    }
  }
`);

const SimulatedAreas = graphql(`
  query SimulatedAreas {
    geofences(first: 100) {
      edges {
        node {
          name
          circle {
            radiusMeters
          }
          polygon
        }
      }
    }
  }
`);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

/** Metres between two points (equirectangular: fine at these distances). */
function metres(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }) {
  const north = (a.latitude - b.latitude) * 111_320;
  const east = (a.longitude - b.longitude) * 111_320 * Math.cos((a.latitude * Math.PI) / 180);
  return Math.hypot(north, east);
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as net.AddressInfo;
  await new Promise((resolve) => listener.close(resolve));
  return port;
}

async function tracks(key: TestKey) {
  const devices = await key.request(Devices, {});
  const ids = devices.data!.devices.edges.map((edge) => edge.node.deviceId);
  return Promise.all(
    ids.map(async (deviceId) => {
      const history = await key.request(Tracks, { deviceId });
      expect(history.errors).toBeUndefined();
      return { deviceId, fixes: history.data!.locations.edges.map((edge) => edge.node) };
    }),
  );
}

describe('npm run simulate', () => {
  it('moves every device plausibly, reports through the client, and stops cleanly on SIGTERM', async () => {
    const key = await server.key({ scopes: ['locations:write', 'locations:read'] });
    const center = { latitude: 48.137, longitude: 11.575 };
    const simulator = startSimulatorProcess([
      ...['--key', key.key, '--url', server.url, '--devices', '5', '--interval', '200ms'],
      ...['--center', `${center.latitude},${center.longitude}`, '--prefix', 'car', '--progress', '1s'],
    ]);
    await expect
      .poll(() => simulator.output().match(/^\[\d+s\] made/gm)?.length ?? 0, {
        timeout: 20_000,
        interval: 200,
      })
      .toBeGreaterThanOrEqual(2);
    expect(await simulator.stop()).toBe(0);
    const output = simulator.output();
    expect(output).toContain('Simulating 5 devices around 48.137,11.575');
    expect(output).toContain('Stopped.');
    // The last progress line, printed once the pending fixes were sent.
    const last = [...output.matchAll(/made (\d+) fixes, stored (\d+), pending (\d+), errors (\d+)/g)].at(-1);
    expect(last, output).toBeDefined();
    const [sent, stored, pending, errors] = last!.slice(1).map(Number);
    expect({ stored, pending, errors }, output).toEqual({ stored: sent, pending: 0, errors: 0 });

    const all = await tracks(key);
    expect(all.map((track) => track.deviceId)).toEqual(['car-01', 'car-02', 'car-03', 'car-04', 'car-05']);
    expect(all.reduce((total, track) => total + track.fixes.length, 0)).toBe(sent);
    for (const { fixes } of all) {
      expect(fixes.length).toBeGreaterThanOrEqual(5);
      expect(new Set(fixes.map((fix) => fix.clientId)).size).toBe(fixes.length);
      for (const [i, fix] of fixes.entries()) {
        expect(metres(fix, center)).toBeLessThan(3000);
        expect(fix.accuracy).toBeGreaterThanOrEqual(3);
        expect(fix.accuracy).toBeLessThanOrEqual(15);
        expect(fix.speed).toBeLessThanOrEqual(18);
        expect(fix.heading).toBeGreaterThanOrEqual(0);
        expect(fix.heading).toBeLessThan(360);
        expect(fix.altitude).toEqual(expect.any(Number));
        const previous = fixes[i - 1];
        if (previous) {
          // 200 ms apart: at most ~4 m of travel plus GPS noise of a few metres.
          expect(metres(fix, previous)).toBeLessThan(60);
          expect(fix.battery!).toBeLessThanOrEqual(previous.battery!);
        }
      }
    }
  });

  it.each(['owntracks', 'osmand', 'overland'])(
    'reports as %s does, through its ingest endpoint, with everything stored once',
    async (protocol) => {
      const key = await server.key({ scopes: ['locations:write', 'locations:read'] });
      const simulator = startSimulatorProcess([
        ...['--key', key.key, '--url', server.url, '--devices', '3', '--interval', '300ms'],
        ...['--prefix', 'app', '--progress', '1s', '--protocol', protocol],
      ]);
      await expect
        .poll(() => simulator.output().match(/^\[\d+s\] made/gm)?.length ?? 0, {
          timeout: 20_000,
          interval: 200,
        })
        .toBeGreaterThanOrEqual(2);
      expect(await simulator.stop()).toBe(0);
      const output = simulator.output();
      expect(output).toContain(`as ${protocol} does, to `);
      const last = [...output.matchAll(/made (\d+) fixes, stored (\d+), pending (\d+), errors (\d+)/g)].at(
        -1,
      );
      const [sent, stored, pending, errors] = last!.slice(1).map(Number);
      expect({ stored, pending, errors }, output).toEqual({ stored: sent, pending: 0, errors: 0 });
      const all = await tracks(key);
      expect(all.map((track) => track.deviceId)).toEqual(['app-01', 'app-02', 'app-03']);
      expect(all.reduce((total, track) => total + track.fixes.length, 0)).toBe(sent);
      for (const { fixes } of all) {
        for (const fix of fixes) {
          expect(fix.clientId).toMatch(/^fix:/);
          expect(fix.battery).toBeGreaterThan(0);
          expect(fix.speed).toBeLessThanOrEqual(18);
        }
      }
    },
  );

  it('--geofences creates areas around the center once, and devices enter them', async () => {
    const key = await server.key();
    const args = [
      '--key',
      key.key,
      '--url',
      server.url,
      '--devices',
      '40',
      '--interval',
      '200ms',
      '--geofences',
      '4',
    ];
    const first = startSimulatorProcess([...args, '--progress', '1s']);
    // 40 devices start within 2 km of the center; the four areas cover a fifth of that disc.
    await expect
      .poll(async () => (await key.request(SimulatedEvents, {})).data?.geofenceEvents.edges.length ?? 0, {
        timeout: 20_000,
        interval: 250,
      })
      .toBeGreaterThan(0);
    expect(await first.stop()).toBe(0);
    expect(first.output()).toContain(
      'Geofences: 4 simulated areas around the center (4 created, 0 already there).',
    );
    const areas = (await key.request(SimulatedAreas, {})).data!.geofences.edges.map((e) => e.node);
    expect(areas.map((a) => a.name)).toEqual([1, 2, 3, 4].map((i) => `Simulated area ${i}`));
    expect(areas.map((a) => (a.circle ? 'circle' : a.polygon ? 'polygon' : '?'))).toEqual([
      'circle',
      'polygon',
      'circle',
      'polygon',
    ]);
    const [event] = (await key.request(SimulatedEvents, {})).data!.geofenceEvents.edges.map((e) => e.node);
    expect(event).toMatchObject({
      type: 'ENTER',
      geofenceName: expect.stringMatching(/^Simulated area [1-4]$/),
    });

    const again = startSimulatorProcess(args);
    await expect
      .poll(() => again.output(), { timeout: 20_000, interval: 200 })
      .toContain('Simulating 40 devices');
    expect(await again.stop()).toBe(0);
    expect(again.output()).toContain('(0 created, 4 already there)');
    expect((await key.request(SimulatedAreas, {})).data!.geofences.edges).toHaveLength(4);

    const writer = await server.key({ scopes: ['locations:write'] });
    const refused = startSimulatorProcess(['--key', writer.key, '--url', server.url, '--geofences', '2']);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain('lacks the geofences:manage scope that --geofences needs');
  });

  it.each([
    ['it names its geofences', '^Geofences: '],
    ['it starts moving the devices', '^Simulating '],
  ])('stops cleanly on a SIGTERM sent the moment %s', async (_, line) => {
    const key = await server.key();
    const { code, output } = await exitOf(
      ['simulate', '--url', server.url, '--devices', '3', '--interval', '200ms', '--geofences', '1'],
      { GOFINDME_KEY: key.key, ...sigtermAt(line) },
    );
    expect(output).toMatch(new RegExp(line, 'm'));
    expect(output).toContain('Stopped.');
    expect(code, output).toBe(0);
  });

  it('takes the key from GOFINDME_KEY, and a second run goes on from where each device was', async () => {
    const key = await server.key({ scopes: ['locations:write', 'locations:read'] });
    const run = async () => {
      const simulator = startSimulatorProcess(
        ['--url', server.url, '--devices', '3', '--interval', '200ms', '--prefix', 'bus', '--progress', '1s'],
        { GOFINDME_KEY: key.key },
      );
      await expect
        .poll(() => simulator.output().match(/^\[\d+s\] made/gm)?.length ?? 0, {
          timeout: 20_000,
          interval: 200,
        })
        .toBeGreaterThanOrEqual(1);
      expect(await simulator.stop()).toBe(0);
      return simulator.output();
    };
    expect(await run()).not.toContain('go on from where they last reported');
    const before = await tracks(key);
    expect(await run()).toContain('3 devices go on from where they last reported.');
    const after = await tracks(key);
    for (const { deviceId, fixes } of after) {
      const old = before.find((track) => track.deviceId === deviceId)!.fixes.length;
      // The first fix of the second run is next to the last fix of the first: no jump.
      expect(metres(fixes[old]!, fixes[old - 1]!), deviceId).toBeLessThan(60);
    }
  });

  it('refuses an unknown protocol with the usage', async () => {
    const simulator = startSimulatorProcess(['--key', 'gfm_x', '--protocol', 'mqtt']);
    expect(await simulator.exited).toBe(2);
    expect(simulator.output()).toContain('--protocol must be one of graphql, owntracks, osmand, overland');
  });

  it('exits 1 on a refused key, before moving anything', async () => {
    const simulator = startSimulatorProcess([
      ...['--key', 'gfm_000000000000000000000000000000000000', '--url', server.url],
    ]);
    expect(await simulator.exited).toBe(1);
    expect(simulator.output()).toMatch(/^The server refused the key \(UNAUTHENTICATED\)/m);
    expect(simulator.output()).not.toContain('Simulating');
  });

  it('exits 1 on a key without locations:write', async () => {
    const reader = await server.key({ scopes: ['locations:read'] });
    const simulator = startSimulatorProcess(['--key', reader.key, '--url', server.url]);
    expect(await simulator.exited).toBe(1);
    expect(simulator.output()).toContain('lacks the locations:write scope');
  });

  it('exits 1 when the server cannot be reached', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/graphql`;
    const simulator = startSimulatorProcess(['--key', 'gfm_x', '--url', url]);
    expect(await simulator.exited).toBe(1);
    expect(simulator.output()).toContain(`Cannot reach the server at ${url}: `);
    expect(simulator.output()).toContain('ECONNREFUSED');
  });

  it('exits 2 with the usage on bad options', async () => {
    for (const args of [
      ['--url', 'http://127.0.0.1:1/graphql'],
      ['--key', 'k', '--devices', 'many'],
      ['--key', 'k', '--url', 'localhost:4000'],
      ['--key', 'k', '--geofences', '51'],
    ]) {
      const simulator = startSimulatorProcess(args);
      expect(await simulator.exited).toBe(2);
      expect(simulator.output()).toContain('Usage: GOFINDME_KEY=<key> npm run simulate -- [options]');
    }
  });
});
