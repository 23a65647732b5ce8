// What the map asks the API, and the shapes of the answers.
import type { GoFindMeClient } from '../../client/index.ts';

export interface Fix {
  id: string;
  cursor: string;
  deviceId: string;
  latitude: number;
  longitude: number;
  accuracy?: number | null;
  speed?: number | null;
  battery?: number | null;
  recordedAt: string;
  receivedAt: string;
}

export interface Geofence {
  id: string;
  name: string;
  circle: { latitude: number; longitude: number; radiusMeters: number } | null;
  /** A GeoJSON Polygon: rings of [longitude, latitude]. */
  polygon: { type: 'Polygon'; coordinates: number[][][] } | null;
}

export interface GeofenceEvent {
  id: string;
  cursor: string;
  type: 'ENTER' | 'EXIT' | 'DWELL';
  deviceId: string;
  geofenceId: string;
  geofenceName: string;
  occurredAt: string;
  removed: boolean;
}

interface Connection<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

const FIX_FIELDS = 'id cursor deviceId latitude longitude accuracy speed battery recordedAt receivedAt';
const EVENT_FIELDS = 'id cursor type deviceId geofenceId geofenceName occurredAt removed';
const PAGE_INFO = 'pageInfo { hasNextPage endCursor }';

export const VIEWER = '{ viewer { name scopes group { name } } }';
/** Read before anything else, so that the streams replay whatever is stored after the reads below. */
export const STREAM_CURSORS = '{ viewer { group { streamCursor geofenceEventCursor } } }';
export const RECENT_LOCATIONS = `{ locations(last: 500) { edges { node { ${FIX_FIELDS} } } } }`;
export const RECENT_EVENTS = `{ geofenceEvents(last: 50) { edges { node { ${EVENT_FIELDS} } } } }`;
export const GEOFENCE_EVENTS = `subscription($after: String) { geofenceEvents(after: $after) { ${EVENT_FIELDS} } }`;

const DEVICES = `query($after: String) { devices(first: 500, after: $after) {
  edges { node { deviceId lastLocation { ${FIX_FIELDS} } } } ${PAGE_INFO} } }`;
const GEOFENCES = `query($after: String) { geofences(first: 1000, after: $after) {
  edges { node { id name circle { latitude longitude radiusMeters } polygon } } ${PAGE_INFO} } }`;
const HISTORY = `query($deviceId: String!, $from: DateTime!, $to: DateTime!, $after: String) {
  locations(deviceId: $deviceId, from: $from, to: $to, first: 1000, after: $after) {
    edges { node { ${FIX_FIELDS} } } ${PAGE_INFO} } }`;

/** Every page of a connection, following `pageInfo.endCursor`, up to `limit` nodes. */
async function allPages<T>(
  load: (after: string | undefined) => Promise<Connection<T>>,
  limit = Number.POSITIVE_INFINITY,
  onPage?: (count: number) => void,
): Promise<T[]> {
  const nodes: T[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await load(after);
    nodes.push(...page.edges.map((edge) => edge.node));
    onPage?.(nodes.length);
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor || nodes.length >= limit) return nodes;
    after = page.pageInfo.endCursor;
  }
}

export async function loadDevices(
  client: GoFindMeClient,
): Promise<{ deviceId: string; lastLocation: Fix | null }[]> {
  type Node = { deviceId: string; lastLocation: Fix | null };
  return allPages((after) =>
    client
      .request<{ devices: Connection<Node> }, { after?: string }>(DEVICES, { after })
      .then((d) => d.devices),
  );
}

export async function loadGeofences(client: GoFindMeClient): Promise<Geofence[]> {
  return allPages((after) =>
    client
      .request<{ geofences: Connection<Geofence> }, { after?: string }>(GEOFENCES, { after })
      .then((d) => d.geofences),
  );
}

export const HISTORY_LIMIT = 50_000;

/** A device's path from `from` to `to`, oldest first, every page (up to HISTORY_LIMIT fixes). */
export async function loadPath(
  client: GoFindMeClient,
  deviceId: string,
  from: Date,
  to: Date,
  onProgress?: (count: number) => void,
): Promise<Fix[]> {
  type Variables = { deviceId: string; from: string; to: string; after?: string };
  return allPages(
    (after) =>
      client
        .request<{ locations: Connection<Fix> }, Variables>(HISTORY, {
          deviceId,
          from: from.toISOString(),
          to: to.toISOString(),
          after,
        })
        .then((d) => d.locations),
    HISTORY_LIMIT,
    onProgress,
  );
}
