// A map without tiles: an equirectangular projection (longitudes shrunk by the cosine
// of the middle latitude, so shapes look right away from the equator), fitted to the
// points on screen, with a graticule at a round step. Pure functions, run in the browser.

export interface Point {
  latitude: number;
  longitude: number;
}

export interface View {
  width: number;
  height: number;
  /** Screen position of a point. */
  project(point: Point): { x: number; y: number };
  /** Lines of equal latitude and longitude inside the view, at a round step. */
  graticule: { latitudes: number[]; longitudes: number[]; step: number };
  bounds: { south: number; north: number; west: number; east: number };
}

/** The smallest span shown, in degrees of latitude (about 1 km), so one device is not a zoom to nothing. */
const MIN_SPAN = 0.01;
const STEPS = [
  0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 45, 90,
];

export function fitView(points: readonly Point[], width: number, height: number, padding = 40): View {
  let south = 90;
  let north = -90;
  let west = 180;
  let east = -180;
  for (const { latitude, longitude } of points) {
    south = Math.min(south, latitude);
    north = Math.max(north, latitude);
    west = Math.min(west, longitude);
    east = Math.max(east, longitude);
  }
  if (points.length === 0) [south, north, west, east] = [-60, 75, -180, 180];
  const middle = (south + north) / 2;
  const shrink = Math.max(Math.cos((middle * Math.PI) / 180), 0.05);
  // Grow the smaller side so that the box has the screen's aspect ratio.
  let latSpan = Math.max(north - south, MIN_SPAN);
  let lonSpan = Math.max(east - west, MIN_SPAN / shrink);
  const innerWidth = Math.max(width - 2 * padding, 1);
  const innerHeight = Math.max(height - 2 * padding, 1);
  const scale = Math.min(innerWidth / (lonSpan * shrink), innerHeight / latSpan);
  latSpan = innerHeight / scale;
  lonSpan = innerWidth / (scale * shrink);
  const centerLat = (south + north) / 2;
  const centerLon = (west + east) / 2;
  const bounds = {
    south: centerLat - latSpan / 2,
    north: centerLat + latSpan / 2,
    west: centerLon - lonSpan / 2,
    east: centerLon + lonSpan / 2,
  };
  const project = ({ latitude, longitude }: Point) => ({
    x: width / 2 + (longitude - centerLon) * shrink * scale,
    y: height / 2 - (latitude - centerLat) * scale,
  });
  const step = STEPS.find((candidate) => latSpan / candidate <= 8) ?? 90;
  return { width, height, project, graticule: graticule(bounds, step), bounds };
}

function graticule(bounds: View['bounds'], step: number) {
  const lines = (from: number, to: number, min: number, max: number) => {
    const values: number[] = [];
    for (let value = Math.ceil(from / step) * step; value <= to; value += step) {
      if (value >= min && value <= max) values.push(Number(value.toFixed(6)));
    }
    return values;
  };
  return {
    latitudes: lines(bounds.south, bounds.north, -90, 90),
    longitudes: lines(bounds.west, bounds.east, -180, 180),
    step,
  };
}

/** A graticule label: 52.5°N, 13.41°E. */
export function formatDegrees(value: number, step: number, axis: 'latitude' | 'longitude'): string {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step)));
  const hemisphere = axis === 'latitude' ? (value < 0 ? 'S' : 'N') : value < 0 ? 'W' : 'E';
  return `${Math.abs(value).toFixed(decimals)}°${hemisphere}`;
}
