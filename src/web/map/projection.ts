// The graticule's geometry, for the grid the map draws under its tiles (so that without
// tiles it still has a frame of reference): a round step for the view's scale, the lines
// of that step inside the view, and their labels. Pure functions, run in the browser.

const STEPS = [
  0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 45, 90,
];

/** The smallest round step (degrees) whose lines are at least `minSpacing` pixels apart. */
export function graticuleStep(degreesPerPixel: number, minSpacing = 90): number {
  return STEPS.find((step) => step / degreesPerPixel >= minSpacing) ?? 90;
}

/** The multiples of `step` from `from` to `to`, kept within `min`…`max`. */
export function graticuleLines(from: number, to: number, step: number, min: number, max: number): number[] {
  const values: number[] = [];
  const first = Math.max(Math.ceil(from / step), Math.ceil(min / step));
  const last = Math.min(Math.floor(to / step), Math.floor(max / step));
  for (let i = first; i <= last; i++) values.push(Number((i * step).toFixed(6)));
  return values;
}

/** A longitude of a copy of the world (the map repeats it sideways) as -180…180. */
export function wrapLongitude(longitude: number): number {
  const wrapped = ((((longitude + 180) % 360) + 360) % 360) - 180;
  return wrapped === -180 && longitude > 0 ? 180 : wrapped;
}

/** A graticule label: 52.5°N, 13.41°E. */
export function formatDegrees(value: number, step: number, axis: 'latitude' | 'longitude'): string {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  const hemisphere = value === 0 ? '' : axis === 'latitude' ? (value < 0 ? 'S' : 'N') : value < 0 ? 'W' : 'E';
  return `${Math.abs(value).toFixed(decimals)}°${hemisphere}`;
}
