// Every opaque token clients hand back: stream positions, page positions and location ids.
//
// A token is base64url("<prefix>:<fields>"). Each kind has a name and a prefix that is
// also its version: a kind's format never changes once clients may hold its tokens (they
// keep `Location.cursor`s to resume); a new format gets a new prefix, and the old one keeps
// decoding. Decoding checks the whole token (digits bounded, so values stay in range) and
// says which argument was wrong; nothing else in the code parses a token.
import { InputError } from './errors.ts';

export interface CursorKind<T> {
  /** What it is, for messages. */
  readonly name: string;
  /** The prefix inside the token: the kind and its version. */
  readonly prefix: string;
  encode(value: T): string;
  /** The value, or undefined when the token is not of this kind. */
  decode(token: string): T | undefined;
  /** The value, or BAD_USER_INPUT naming `argument`. */
  parse(token: string, argument: string): T;
}

function cursorKind<T>(
  name: string,
  prefix: string,
  fields: RegExp,
  toText: (value: T) => string,
  fromMatch: (match: RegExpExecArray) => T | undefined,
): CursorKind<T> {
  const pattern = new RegExp(`^${prefix}:${fields.source}$`, fields.flags);
  const kind: CursorKind<T> = {
    name,
    prefix,
    encode: (value) => Buffer.from(`${prefix}:${toText(value)}`).toString('base64url'),
    decode: (token) => {
      const match = pattern.exec(Buffer.from(token, 'base64url').toString('utf8'));
      return match ? fromMatch(match) : undefined;
    },
    parse: (token, argument) => {
      const value = kind.decode(token);
      if (value === undefined) throw InputError.at([argument], `is not a ${name} returned by this API`);
      return value;
    },
  };
  return kind;
}

// At most 18 digits of a sequence (within bigint), 15 of milliseconds (always a valid date).
const SEQUENCE = '(\\d{1,18})';
const MILLIS = '(-?\\d{1,15})';
const UUID = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';

/** `Location.cursor`: a location's place in its group's stream (resume `locationUpdates` after it). v1. */
export const streamCursor = cursorKind<bigint>('Location.cursor', 'seq', new RegExp(SEQUENCE), String, (m) =>
  BigInt(m[1]!),
);

/** `Location.id`: globally unique. v1. */
export const locationIdToken = cursorKind<{ groupId: string; sequence: bigint }>(
  'location id',
  'loc',
  new RegExp(`${UUID}:${SEQUENCE}`),
  (l) => `${l.groupId}:${l.sequence}`,
  (m) => ({ groupId: m[1]!, sequence: BigInt(m[2]!) }),
);

/** A page position in a device's history, ordered by the device's clock, then sequence. v1. */
export const historyCursor = cursorKind<{ recordedAt: Date; sequence: bigint }>(
  'cursor',
  't',
  new RegExp(`${MILLIS}:${SEQUENCE}`),
  (c) => `${c.recordedAt.getTime()}:${c.sequence}`,
  (m) => ({ recordedAt: new Date(Number(m[1])), sequence: BigInt(m[2]!) }),
);

/** A page position in a group's devices, by device id. v1. */
export const deviceCursor = cursorKind<string>(
  'cursor',
  'd',
  // 1 to 128 printable characters, like every device id.
  /(\P{C}{1,128})/u,
  (deviceId) => deviceId,
  (m) => m[1],
);

/** A page position in a webhook's delivery log, newest first. v1. */
export const deliveryCursor = cursorKind<{ createdAt: Date; id: string }>(
  'cursor',
  'w',
  new RegExp(`(\\d{1,15}):${UUID}`),
  (c) => `${c.createdAt.getTime()}:${c.id}`,
  (m) => ({ createdAt: new Date(Number(m[1])), id: m[2]! }),
);

/**
 * `GeofenceEvent.cursor`: an event's place in its group's event stream (resume
 * `geofenceEvents` after it; also the cursor of `geofenceEvents` pages). v1.
 */
export const geofenceEventCursor = cursorKind<bigint>(
  'GeofenceEvent.cursor',
  'gseq',
  new RegExp(SEQUENCE),
  String,
  (m) => BigInt(m[1]!),
);

/** `GeofenceEvent.id`: globally unique. v1. */
export const geofenceEventIdToken = cursorKind<{ groupId: string; sequence: bigint }>(
  'geofence event id',
  'gev',
  new RegExp(`${UUID}:${SEQUENCE}`),
  (e) => `${e.groupId}:${e.sequence}`,
  (m) => ({ groupId: m[1]!, sequence: BigInt(m[2]!) }),
);

/** A page position in a group's geofences, oldest first. v1. */
export const geofenceCursor = cursorKind<{ createdAt: Date; id: string }>(
  'cursor',
  'gf',
  new RegExp(`(\\d{1,15}):${UUID}`),
  (c) => `${c.createdAt.getTime()}:${c.id}`,
  (m) => ({ createdAt: new Date(Number(m[1])), id: m[2]! }),
);

/** `Location.id` of a stored location. */
export const locationId = (location: { groupId: string; sequence: bigint }) =>
  locationIdToken.encode({ groupId: location.groupId, sequence: location.sequence });

/**
 * SQL that renders a token of `kind` the way `encode` does, from SQL expressions for its
 * fields (for JSON built inside PostgreSQL, such as webhook bodies). PostgreSQL's base64
 * wraps lines at 76 characters and pads: both are undone.
 */
export function cursorSql(kind: { prefix: string }, ...fields: string[]): string {
  const text = [`'${kind.prefix}:'`, ...fields.flatMap((f, i) => (i === 0 ? [f] : [`':'`, f]))].join(' || ');
  return `translate(encode(convert_to(${text}, 'UTF8'), 'base64'), E'+/=\\n', '-_')`;
}
