// A light lat/lon grid with labels, drawn on a canvas behind the map's panes: tiles cover
// it when they load, and without tiles (offline, a tile server down, none configured) it
// is what the devices are drawn on.
import type * as L from 'leaflet';
import { formatDegrees, graticuleLines, graticuleStep, wrapLongitude } from './projection.ts';

const LINE = '#c3cad3';
const LABEL = '#5f6b78';
/** Below Leaflet's zoom buttons. */
const LABELS_TOP = 140;

export function addGraticule(map: L.Map): void {
  const canvas = document.createElement('canvas');
  canvas.className = 'graticule';
  canvas.setAttribute('aria-hidden', 'true');
  map.getContainer().prepend(canvas);
  let pending = false;

  const draw = () => {
    pending = false;
    const { x: width, y: height } = map.getSize();
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const context = canvas.getContext('2d');
    if (!context || width === 0 || height === 0) return;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);

    const bounds = map.getBounds();
    const west = bounds.getWest();
    const east = bounds.getEast();
    const step = graticuleStep((east - west) / width);
    const latitudes = graticuleLines(bounds.getSouth(), bounds.getNorth(), step, -85, 85);
    const longitudes = graticuleLines(west, east, step, -Infinity, Infinity);
    const middle = bounds.getCenter();

    context.strokeStyle = LINE;
    context.lineWidth = 1;
    context.beginPath();
    for (const latitude of latitudes) {
      const y = Math.round(map.latLngToContainerPoint([latitude, middle.lng]).y) + 0.5;
      context.moveTo(0, y);
      context.lineTo(width, y);
    }
    for (const longitude of longitudes) {
      const x = Math.round(map.latLngToContainerPoint([middle.lat, longitude]).x) + 0.5;
      context.moveTo(x, 0);
      context.lineTo(x, height);
    }
    context.stroke();

    context.font = '11px system-ui, sans-serif';
    context.fillStyle = LABEL;
    context.strokeStyle = 'rgba(255, 255, 255, 0.85)';
    context.lineWidth = 3;
    const label = (text: string, x: number, y: number) => {
      context.strokeText(text, x, y);
      context.fillText(text, x, y);
    };
    // Latitudes on the left below the zoom buttons, longitudes along the bottom above the
    // attribution, neither in the corner where they would meet.
    for (const latitude of latitudes) {
      const { y } = map.latLngToContainerPoint([latitude, middle.lng]);
      if (y > LABELS_TOP && y < height - 40) label(formatDegrees(latitude, step, 'latitude'), 6, y - 4);
    }
    for (const longitude of longitudes) {
      const { x } = map.latLngToContainerPoint([middle.lat, longitude]);
      if (x > 60) label(formatDegrees(wrapLongitude(longitude), step, 'longitude'), x + 4, height - 24);
    }
    canvas.dataset.lines = String(latitudes.length + longitudes.length);
    canvas.dataset.step = String(step);
  };

  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(draw);
  };
  map.on('move zoom resize viewreset', schedule);
  schedule();
}
