// The map's projection: fitted to the points with the screen's aspect ratio, north up,
// longitudes shrunk by latitude, and a graticule at a round step.
import { describe, expect, it } from 'vitest';
import { fitView, formatDegrees } from '../src/web/map/projection.ts';

describe('the map projection', () => {
  it('fits every point inside the padded screen, north up and east right', () => {
    const points = [
      { latitude: 52.5, longitude: 13.3 },
      { latitude: 52.6, longitude: 13.5 },
      { latitude: 52.55, longitude: 13.4 },
    ];
    const view = fitView(points, 800, 600, 40);
    for (const point of points) {
      const { x, y } = view.project(point);
      expect(x).toBeGreaterThanOrEqual(40 - 1e-9);
      expect(x).toBeLessThanOrEqual(760 + 1e-9);
      expect(y).toBeGreaterThanOrEqual(40 - 1e-9);
      expect(y).toBeLessThanOrEqual(560 + 1e-9);
    }
    const south = view.project(points[0]!);
    const north = view.project(points[1]!);
    expect(north.y).toBeLessThan(south.y);
    expect(north.x).toBeGreaterThan(south.x);
    // One degree of longitude is cos(52.55°) of a degree of latitude on screen.
    const a = view.project({ latitude: 52.55, longitude: 13.4 });
    const east = view.project({ latitude: 52.55, longitude: 13.41 });
    const up = view.project({ latitude: 52.56, longitude: 13.4 });
    expect((east.x - a.x) / (a.y - up.y)).toBeCloseTo(Math.cos((52.55 * Math.PI) / 180), 6);
  });

  it('keeps one device from zooming to nothing, and shows the world without any', () => {
    const one = fitView([{ latitude: 10, longitude: 20 }], 400, 400, 0);
    expect(one.bounds.north - one.bounds.south).toBeCloseTo(0.01, 6);
    expect(one.project({ latitude: 10, longitude: 20 })).toEqual({ x: 200, y: 200 });
    const none = fitView([], 800, 400);
    expect(none.bounds.west).toBeLessThanOrEqual(-180);
    expect(none.bounds.east).toBeGreaterThanOrEqual(180);
  });

  it('draws 2 to 8 graticule lines at a round step, labelled with hemispheres', () => {
    const view = fitView(
      [
        { latitude: -33.9, longitude: 18.4 },
        { latitude: -33.8, longitude: 18.6 },
      ],
      800,
      600,
    );
    const { latitudes, longitudes, step } = view.graticule;
    expect(step).toBe(0.02);
    expect(latitudes.length).toBeGreaterThanOrEqual(2);
    expect(latitudes.length).toBeLessThanOrEqual(8);
    for (const value of [...latitudes, ...longitudes])
      expect(Math.abs(value / step - Math.round(value / step))).toBeLessThan(1e-6);
    expect(formatDegrees(latitudes[0]!, step, 'latitude')).toMatch(/^33\.\d\d°S$/);
    expect(formatDegrees(18.5, step, 'longitude')).toBe('18.50°E');
    expect(formatDegrees(-0.5, 0.5, 'longitude')).toBe('0.5°W');
  });
});
