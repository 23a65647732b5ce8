// The group's geofences on the map (circles and GeoJSON polygons, named in a tooltip) and
// their events, newest first, in the Events panel as they happen.
import * as L from 'leaflet';
import type { Geofence, GeofenceEvent } from './api.ts';
import { el, timeOfDay } from './format.ts';

const COLOR = '#6d28d9';
const MAX_EVENTS = 50;

export class GeofenceLayer {
  private readonly layer = L.featureGroup();
  private readonly known = new Set<string>();

  constructor(map: L.Map) {
    this.layer.addTo(map);
  }

  has(id: string): boolean {
    return this.known.has(id);
  }

  show(geofences: readonly Geofence[]): void {
    this.layer.clearLayers();
    this.known.clear();
    for (const geofence of geofences) {
      const shape = shapeOf(geofence);
      if (!shape) continue;
      shape.bindTooltip(el('span', '', geofence.name), { sticky: true, className: 'geofence-tooltip' });
      shape.addTo(this.layer);
      const element = shape.getElement();
      element?.setAttribute('data-geofence-id', geofence.id);
      element?.setAttribute('data-name', geofence.name);
      this.known.add(geofence.id);
    }
  }

  clear(): void {
    this.show([]);
  }
}

function shapeOf(geofence: Geofence): L.Path | undefined {
  const style: L.PathOptions = {
    color: COLOR,
    weight: 2,
    dashArray: '6 4',
    fillColor: COLOR,
    fillOpacity: 0.08,
    className: 'geofence',
  };
  if (geofence.circle) {
    const { latitude, longitude, radiusMeters } = geofence.circle;
    return L.circle([latitude, longitude], { ...style, radius: radiusMeters });
  }
  const rings = geofence.polygon?.coordinates;
  if (!rings?.length) return undefined;
  // GeoJSON positions are [longitude, latitude]; the boundary first, then the holes.
  const latLngs = rings.map((ring) => ring.map(([longitude, latitude]) => L.latLng(latitude!, longitude!)));
  return L.polygon(latLngs, style);
}

const VERBS: Record<GeofenceEvent['type'], string> = { ENTER: 'entered', EXIT: 'left', DWELL: 'dwelled in' };

/** The Events panel: one line per event, newest first, at most MAX_EVENTS. */
export class EventList {
  private readonly seen = new Set<string>();

  constructor(
    private readonly list: HTMLUListElement,
    private readonly count: HTMLElement,
    onChoose: (deviceId: string) => void,
  ) {
    list.addEventListener('click', (event) => {
      const item = (event.target as Element).closest<HTMLElement>('li[data-device-id]');
      if (item?.dataset.deviceId) onChoose(item.dataset.deviceId);
    });
  }

  add(event: GeofenceEvent): void {
    if (this.seen.has(event.id)) return; // the recent events and the stream's replay overlap
    this.seen.add(event.id);
    const what = `${event.deviceId} ${VERBS[event.type]} ${event.geofenceName}`;
    const item = el(
      'li',
      `event ${event.type.toLowerCase()}`,
      el('span', 'what', what, event.removed ? ' (geofence removed)' : ''),
      el('span', 'when', ` · ${timeOfDay(event.occurredAt)}`),
    );
    item.dataset.type = event.type;
    item.dataset.deviceId = event.deviceId;
    item.dataset.occurredAt = event.occurredAt;
    item.title = new Date(event.occurredAt).toLocaleString();
    // Newest first by when it happened (a replay or a late fix may bring an older one);
    // of events at the same time (an EXIT and an ENTER of one fix), the later committed first.
    const older = [...this.list.children].find(
      (other) => (other as HTMLElement).dataset.occurredAt! <= event.occurredAt,
    );
    this.list.insertBefore(item, older ?? null);
    while (this.list.children.length > MAX_EVENTS) this.list.lastElementChild?.remove();
    this.count.textContent = String(this.list.children.length);
  }

  clear(): void {
    this.seen.clear();
    this.list.replaceChildren();
    this.count.textContent = '';
  }
}
