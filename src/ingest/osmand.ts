// The OsmAnd protocol as Traccar reads it (https://www.traccar.org/osmand/): what Traccar
// Client (all versions), OsmAnd's online tracking and GPSLogger's custom URL send.
//
// - A query string (GET, or POST with nothing in the body), or the same fields as a form
//   body (`application/x-www-form-urlencoded`, Traccar Client 10 and later): `id` (or
//   `deviceid`), `lat` and `lon` (or `location=lat,lon`), `timestamp` (Unix seconds or
//   milliseconds, or ISO 8601 with a zone; none: the time it arrives), `speed` in knots,
//   `bearing` (or `heading`) degrees, `altitude` and `accuracy` metres, `batt` percent.
//   Traccar Client sends `accuracy=0` for GPS fixes: 0 is unknown. `battery` is volts in
//   Traccar and is not read. Apps that send another speed unit (GPSLogger's %SPD and
//   OsmAnd's {5} are m/s) add `speedunit=mps` (or `kmh`, `mph`; Traccar sets this per server
//   with `osmand.speed`, GoFindMe per request).
// - The JSON body of Traccar Client 9 (`application/json`): `{ "device_id", "location": {…} }`,
//   `location` one object or an array, with `timestamp` (ISO 8601), `coords.latitude`,
//   `.longitude`, `.speed` (m/s), `.heading`, `.accuracy`, `.altitude` and
//   `battery.level` (0–1); −1 means unknown. `location._` is ignored.
import type { LocationInput } from '../locations/validation.ts';
import { type AppReport, derivedClientId } from './fix.ts';
import {
  FieldError,
  fractionToPercent,
  headingOrNull,
  kmhToMps,
  knotsToMps,
  knownOrNull,
  numberOrNull,
  parseTime,
  requiredNumber,
  textOrNull,
} from './units.ts';

const FORM_NAMES: Record<string, string> = {
  deviceId: 'id',
  latitude: 'lat',
  longitude: 'lon',
  accuracy: 'accuracy',
  altitude: 'altitude',
  speed: 'speed',
  heading: 'bearing',
  battery: 'batt',
  recordedAt: 'timestamp',
};

const JSON_NAMES: Record<string, string> = {
  deviceId: 'device_id',
  latitude: 'coords.latitude',
  longitude: 'coords.longitude',
  accuracy: 'coords.accuracy',
  altitude: 'coords.altitude',
  speed: 'coords.speed',
  heading: 'coords.heading',
  battery: 'battery.level',
  recordedAt: 'timestamp',
};

/** The fixes of one OsmAnd request: `params` from the URL (the key removed) and the body as sent. */
export function readOsmAnd(
  params: URLSearchParams,
  contentType: string,
  body: Buffer | undefined,
  now: Date,
): AppReport {
  if (/^application\/json/i.test(contentType)) return readTraccarJson(body);
  const fields = new URLSearchParams(params);
  const text = body?.toString('utf8').trim() ?? '';
  if (text !== '') {
    if (!/^application\/x-www-form-urlencoded/i.test(contentType) && contentType !== '') {
      throw new FieldError('body', 'must be a form (application/x-www-form-urlencoded) or Traccar JSON');
    }
    for (const [name, value] of new URLSearchParams(text)) fields.append(name, value);
  }
  const get = (name: string) => fields.get(name) ?? undefined;
  let latitude: unknown = get('lat');
  let longitude: unknown = get('lon');
  const location = get('location');
  if (latitude === undefined && longitude === undefined && location !== undefined) {
    const parts = location.split(',');
    if (parts.length !== 2) throw new FieldError('location', 'must be "<lat>,<lon>"');
    [latitude, longitude] = parts;
  }
  const accuracy = numberOrNull(get('accuracy'), 'accuracy');
  const speed = numberOrNull(get('speed'), 'speed');
  const unit = get('speedunit') ?? 'kn';
  const toMps = SPEED_UNITS[unit];
  if (!toMps) throw new FieldError('speedunit', `must be one of ${Object.keys(SPEED_UNITS).join(', ')}`);
  const fix: LocationInput = {
    deviceId: textOrNull(get('id') ?? get('deviceid')) ?? missing('id', 'the device identifier (id=…)'),
    latitude: requiredNumber(latitude, 'lat'),
    longitude: requiredNumber(longitude, 'lon'),
    recordedAt: get('timestamp') === undefined ? now : parseTime(get('timestamp'), 'timestamp'),
    accuracy: accuracy === 0 ? null : accuracy,
    altitude: numberOrNull(get('altitude'), 'altitude'),
    speed: speed === null ? null : toMps(speed),
    heading: headingOrNull(numberOrNull(get('bearing') ?? get('heading'), 'bearing')),
    battery: numberOrNull(get('batt'), 'batt'),
  };
  fix.clientId = derivedClientId(fix);
  return { fixes: [fix], fieldName: (_, field) => FORM_NAMES[field] ?? field };
}

/** Speed units the form may declare with `speedunit` (knots unless it says otherwise). */
const SPEED_UNITS: Record<string, (value: number) => number> = {
  kn: knotsToMps,
  mps: (value) => value,
  kmh: kmhToMps,
  mph: (value) => (value * 1609.344) / 3600,
};

function readTraccarJson(body: Buffer | undefined): AppReport {
  let payload: unknown;
  try {
    payload = JSON.parse(body?.toString('utf8') ?? '');
  } catch {
    throw new FieldError('body', 'is not JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new FieldError('body', 'must be a JSON object with device_id and location');
  }
  const root = payload as Record<string, unknown>;
  const deviceId = textOrNull(root.device_id) ?? missing('device_id', 'the device identifier');
  const locations = Array.isArray(root.location) ? root.location : [root.location];
  const prefix = (index: number) => (Array.isArray(root.location) ? `location[${index}]` : 'location');
  const fixes = locations.map((value, index): LocationInput => {
    const where = prefix(index);
    if (typeof value !== 'object' || value === null) throw new FieldError(where, 'must be an object');
    const location = value as Record<string, unknown>;
    const coords = (location.coords ?? {}) as Record<string, unknown>;
    const battery = (location.battery ?? {}) as Record<string, unknown>;
    const level = knownOrNull(numberOrNull(battery.level, `${where}.battery.level`));
    const fix: LocationInput = {
      deviceId,
      latitude: requiredNumber(coords.latitude, `${where}.coords.latitude`),
      longitude: requiredNumber(coords.longitude, `${where}.coords.longitude`),
      recordedAt: parseTime(location.timestamp, `${where}.timestamp`),
      accuracy: knownOrNull(numberOrNull(coords.accuracy, `${where}.coords.accuracy`)),
      altitude: numberOrNull(coords.altitude, `${where}.coords.altitude`),
      speed: knownOrNull(numberOrNull(coords.speed, `${where}.coords.speed`)),
      heading: headingOrNull(numberOrNull(coords.heading, `${where}.coords.heading`)),
      battery: level === null ? null : fractionToPercent(level),
    };
    fix.clientId = derivedClientId(fix);
    return fix;
  });
  return {
    fixes,
    fieldName: (index, field) =>
      field === 'deviceId' ? 'device_id' : `${prefix(index)}.${JSON_NAMES[field] ?? field}`,
  };
}

function missing(field: string, what: string): never {
  throw new FieldError(field, `is required: ${what}`);
}
