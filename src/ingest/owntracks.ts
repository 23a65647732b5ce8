// OwnTracks HTTP mode (https://owntracks.org/booklet/tech/http/, .../tech/json/): the app
// POSTs one JSON message per request; `_type: "location"` is a fix, every other type
// (transition, waypoint(s), lwt, card, cmd, status, encrypted, …) and an empty body are
// accepted and ignored, so that the app never resends them. The answer is a JSON array:
// the other devices of the group as `_type: "location"` messages, which the app shows as
// friends (as OwnTracks Recorder does).
//
// Units (checked in the apps' sources): `lat`/`lon` degrees, `tst` Unix seconds, `acc` and
// `alt` metres, `vel` km/h, `cog` degrees, `batt` percent. Fields of value 0 may be left
// out by the app: a missing field is unknown, not an error.
import type { Location } from '../locations/record.ts';
import type { LocationInput } from '../locations/validation.ts';
import { type AppReport, derivedClientId } from './fix.ts';
import {
  FieldError,
  headingOrNull,
  kmhToMps,
  knownOrNull,
  numberOrNull,
  parseTime,
  requiredNumber,
  textOrNull,
} from './units.ts';

/** Who sent it: the HTTP Basic user, and the X-Limit-U / X-Limit-D headers. */
export interface OwnTracksIdentity {
  basicUser: string | null;
  limitUser: string | null;
  limitDevice: string | null;
}

const FIELD_NAMES: Record<string, string> = {
  deviceId: 'device (X-Limit-D, topic or tid)',
  latitude: 'lat',
  longitude: 'lon',
  accuracy: 'acc',
  altitude: 'alt',
  speed: 'vel',
  heading: 'cog',
  battery: 'batt',
  recordedAt: 'tst',
};

/**
 * The device a message is from: `<user>/<device>` (as OwnTracks Recorder names them),
 * from X-Limit-U (or the Basic user, or the topic) and X-Limit-D (or the topic, or
 * `tid`). OwnTracks for iOS sends the placeholders "user" and "device" when nothing is
 * set, and Android's topic `owntracks/http/<tid>` names no user: neither counts.
 */
export function ownTracksDeviceId(message: Record<string, unknown>, identity: OwnTracksIdentity): string {
  const topic = textOrNull(message.topic)?.split('/') ?? [];
  const topicUser = topic.length >= 3 && topic[1] !== 'http' ? topic[1] : null;
  const topicDevice = topic.length >= 3 ? topic.slice(2).join('/') : null;
  const user =
    (identity.limitUser && identity.limitUser !== 'user' ? identity.limitUser : null) ??
    identity.basicUser ??
    topicUser;
  const device =
    (identity.limitDevice && identity.limitDevice !== 'device' ? identity.limitDevice : null) ??
    topicDevice ??
    textOrNull(message.tid);
  if (!device) {
    throw new FieldError(
      FIELD_NAMES.deviceId!,
      'is missing: set a Device ID in the app (or send topic or tid)',
    );
  }
  return user ? `${user}/${device}` : device;
}

/** The fixes of one OwnTracks request: one location, or none for any other message. */
export function readOwnTracks(body: Buffer | undefined, identity: OwnTracksIdentity): AppReport {
  const report: AppReport = { fixes: [], fieldName: (_, field) => FIELD_NAMES[field] ?? field };
  if (!body || body.length === 0 || body.toString('utf8').trim() === '') return report;
  let message: unknown;
  try {
    message = JSON.parse(body.toString('utf8'));
  } catch {
    throw new FieldError('body', 'is not JSON');
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new FieldError('body', 'must be one OwnTracks message (a JSON object with _type)');
  }
  const fields = message as Record<string, unknown>;
  if (typeof fields._type !== 'string') throw new FieldError('_type', 'is required');
  if (fields._type !== 'location') return report;
  const fix: LocationInput = {
    deviceId: ownTracksDeviceId(fields, identity),
    latitude: requiredNumber(fields.lat, 'lat'),
    longitude: requiredNumber(fields.lon, 'lon'),
    recordedAt: parseTime(fields.tst, 'tst'),
    accuracy: numberOrNull(fields.acc, 'acc'),
    altitude: numberOrNull(fields.alt, 'alt'),
    speed: mapNull(knownOrNull(numberOrNull(fields.vel, 'vel')), kmhToMps),
    heading: headingOrNull(numberOrNull(fields.cog, 'cog')),
    battery: knownOrNull(numberOrNull(fields.batt, 'batt')),
  };
  fix.clientId = derivedClientId(fix);
  report.fixes.push(fix);
  return report;
}

const mapNull = (value: number | null, f: (value: number) => number) => (value === null ? null : f(value));

/**
 * A location as OwnTracks shows a friend: `tid` (two characters on its map), `topic` (the
 * friend's identity), and the fix in OwnTracks' units.
 */
export function asFriend(location: Location): Record<string, unknown> {
  const [user, ...rest] = location.deviceId.includes('/')
    ? location.deviceId.split('/')
    : ['gofindme', location.deviceId];
  const device = rest.join('/') || location.deviceId;
  const friend: Record<string, unknown> = {
    _type: 'location',
    tid: tidOf(device),
    topic: `owntracks/${user}/${device}`,
    lat: location.latitude,
    lon: location.longitude,
    tst: Math.floor(location.recordedAt.getTime() / 1000),
  };
  if (location.accuracy !== null) friend.acc = Math.round(location.accuracy);
  if (location.altitude !== null) friend.alt = Math.round(location.altitude);
  if (location.speed !== null) friend.vel = Math.round(location.speed * 3.6);
  if (location.heading !== null) friend.cog = Math.round(location.heading);
  if (location.battery !== null) friend.batt = Math.round(location.battery);
  return friend;
}

/** Two letters or digits for OwnTracks' map, from a device name ("pixel" → "PI"). */
function tidOf(device: string): string {
  const letters = device.replace(/[^\p{L}\p{N}]/gu, '');
  return (letters || device).slice(0, 2).toUpperCase();
}
