// The geofence rules and geometry as pure functions (no server): hysteresis, late and
// inaccurate fixes, dwell, shapes (holes, high latitudes, the antimeridian) and the
// validation of what clients send.
import { describe, expect, it } from 'vitest';
import type { InputIssue } from '../src/errors.ts';
import { checkShape, haversine, type Shape } from '../src/geofences/geometry.ts';
import type { Geofence } from '../src/geofences/model.ts';
import { classify, type DeviceState, evaluate, type GeofenceRules } from '../src/geofences/rules.ts';
import { GeofenceSet } from '../src/geofences/set.ts';
import type { Location } from '../src/locations/record.ts';

const RULES: GeofenceRules = { exitMarginMeters: 15, maxAccuracyMeters: 100 };
// Metres per degree of latitude on the mean sphere.
const M = 111_195;

function geofence(id: string, shape: Shape, extra: Partial<Geofence> = {}): Geofence {
  return {
    id,
    groupId: 'g',
    name: id,
    description: null,
    shape,
    deviceIds: [],
    dwellSeconds: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...extra,
  };
}

const circle = (latitude: number, longitude: number, radiusMeters: number): Shape => ({
  kind: 'circle',
  circle: { latitude, longitude, radiusMeters },
});

let sequence = 0n;
const T0 = Date.parse('2026-11-30T10:00:00Z');
/** A fix `north` metres north of (52, 13) at T0 + `seconds`. */
function fixAt(north: number, seconds: number, extra: Partial<Location> = {}): Location {
  sequence += 1n;
  return {
    groupId: 'g',
    sequence,
    deviceId: 'van',
    clientId: null,
    latitude: 52 + north / M,
    longitude: 13,
    accuracy: 5,
    altitude: null,
    speed: null,
    heading: null,
    battery: null,
    recordedAt: new Date(T0 + seconds * 1000),
    receivedAt: new Date(),
    ...extra,
  } as Location;
}

/** Runs fixes one report at a time, carrying the device's state, and returns every event. */
function run(set: GeofenceSet, reports: Location[][], start = new Map<string, DeviceState>()) {
  let states = start;
  const events: { type: string; geofence: string; at: number }[] = [];
  for (const fixes of reports) {
    const outcome = evaluate(set, fixes, states, RULES);
    for (const e of outcome.events) {
      events.push({ type: e.type, geofence: e.geofenceId, at: (e.occurredAt.getTime() - T0) / 1000 });
    }
    states = new Map([...states, ...outcome.devices]);
  }
  return { events, states };
}

describe('enter, exit and dwell', () => {
  const depot = new GeofenceSet([geofence('depot', circle(52, 13, 100), { dwellSeconds: 300 })]);

  it('follows a path in and out: the first fix outside says nothing, ENTER, DWELL once, EXIT', () => {
    const path = [500, 300, 50, 0, -20, 10, 40, -60, 200, 600].map((north, i) => [fixAt(north, i * 60)]);
    expect(run(depot, path).events).toEqual([
      { type: 'ENTER', geofence: 'depot', at: 120 },
      { type: 'DWELL', geofence: 'depot', at: 420 },
      { type: 'EXIT', geofence: 'depot', at: 480 },
    ]);
  });

  it('a first fix inside is an ENTER', () => {
    expect(run(depot, [[fixAt(0, 0)]]).events).toEqual([{ type: 'ENTER', geofence: 'depot', at: 0 }]);
  });

  it('DWELL comes with the first fix after it is due, not before', () => {
    const { events } = run(depot, [[fixAt(0, 0)], [fixAt(0, 299)], [fixAt(0, 900)], [fixAt(0, 2000)]]);
    expect(events).toEqual([
      { type: 'ENTER', geofence: 'depot', at: 0 },
      { type: 'DWELL', geofence: 'depot', at: 900 },
    ]);
  });

  it('a batch is evaluated in recordedAt order, whatever order it arrives in', () => {
    const batch = [fixAt(600, 120), fixAt(0, 60), fixAt(600, 0)];
    expect(run(depot, [batch]).events).toEqual([
      { type: 'ENTER', geofence: 'depot', at: 60 },
      { type: 'EXIT', geofence: 'depot', at: 120 },
    ]);
  });

  it('in one fix, EXITs come before ENTERs', () => {
    const two = new GeofenceSet([
      geofence('a', circle(52, 13, 100)),
      geofence('b', circle(52 + 400 / M, 13, 100)),
    ]);
    expect(run(two, [[fixAt(0, 0)], [fixAt(400, 60)]]).events).toEqual([
      { type: 'ENTER', geofence: 'a', at: 0 },
      { type: 'EXIT', geofence: 'a', at: 60 },
      { type: 'ENTER', geofence: 'b', at: 60 },
    ]);
  });

  it('applies only to the devices it names', () => {
    const only = new GeofenceSet([geofence('depot', circle(52, 13, 100), { deviceIds: ['truck'] })]);
    expect(run(only, [[fixAt(0, 0)]]).events).toEqual([]);
    expect(run(only, [[fixAt(0, 0, { deviceId: 'truck' })]]).events).toHaveLength(1);
  });
});

describe('late and inaccurate fixes', () => {
  const depot = new GeofenceSet([geofence('depot', circle(52, 13, 100))]);

  it('a fix older than the newest one evaluated changes nothing', () => {
    const { events, states } = run(depot, [[fixAt(0, 100)], [fixAt(600, 50)], [fixAt(600, 99)]]);
    expect(events).toEqual([{ type: 'ENTER', geofence: 'depot', at: 100 }]);
    expect(states.get('van')!.inside.has('depot')).toBe(true);
    expect(states.get('van')!.clock!.getTime()).toBe(T0 + 100_000);
  });

  it('a fix less accurate than GEOFENCE_MAX_ACCURACY never changes state', () => {
    const { events } = run(depot, [[fixAt(0, 0)], [fixAt(5000, 60, { accuracy: 150 })], [fixAt(0, 120)]]);
    expect(events).toEqual([{ type: 'ENTER', geofence: 'depot', at: 0 }]);
    expect(run(depot, [[fixAt(0, 0, { accuracy: 101 })]]).events).toEqual([]);
  });

  it('a device parked at the boundary does not flap', () => {
    // Fixes jitter between 80 m and 124 m from the centre of a 100 m circle, 10 m accuracy.
    const jitter = [0, 80, 124, 95, 110, 120, 85, 123, 100, 90].map((d, i) => [
      fixAt(d, i * 30, { accuracy: 10 }),
    ]);
    expect(run(depot, jitter).events).toEqual([{ type: 'ENTER', geofence: 'depot', at: 0 }]);
    // Clearly out: 100 m + 10 m accuracy + 15 m margin.
    expect(run(depot, [...jitter, [fixAt(126, 400, { accuracy: 10 })]]).events.map((e) => e.type)).toEqual([
      'ENTER',
      'EXIT',
    ]);
  });

  it('counts as inside only when inside by at least the accuracy (capped at half the size)', () => {
    const g = depot.get('depot')!;
    expect(classify(g, fixAt(95, 0, { accuracy: 10 }), RULES)).toBe('uncertain');
    expect(classify(g, fixAt(89, 0, { accuracy: 10 }), RULES)).toBe('inside');
    // A 400 m accuracy is beyond the threshold; 90 m is capped at 50 m (half the radius).
    expect(classify(g, fixAt(0, 0, { accuracy: 400 }), RULES)).toBe('uncertain');
    expect(classify(g, fixAt(40, 0, { accuracy: 90 }), RULES)).toBe('inside');
    expect(classify(g, fixAt(204, 0, { accuracy: 90 }), RULES)).toBe('uncertain');
    expect(classify(g, fixAt(206, 0, { accuracy: 90 }), RULES)).toBe('outside');
  });
});

describe('shapes', () => {
  it('a polygon with a hole: inside the hole is outside', () => {
    const ring = (half: number) => {
      const d = half / M;
      return [
        [13 - d, 52 - d],
        [13 + d, 52 - d],
        [13 + d, 52 + d],
        [13 - d, 52 + d],
        [13 - d, 52 - d],
      ];
    };
    const issues: InputIssue[] = [];
    const shape = checkShape(
      { polygon: { type: 'Polygon', coordinates: [ring(1000), ring(300).reverse()] } },
      ['input'],
      issues,
    );
    expect(issues).toEqual([]);
    const set = new GeofenceSet([geofence('yard', shape!)]);
    const g = set.get('yard')!;
    expect(classify(g, fixAt(0, 0), RULES)).toBe('outside');
    expect(classify(g, fixAt(600, 0), RULES)).toBe('inside');
    expect(classify(g, fixAt(2000, 0), RULES)).toBe('outside');
    expect(run(set, [[fixAt(0, 0)], [fixAt(600, 60)], [fixAt(0, 120)]]).events.map((e) => e.type)).toEqual([
      'ENTER',
      'EXIT',
    ]);
  });

  it('a circle at a high latitude is measured in metres, not degrees', () => {
    // At 78° N (Svalbard) a degree of longitude is ~23 km; 150 m east is outside a 100 m circle.
    const set = new GeofenceSet([geofence('lyr', circle(78.22, 15.65, 100))]);
    const g = set.get('lyr')!;
    const east = (metres: number) => 15.65 + metres / (M * Math.cos((78.22 * Math.PI) / 180));
    const at = (metres: number) => fixAt(0, 0, { latitude: 78.22, longitude: east(metres), accuracy: 0 });
    expect(haversine(78.22, 15.65, 78.22, east(150))).toBeCloseTo(150, 0);
    expect(classify(g, at(80), RULES)).toBe('inside');
    expect(classify(g, at(150), RULES)).toBe('outside');
    expect(set.near(78.22, east(80), 0).map((x) => x.id)).toEqual(['lyr']);
  });

  it('a circle across the antimeridian works; a polygon across it is refused with a clear error', () => {
    const set = new GeofenceSet([geofence('fiji', circle(-17, 179.999, 1000))]);
    const west = fixAt(0, 0, { latitude: -17, longitude: -179.998, accuracy: 0 }); // ~320 m away
    expect(run(set, [[west]]).events).toEqual([{ type: 'ENTER', geofence: 'fiji', at: 0 }]);
    const issues: InputIssue[] = [];
    const crossing = {
      type: 'Polygon',
      coordinates: [
        [
          [179.5, -17],
          [-179.5, -17],
          [-179.5, -16],
          [179.5, -16],
          [179.5, -17],
        ],
      ],
    };
    expect(checkShape({ polygon: crossing }, ['input'], issues)).toBeUndefined();
    expect(issues).toEqual([
      {
        path: ['input', 'polygon', 'coordinates', 0],
        message: expect.stringMatching(/antimeridian.*split it/),
      },
    ]);
  });
});

describe('validation names the offending field', () => {
  const check = (input: Parameters<typeof checkShape>[0]) => {
    const issues: InputIssue[] = [];
    checkShape(input, ['input'], issues);
    return issues.map((i) => [i.path.join('.'), i.message]);
  };
  const square = [
    [13, 52],
    [13.01, 52],
    [13.01, 52.01],
    [13, 52.01],
    [13, 52],
  ];

  it.each([
    [
      'both shapes',
      {
        circle: { latitude: 0, longitude: 0, radiusMeters: 10 },
        polygon: { type: 'Polygon', coordinates: [square] },
      },
      'input.circle',
      /exactly one/,
    ],
    ['no shape', {}, 'input.circle', /exactly one/],
    [
      'radius too small',
      { circle: { latitude: 0, longitude: 0, radiusMeters: 0.5 } },
      'input.circle.radiusMeters',
      /between 1 and 100000/,
    ],
    [
      'radius too large',
      { circle: { latitude: 0, longitude: 0, radiusMeters: 100_001 } },
      'input.circle.radiusMeters',
      /metres/,
    ],
    [
      'latitude out of range',
      { circle: { latitude: 91, longitude: 0, radiusMeters: 10 } },
      'input.circle.latitude',
      /-90 and 90/,
    ],
    [
      'NaN',
      { circle: { latitude: Number.NaN, longitude: 0, radiusMeters: 10 } },
      'input.circle.latitude',
      /-90 and 90/,
    ],
    [
      'not a Polygon',
      { polygon: { type: 'Point', coordinates: [13, 52] } },
      'input.polygon.type',
      /GeoJSON Polygon/,
    ],
    [
      'unclosed ring',
      { polygon: { type: 'Polygon', coordinates: [square.slice(0, 4).concat([[13, 52.02]])] } },
      'input.polygon.coordinates.0',
      /not closed/,
    ],
    [
      'too few positions',
      {
        polygon: {
          type: 'Polygon',
          coordinates: [
            [
              [13, 52],
              [13.01, 52],
              [13, 52],
            ],
          ],
        },
      },
      'input.polygon.coordinates.0',
      /at least 4/,
    ],
    [
      'position out of range',
      {
        polygon: {
          type: 'Polygon',
          coordinates: [
            [
              [13, 52],
              [200, 52],
              [13.01, 52.01],
              [13, 52],
            ],
          ],
        },
      },
      'input.polygon.coordinates.0.1',
      /longitude between/,
    ],
    [
      'position not numbers',
      {
        polygon: {
          type: 'Polygon',
          coordinates: [
            [
              [13, 52],
              ['13', 'x'],
              [13.01, 52.01],
              [13, 52],
            ],
          ],
        },
      },
      'input.polygon.coordinates.0.1',
      /longitude between/,
    ],
    [
      'self-intersection',
      {
        polygon: {
          type: 'Polygon',
          coordinates: [
            [
              [13, 52],
              [13.01, 52.01],
              [13.01, 52],
              [13, 52.01],
              [13, 52],
            ],
          ],
        },
      },
      'input.polygon.coordinates',
      /crosses itself/,
    ],
  ])('%s', (_name, input, path, message) => {
    const issues = check(input as never);
    expect(issues).toHaveLength(1);
    expect(issues[0]![0]).toBe(path);
    expect(issues[0]![1]).toMatch(message);
  });

  it('more than 1,000 vertices', () => {
    const ring = Array.from({ length: 1001 }, (_, i) => {
      const a = (i / 1001) * 2 * Math.PI;
      return [13 + Math.cos(a) / 100, 52 + Math.sin(a) / 100];
    });
    expect(check({ polygon: { type: 'Polygon', coordinates: [[...ring, ring[0]!]] } })).toEqual([
      ['input.polygon.coordinates', 'has 1001 vertices; at most 1000 are allowed'],
    ]);
  });
});
