// Geofence shapes: a circle (centre in WGS 84 degrees, radius in metres) or a GeoJSON
// Polygon (RFC 7946: [longitude, latitude] positions, closed rings, holes allowed),
// validated when saved, and the one measure every rule uses: the signed distance in
// metres from a point to the shape's boundary, positive inside.
//
// Circles are measured on the sphere (haversine), so a 50 m circle is 50 m at any
// latitude. Polygon edges are straight lines in longitude/latitude (RFC 7946 §3.1.1);
// distances to them are measured with turf. A polygon crossing the antimeridian (±180°)
// must be split into two geofences.
import turfArea from '@turf/area';
import turfKinks from '@turf/kinks';
import pointToPolygonDistance from '@turf/point-to-polygon-distance';
import type { Polygon, Position } from 'geojson';
import type { InputIssue } from '../errors.ts';

export const MIN_RADIUS_METERS = 1;
export const MAX_RADIUS_METERS = 100_000;
export const MAX_POLYGON_VERTICES = 1000;

/** Mean Earth radius (IUGG), metres. */
const EARTH_RADIUS = 6_371_008.8;
const METRES_PER_DEGREE = (Math.PI * EARTH_RADIUS) / 180;

export interface Circle {
  latitude: number;
  longitude: number;
  radiusMeters: number;
}

export type Shape = { kind: 'circle'; circle: Circle } | { kind: 'polygon'; polygon: Polygon };

/** A shape ready for evaluation. */
export interface PreparedShape {
  /** [west, south, east, north] in degrees. */
  bbox: [number, number, number, number];
  /** Metres from the point to the boundary: positive inside, negative outside. */
  signedDistance(latitude: number, longitude: number): number;
  /** A measure of its size, in metres: a circle's radius, a polygon's equal-area radius. */
  size: number;
}

const toRadians = (degrees: number) => (degrees * Math.PI) / 180;

/** Great-circle distance in metres (haversine). */
export function haversine(aLat: number, aLon: number, bLat: number, bLon: number): number {
  const dLat = toRadians(bLat - aLat);
  const dLon = toRadians(bLon - aLon);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(toRadians(aLat)) * Math.cos(toRadians(bLat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function prepare(shape: Shape): PreparedShape {
  if (shape.kind === 'circle') {
    const { latitude, longitude, radiusMeters } = shape.circle;
    const dLat = radiusMeters / METRES_PER_DEGREE;
    const cos = Math.cos(toRadians(latitude));
    // Near a pole (or when the circle spans the antimeridian) the box takes every longitude.
    const dLon = cos > 1e-6 ? radiusMeters / (METRES_PER_DEGREE * cos) : 360;
    const wraps = longitude - dLon < -180 || longitude + dLon > 180 || Math.abs(latitude) + dLat >= 90;
    return {
      bbox: wraps
        ? [-180, Math.max(-90, latitude - dLat), 180, Math.min(90, latitude + dLat)]
        : [longitude - dLon, latitude - dLat, longitude + dLon, latitude + dLat],
      signedDistance: (lat, lon) => radiusMeters - haversine(latitude, longitude, lat, lon),
      size: radiusMeters,
    };
  }
  const { polygon } = shape;
  const outer = polygon.coordinates[0]!;
  const lons = outer.map((p) => p[0]!);
  const lats = outer.map((p) => p[1]!);
  return {
    bbox: [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)],
    signedDistance: (lat, lon) => -pointToPolygonDistance([lon, lat], polygon, { units: 'meters' }),
    size: Math.sqrt(turfArea(polygon) / Math.PI),
  };
}

const finiteIn = (value: unknown, min: number, max: number) =>
  typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

/**
 * Checks a circle or a polygon as a client gave it, reporting every problem with its
 * path (`input.polygon.coordinates[0][3]`). Returns the shape, or undefined with issues.
 */
export function checkShape(
  input: { circle?: Partial<Circle> | null; polygon?: unknown },
  path: (string | number)[],
  issues: InputIssue[],
): Shape | undefined {
  const given = (input.circle != null ? 1 : 0) + (input.polygon != null ? 1 : 0);
  if (given !== 1) {
    issues.push({ path: [...path, 'circle'], message: 'give exactly one of circle and polygon' });
    return undefined;
  }
  if (input.circle != null) return checkCircle(input.circle, [...path, 'circle'], issues);
  return checkPolygon(input.polygon, [...path, 'polygon'], issues);
}

function checkCircle(
  circle: Partial<Circle>,
  path: (string | number)[],
  issues: InputIssue[],
): Shape | undefined {
  const before = issues.length;
  if (!finiteIn(circle.latitude, -90, 90)) {
    issues.push({ path: [...path, 'latitude'], message: 'must be between -90 and 90' });
  }
  if (!finiteIn(circle.longitude, -180, 180)) {
    issues.push({ path: [...path, 'longitude'], message: 'must be between -180 and 180' });
  }
  if (!finiteIn(circle.radiusMeters, MIN_RADIUS_METERS, MAX_RADIUS_METERS)) {
    issues.push({
      path: [...path, 'radiusMeters'],
      message: `must be between ${MIN_RADIUS_METERS} and ${MAX_RADIUS_METERS} (metres)`,
    });
  }
  if (issues.length > before) return undefined;
  return { kind: 'circle', circle: circle as Circle };
}

function checkPolygon(value: unknown, path: (string | number)[], issues: InputIssue[]): Shape | undefined {
  const polygon = value as { type?: unknown; coordinates?: unknown };
  if (typeof value !== 'object' || value === null || polygon.type !== 'Polygon') {
    issues.push({
      path: [...path, 'type'],
      message: 'must be a GeoJSON Polygon ({ "type": "Polygon", "coordinates": [...] })',
    });
    return undefined;
  }
  const rings = polygon.coordinates;
  if (!Array.isArray(rings) || rings.length === 0) {
    issues.push({
      path: [...path, 'coordinates'],
      message: 'must be a list of rings: the boundary, then any holes',
    });
    return undefined;
  }
  const before = issues.length;
  let vertices = 0;
  rings.forEach((ring: unknown, r) => {
    const at = [...path, 'coordinates', r];
    if (!Array.isArray(ring) || ring.length < 4) {
      issues.push({ path: at, message: 'must have at least 4 positions (a closed ring of 3 corners)' });
      return;
    }
    vertices += ring.length - 1;
    ring.forEach((position: unknown, p) => {
      const [lon, lat] = Array.isArray(position) ? position : [];
      if (!Array.isArray(position) || position.length < 2 || position.length > 3) {
        issues.push({ path: [...at, p], message: 'must be [longitude, latitude]' });
      } else if (!finiteIn(lon, -180, 180) || !finiteIn(lat, -90, 90)) {
        issues.push({
          path: [...at, p],
          message:
            'must be [longitude, latitude] with longitude between -180 and 180 and latitude between -90 and 90',
        });
      }
    });
    const first = ring[0] as Position;
    const last = ring[ring.length - 1] as Position;
    if (Array.isArray(first) && Array.isArray(last) && (first[0] !== last[0] || first[1] !== last[1])) {
      issues.push({ path: at, message: 'is not closed: its last position must repeat its first' });
    }
  });
  if (vertices > MAX_POLYGON_VERTICES) {
    issues.push({
      path: [...path, 'coordinates'],
      message: `has ${vertices} vertices; at most ${MAX_POLYGON_VERTICES} are allowed`,
    });
  }
  if (issues.length > before) return undefined;
  const checked: Polygon = {
    type: 'Polygon',
    coordinates: (rings as Position[][]).map((ring) => ring.map((p) => [p[0]!, p[1]!])),
  };
  for (const [r, ring] of checked.coordinates.entries()) {
    const lons = ring.map((p) => p[0]!);
    if (Math.max(...lons) - Math.min(...lons) > 180) {
      issues.push({
        path: [...path, 'coordinates', r],
        message: 'crosses the antimeridian (±180° longitude): split it into two geofences, one on each side',
      });
      return undefined;
    }
  }
  const kinks = turfKinks(checked);
  if (kinks.features.length > 0) {
    const [lon, lat] = kinks.features[0]!.geometry.coordinates;
    issues.push({
      path: [...path, 'coordinates'],
      message: `crosses itself (at ${lon?.toFixed(6)}, ${lat?.toFixed(6)}): a ring must not intersect itself or another ring`,
    });
    return undefined;
  }
  if (turfArea(checked) <= 0) {
    issues.push({ path: [...path, 'coordinates'], message: 'has no area' });
    return undefined;
  }
  return { kind: 'polygon', polygon: checked };
}
