// The location record as the domain sees it, and its resume cursor.

export interface Location {
  /** Database id (a bigint, kept as a string). */
  id: string;
  groupId: string;
  deviceId: string;
  /** Per-group commit-ordered position: 1, 2, 3, ... with no holes. */
  sequence: bigint;
  latitude: number;
  longitude: number;
  accuracy: number | null;
  altitude: number | null;
  speed: number | null;
  heading: number | null;
  battery: number | null;
  recordedAt: Date;
  receivedAt: Date;
  clientId: string | null;
}

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

const CURSOR_PREFIX = 'seq:';

/** `Location.cursor`: an opaque token for the location's place in its group's stream. */
export function encodeSequenceCursor(sequence: bigint): string {
  return Buffer.from(`${CURSOR_PREFIX}${sequence}`).toString('base64url');
}

/** The sequence inside a `Location.cursor`, or undefined when the token is not one. */
export function decodeSequenceCursor(cursor: string): bigint | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(CURSOR_PREFIX)) return undefined;
  const digits = text.slice(CURSOR_PREFIX.length);
  return /^\d{1,19}$/.test(digits) ? BigInt(digits) : undefined;
}
