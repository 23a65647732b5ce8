// How simulated devices move: each walks, cycles or drives at its own pace, its heading
// drifts (turning back when it strays too far from the center), its battery drains, and
// each fix it reports is off by about its accuracy, as GPS fixes are.

/** A fix as a simulated device reports it, in GoFindMe's units (metres, m/s, degrees, percent). */
export interface SimulatedFix {
  deviceId: string;
  latitude: number;
  longitude: number;
  accuracy: number;
  altitude: number;
  speed: number;
  heading: number;
  battery: number;
}

export interface Center {
  latitude: number;
  longitude: number;
}

export interface SimulatedDevice {
  deviceId: string;
  /** Where it really is (fixes add noise). */
  latitude: number;
  longitude: number;
  /** Cruising speed, metres per second. */
  pace: number;
  /** Degrees clockwise from north. */
  heading: number;
  battery: number;
  altitude: number;
}

const METRES_PER_DEGREE = 111_320;
/** Devices start within this distance of the center… */
const START_RADIUS_M = 2000;
/** …and turn back when they get further than this. */
const WANDER_RADIUS_M = 5000;
/** Metres per second: walking, cycling, driving in town. */
const PACES = [
  [1, 2],
  [4, 7],
  [8, 15],
] as const;
const BATTERY_DRAIN_PER_SECOND = 0.002; // about 7% an hour

export function createDevice(deviceId: string, center: Center): SimulatedDevice {
  const [slowest, fastest] = PACES[Math.floor(Math.random() * PACES.length)]!;
  const distance = START_RADIUS_M * Math.sqrt(Math.random());
  const bearing = Math.random() * 360;
  return {
    deviceId,
    ...offset(center, distance * cos(bearing), distance * sin(bearing)),
    pace: slowest + Math.random() * (fastest - slowest),
    heading: Math.random() * 360,
    battery: 40 + Math.random() * 60,
    altitude: 30 + Math.random() * 30,
  };
}

/** Moves the device on by `seconds` and returns the fix it takes there. */
export function advance(device: SimulatedDevice, center: Center, seconds: number): SimulatedFix {
  device.heading = normalise(device.heading + gaussian() * 10 * Math.sqrt(seconds));
  const north = (device.latitude - center.latitude) * METRES_PER_DEGREE;
  const east = (device.longitude - center.longitude) * METRES_PER_DEGREE * cos(center.latitude);
  if (Math.hypot(north, east) > WANDER_RADIUS_M) {
    const homeward = (Math.atan2(-east, -north) * 180) / Math.PI;
    const turn = normalise(homeward - device.heading + 180) - 180;
    device.heading = normalise(device.heading + Math.max(-30, Math.min(30, turn)));
  }
  const speed = device.pace * (0.8 + 0.4 * Math.random());
  Object.assign(
    device,
    offset(device, speed * seconds * cos(device.heading), speed * seconds * sin(device.heading)),
  );
  device.battery = Math.max(0, device.battery - BATTERY_DRAIN_PER_SECOND * seconds);
  device.altitude += gaussian() * 0.3;

  const accuracy = 3 + Math.random() * 12;
  const reported = offset(device, (gaussian() * accuracy) / 2, (gaussian() * accuracy) / 2);
  return {
    deviceId: device.deviceId,
    latitude: round(reported.latitude, 7),
    longitude: round(reported.longitude, 7),
    accuracy: round(accuracy, 1),
    altitude: round(device.altitude, 1),
    speed: round(speed, 2),
    heading: round(device.heading, 1) % 360,
    battery: round(device.battery, 1),
  };
}

/** Metres between two points (flat-earth: fine for a few kilometres). */
export function metresBetween(a: Center, b: Center): number {
  const north = (a.latitude - b.latitude) * METRES_PER_DEGREE;
  const east = (a.longitude - b.longitude) * METRES_PER_DEGREE * cos(b.latitude);
  return Math.hypot(north, east);
}

/** The point `north` and `east` metres away (flat-earth: fine for a few kilometres). */
export function offset(from: Center, north: number, east: number): Center {
  return {
    latitude: from.latitude + north / METRES_PER_DEGREE,
    longitude: from.longitude + east / (METRES_PER_DEGREE * cos(from.latitude)),
  };
}

export const cos = (degrees: number) => Math.cos((degrees * Math.PI) / 180);
export const sin = (degrees: number) => Math.sin((degrees * Math.PI) / 180);
const normalise = (degrees: number) => ((degrees % 360) + 360) % 360;
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A standard normal sample (Box–Muller). */
function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}
