// The graticule the map draws under its tiles: a round step for the scale, the lines of
// that step in view (never beyond the poles the map shows), and labels with hemispheres.
import { describe, expect, it } from 'vitest';
import { formatDegrees, graticuleLines, graticuleStep, wrapLongitude } from '../src/web/map/projection.ts';

describe('the map graticule', () => {
  it('picks the smallest round step whose lines are far enough apart', () => {
    // A city at zoom 13: about 0.00017° per pixel; 90 px apart needs 0.02°.
    expect(graticuleStep(0.00017)).toBe(0.02);
    expect(graticuleStep(0.00017, 50)).toBe(0.01);
    // The whole world on 1000 px: 0.36° per pixel.
    expect(graticuleStep(0.36)).toBe(45);
    expect(graticuleStep(10)).toBe(90);
    for (const degreesPerPixel of [1e-6, 0.0003, 0.004, 0.07, 0.9]) {
      const step = graticuleStep(degreesPerPixel);
      expect(step / degreesPerPixel).toBeGreaterThanOrEqual(90);
    }
  });

  it('draws the multiples of the step inside the view and within the limits', () => {
    expect(graticuleLines(52.47, 52.58, 0.02, -85, 85)).toEqual([52.48, 52.5, 52.52, 52.54, 52.56, 52.58]);
    expect(graticuleLines(-100, 100, 45, -85, 85)).toEqual([-45, 0, 45]);
    expect(graticuleLines(170, 200, 10, -Infinity, Infinity)).toEqual([170, 180, 190, 200]);
    expect(graticuleLines(13.401, 13.409, 0.01, -180, 180)).toEqual([]);
  });

  it('labels lines with hemispheres, as precise as the step', () => {
    expect(formatDegrees(52.48, 0.02, 'latitude')).toBe('52.48°N');
    expect(formatDegrees(-33.9, 0.1, 'latitude')).toBe('33.9°S');
    expect(formatDegrees(18.5, 0.02, 'longitude')).toBe('18.50°E');
    expect(formatDegrees(-0.5, 0.5, 'longitude')).toBe('0.5°W');
    expect(formatDegrees(45, 45, 'longitude')).toBe('45°E');
    expect(formatDegrees(0, 1, 'latitude')).toBe('0°');
  });

  it('names the longitude of a repeated world as -180 to 180', () => {
    expect(wrapLongitude(190)).toBe(-170);
    expect(wrapLongitude(-190)).toBe(170);
    expect(wrapLongitude(180)).toBe(180);
    expect(wrapLongitude(-180)).toBe(-180);
    expect(wrapLongitude(13.4 + 360)).toBeCloseTo(13.4, 9);
  });
});
