// Overland (https://github.com/aaronpk/Overland-iOS#api; and its Android clone): a JSON
// body `{ "locations": [GeoJSON Feature, …] }` of up to 1000 points, answered with
// `{"result":"ok"}` (anything else makes the app send the batch again).
//
// Each Feature: `geometry.coordinates` [longitude, latitude] (GeoJSON order), and in
// `properties`: `timestamp` (ISO 8601 with a zone), `speed` m/s, `course` degrees,
// `horizontal_accuracy` and `altitude` metres, `battery_level` 0–1, `device_id` (empty or
// "undefined" when the app has none; then `unique_id`, or a top-level `device_id`).
// −1 means unknown. Features that are not points (`properties.type`, e.g. a finished trip)
// are skipped.
import type { LocationInput } from '../locations/validation.ts';
import { type AppReport, derivedClientId } from './fix.ts';
import {
  FieldError,
  fractionToPercent,
  headingOrNull,
  knownOrNull,
  numberOrNull,
  parseTime,
  textOrNull,
} from './units.ts';

const PROPERTY_NAMES: Record<string, string> = {
  deviceId: 'properties.device_id',
  latitude: 'geometry.coordinates[1]',
  longitude: 'geometry.coordinates[0]',
  accuracy: 'properties.horizontal_accuracy',
  altitude: 'properties.altitude',
  speed: 'properties.speed',
  heading: 'properties.course',
  battery: 'properties.battery_level',
  recordedAt: 'properties.timestamp',
};

const deviceIdOf = (value: unknown) => {
  const text = textOrNull(value);
  return text === null || text === 'undefined' ? null : text;
};

export function readOverland(body: Buffer | undefined): AppReport {
  let payload: unknown;
  try {
    payload = JSON.parse(body?.toString('utf8') ?? '');
  } catch {
    throw new FieldError('body', 'is not JSON');
  }
  const locations = (payload as { locations?: unknown } | null)?.locations;
  if (typeof payload !== 'object' || payload === null || !Array.isArray(locations)) {
    throw new FieldError('locations', 'is required: an array of GeoJSON Features');
  }
  const topDeviceId = deviceIdOf((payload as Record<string, unknown>).device_id);
  const fixes: LocationInput[] = [];
  const positions: number[] = [];
  locations.forEach((feature: unknown, index) => {
    const where = `locations[${index}]`;
    if (typeof feature !== 'object' || feature === null)
      throw new FieldError(where, 'must be a GeoJSON Feature');
    const { geometry, properties } = feature as { geometry?: unknown; properties?: unknown };
    const props = (properties ?? {}) as Record<string, unknown>;
    if (props.type !== undefined) return; // a trip or another non-point feature
    const coordinates = (geometry as { type?: unknown; coordinates?: unknown } | null)?.coordinates;
    if ((geometry as { type?: unknown } | null)?.type !== 'Point' || !Array.isArray(coordinates)) {
      throw new FieldError(`${where}.geometry`, 'must be a GeoJSON Point');
    }
    const deviceId = deviceIdOf(props.device_id) ?? deviceIdOf(props.unique_id) ?? topDeviceId;
    if (!deviceId) {
      throw new FieldError(
        `${where}.properties.device_id`,
        "is missing: set a Device ID in Overland's settings",
      );
    }
    const level = knownOrNull(numberOrNull(props.battery_level, `${where}.properties.battery_level`));
    const fix: LocationInput = {
      deviceId,
      longitude: numberOrNull(coordinates[0], `${where}.geometry.coordinates[0]`) ?? missingCoordinate(where),
      latitude: numberOrNull(coordinates[1], `${where}.geometry.coordinates[1]`) ?? missingCoordinate(where),
      recordedAt: parseTime(props.timestamp, `${where}.properties.timestamp`),
      accuracy: knownOrNull(
        numberOrNull(props.horizontal_accuracy, `${where}.properties.horizontal_accuracy`),
      ),
      altitude: numberOrNull(props.altitude, `${where}.properties.altitude`),
      speed: knownOrNull(numberOrNull(props.speed, `${where}.properties.speed`)),
      heading: headingOrNull(numberOrNull(props.course, `${where}.properties.course`)),
      battery: level === null ? null : fractionToPercent(level),
    };
    fix.clientId = derivedClientId(fix);
    fixes.push(fix);
    positions.push(index);
  });
  return {
    fixes,
    fieldName: (index, field) => `locations[${positions[index]}].${PROPERTY_NAMES[field] ?? field}`,
  };
}

function missingCoordinate(where: string): never {
  throw new FieldError(`${where}.geometry.coordinates`, 'must be [longitude, latitude]');
}
