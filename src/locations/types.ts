// The location record as the domain sees it, and its resume cursor.

/** A report that passed validation. */
export interface LocationReport {
  deviceId: string;
  latitude: number;
  longitude: number;
  accuracy: number | null;
  altitude: number | null;
  speed: number | null;
  heading: number | null;
  battery: number | null;
  recordedAt: Date;
  clientId: string | null;
}

/** A stored location. */
export interface Location extends LocationReport {
  groupId: string;
  /** Per-group commit-ordered position: 1, 2, 3, ... with no holes. */
  sequence: bigint;
  receivedAt: Date;
}

const CURSOR_PREFIX = 'seq:';

/** `Location.cursor`: an opaque token for the location's place in its group's stream. */
export function encodeSequenceCursor(sequence: bigint): string {
  return Buffer.from(`${CURSOR_PREFIX}${sequence}`).toString('base64url');
}

/** `Location.id`: globally unique, opaque. */
export function locationId(location: Pick<Location, 'groupId' | 'sequence'>): string {
  return Buffer.from(`loc:${location.groupId}:${location.sequence}`).toString('base64url');
}

/** A locations row as raw SQL returns it (select it with LOCATION_COLUMNS). */
export interface LocationRow {
  device_id: string;
  sequence: string;
  latitude: number;
  longitude: number;
  accuracy: number | null;
  altitude: number | null;
  speed: number | null;
  heading: number | null;
  battery: number | null;
  recorded_at: Date;
  received_at: Date;
  client_id: string | null;
}

/** The select list for a LocationRow from table alias `alias` (bigints as text, to keep precision). */
export const LOCATION_COLUMNS = (alias: string) =>
  `${alias}.device_id, ${alias}.sequence::text AS sequence, ${alias}.latitude, ${alias}.longitude, ${alias}.accuracy,
   ${alias}.altitude, ${alias}.speed, ${alias}.heading, ${alias}.battery, ${alias}.recorded_at, ${alias}.received_at,
   ${alias}.client_id`;

export function toLocation(groupId: string, row: LocationRow): Location {
  return {
    groupId,
    deviceId: row.device_id,
    sequence: BigInt(row.sequence),
    latitude: row.latitude,
    longitude: row.longitude,
    accuracy: row.accuracy,
    altitude: row.altitude,
    speed: row.speed,
    heading: row.heading,
    battery: row.battery,
    recordedAt: row.recorded_at,
    receivedAt: row.received_at,
    clientId: row.client_id,
  };
}

const SEQUENCE_CURSOR_PREFIX = 'seq:';

/** The sequence inside a `Location.cursor`, or undefined when the token is not one. */
export function decodeSequenceCursor(cursor: string): bigint | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(SEQUENCE_CURSOR_PREFIX)) return undefined;
  const digits = text.slice(SEQUENCE_CURSOR_PREFIX.length);
  return /^\d{1,18}$/.test(digits) ? BigInt(digits) : undefined;
}
