// What every app adapter produces: fixes in our units, each with a clientId derived from
// the fix itself, and the app's own name for each field (for error messages).
import type { LocationInput } from '../locations/validation.ts';

/** The apps GoFindMe takes reports from, beside its own GraphQL API. */
export const INGEST_PROTOCOLS = ['owntracks', 'osmand', 'overland'] as const;
export type IngestProtocol = (typeof INGEST_PROTOCOLS)[number];

/** What an adapter read from one request. */
export interface AppReport {
  fixes: LocationInput[];
  /** The app's name for one of our fields of fix `index` ("lat", "locations[3].properties.speed"). */
  fieldName(index: number, field: string): string;
}

/**
 * These apps retry whole requests after a timeout or a lost answer. The clientId of a fix
 * is made of the fix itself (its time and position), so a retried request stores nothing
 * twice; two fixes of one device with the same time and position are one fix.
 */
export function derivedClientId(fix: Pick<LocationInput, 'recordedAt' | 'latitude' | 'longitude'>): string {
  return `fix:${fix.recordedAt.getTime()}:${fix.latitude},${fix.longitude}`;
}
