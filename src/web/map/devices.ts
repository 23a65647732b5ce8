// The group's devices on the map and in the list: a marker with its name at the last fix,
// the last TRAIL_LENGTH fixes as a trail, a popup with what the last fix says, and stale
// devices (no fix for `staleAfterMs`) drawn grey and hollow. One device can be selected:
// its accuracy circle is drawn to scale and, while followed, the map keeps it in view.
import * as L from 'leaflet';
import type { Fix } from './api.ts';
import { ago, colorOf, coordinates, dateTime, el, kmh, metres, percent } from './format.ts';

const TRAIL_LENGTH = 30;
const STALE_COLOR = '#8a949e';

interface Device {
  deviceId: string;
  color: string;
  trail: Fix[];
  marker: L.Marker;
  path: L.Polyline;
  popup: HTMLElement;
  /** Its entry in the list, updated in place (so that keyboard focus stays on it). */
  item: HTMLLIElement;
  stale: boolean;
}

export interface DeviceLayerOptions {
  staleAfterMs: number;
  list: HTMLUListElement;
  count: HTMLElement;
  /** Shows what is followed ("Following truck-1"), with a button to stop; hidden when nothing is. */
  followChip: HTMLElement;
  onDevicesChanged?: (deviceIds: string[]) => void;
  onSelect?: (deviceId: string) => void;
}

export class DeviceLayer {
  private readonly devices = new Map<string, Device>();
  private readonly seen = new Set<string>();
  private readonly trails = L.layerGroup();
  private readonly markers = L.layerGroup();
  private selected: string | undefined;
  private following = false;
  private accuracy: L.Circle | undefined;
  private listPending = false;
  private fitPending = false;
  /** Until the user moves the map, the view fits the devices as they appear. */
  private userMoved = false;

  constructor(
    private readonly map: L.Map,
    private readonly options: DeviceLayerOptions,
  ) {
    this.trails.addTo(map);
    this.markers.addTo(map);
    const container = map.getContainer();
    const moved = () => {
      this.userMoved = true;
    };
    container.addEventListener('wheel', moved, { passive: true });
    container.addEventListener('pointerdown', moved);
    map.on('dragstart', () => {
      moved();
      this.follow(false); // a user who drags the map wants to look elsewhere
    });
    map.on('zoomend moveend', () => this.updateAccuracy());
    options.followChip.querySelector('button')?.addEventListener('click', () => this.follow(false));
    const choose = (event: Event) => {
      const item = (event.target as Element).closest<HTMLElement>('li[data-device-id]');
      if (item?.dataset.deviceId) this.select(item.dataset.deviceId, { reveal: true });
    };
    options.list.addEventListener('click', choose);
    options.list.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      event.preventDefault();
      choose(event);
    });
    setInterval(() => this.refresh(), 1000); // "seen … ago" keeps counting; devices go stale
  }

  get deviceIds(): string[] {
    return [...this.devices.keys()].sort();
  }

  /** Adds a fix (once: history and a stream's replay overlap). */
  add(fix: Fix): void {
    if (this.seen.has(fix.id)) return;
    this.seen.add(fix.id);
    let device = this.devices.get(fix.deviceId);
    if (!device) {
      device = this.create(fix);
      this.devices.set(fix.deviceId, device);
      this.options.onDevicesChanged?.(this.deviceIds);
      if (!this.userMoved && !this.following) this.scheduleFit();
    }
    device.trail.push(fix);
    device.trail.sort((a, b) => a.recordedAt.localeCompare(b.recordedAt));
    if (device.trail.length > TRAIL_LENGTH) device.trail.splice(0, device.trail.length - TRAIL_LENGTH);
    this.update(device);
    if (!this.userMoved && !this.following && !this.inView(last(device).latLng, 40)) {
      this.scheduleFit(); // until the user moves the map, it shows every device
    }
    if (device.deviceId === this.selected) {
      this.updateAccuracy();
      if (this.following) this.keepInView(device);
    }
    this.scheduleList();
  }

  clear(): void {
    this.trails.clearLayers();
    this.markers.clearLayers();
    this.devices.clear();
    this.seen.clear();
    this.options.list.replaceChildren();
    this.select(undefined);
    this.userMoved = false;
    this.options.onDevicesChanged?.([]);
    this.scheduleList();
  }

  /** Fits the view to every device's last position (and to new devices, until the user moves the map). */
  fitAll(): void {
    const positions = [...this.devices.values()].map((device) => last(device).latLng);
    this.userMoved = false; // and keep fitting as devices appear, until the user moves the map
    if (positions.length === 0) return;
    this.follow(false);
    this.map.fitBounds(L.latLngBounds(positions), { padding: [48, 48], maxZoom: 16 });
  }

  /** Selects a device (and follows it) or, with undefined, none; `reveal` brings it into view. */
  select(deviceId: string | undefined, { reveal = false } = {}): void {
    const device = deviceId === undefined ? undefined : this.devices.get(deviceId);
    this.selected = device?.deviceId;
    for (const other of this.devices.values()) {
      other.marker.getElement()?.classList.toggle('selected', other === device);
      this.stack(other);
    }
    this.follow(device !== undefined);
    this.updateAccuracy();
    if (device) this.options.onSelect?.(device.deviceId);
    if (device && reveal) {
      const { latLng } = last(device);
      if (this.map.getZoom() < 14) this.map.setView(latLng, 16);
      else this.map.panTo(latLng);
      device.marker.openPopup();
      // On a phone the list is below the map: bring the map back up.
      const container = this.map.getContainer();
      if (container.getBoundingClientRect().top < 0) container.scrollIntoView({ behavior: 'smooth' });
    }
    this.scheduleList();
  }

  private follow(on: boolean): void {
    this.following = on && this.selected !== undefined;
    const chip = this.options.followChip;
    chip.hidden = !this.following;
    const name = chip.querySelector('.name');
    if (name) name.textContent = this.selected ?? '';
  }

  private scheduleFit(): void {
    if (this.fitPending) return;
    this.fitPending = true;
    requestAnimationFrame(() => {
      this.fitPending = false;
      if (!this.userMoved && !this.following) this.fitAll();
    });
  }

  private keepInView(device: Device): void {
    const { latLng } = last(device);
    if (!this.inView(latLng, 80)) this.map.panTo(latLng);
  }

  /** Whether a position is on screen, at least `margin` pixels from the map's edges. */
  private inView(latLng: L.LatLng, margin: number): boolean {
    const { x, y } = this.map.latLngToContainerPoint(latLng);
    const size = this.map.getSize();
    return x >= margin && y >= margin && x <= size.x - margin && y <= size.y - margin;
  }

  private create(fix: Fix): Device {
    const color = colorOf(fix.deviceId);
    const dot = el('span', 'dot');
    const icon = L.divIcon({
      className: 'device',
      html: el('span', 'device-icon', dot, el('span', 'label', fix.deviceId)),
      iconSize: [18, 18],
      iconAnchor: [9, 9],
      popupAnchor: [0, -10],
    });
    const marker = L.marker([fix.latitude, fix.longitude], {
      icon,
      title: fix.deviceId,
      riseOnHover: true,
      keyboard: true,
    });
    const popup = el('div', 'device-popup');
    marker.bindPopup(popup, { minWidth: 220, autoPanPadding: [24, 24] });
    marker.on('click', () => this.select(fix.deviceId));
    marker.addTo(this.markers);
    const element = marker.getElement()!;
    element.dataset.deviceId = fix.deviceId;
    element.style.setProperty('--color', color);
    const path = L.polyline([], { color, weight: 3, opacity: 0.7, className: 'trail', interactive: false });
    path.addTo(this.trails);
    path.getElement()?.setAttribute('data-device-id', fix.deviceId);
    const item = el('li');
    item.dataset.deviceId = fix.deviceId;
    item.tabIndex = 0;
    item.setAttribute('role', 'button');
    return { deviceId: fix.deviceId, color, trail: [], marker, path, popup, item, stale: false };
  }

  private update(device: Device): void {
    const { fix, latLng } = last(device);
    device.marker.setLatLng(latLng);
    device.path.setLatLngs(device.trail.map((point) => [point.latitude, point.longitude]));
    const element = device.marker.getElement();
    if (element) {
      element.dataset.latitude = String(fix.latitude);
      element.dataset.longitude = String(fix.longitude);
      element.dataset.fixes = String(device.trail.length);
    }
    this.updateStale(device);
    this.fillPopup(device);
  }

  private updateStale(device: Device): void {
    const stale = Date.now() - Date.parse(last(device).fix.recordedAt) > this.options.staleAfterMs;
    const element = device.marker.getElement();
    if (element && element.dataset.stale !== String(stale)) {
      element.dataset.stale = String(stale);
      element.classList.toggle('stale', stale);
    }
    if (stale === device.stale) return;
    device.stale = stale;
    this.stack(device);
    device.path.setStyle({ color: stale ? STALE_COLOR : device.color, dashArray: stale ? '4 6' : undefined });
  }

  /** The selected device above the others, stale ones below. */
  private stack(device: Device): void {
    device.marker.setZIndexOffset(device.deviceId === this.selected ? 1000 : device.stale ? -1000 : 0);
  }

  private fillPopup(device: Device): void {
    const { fix } = last(device);
    const row = (term: string, ...values: string[]) => [
      el('dt', '', term),
      el('dd', '', ...values.flatMap((value, i) => (i === 0 ? [value] : [el('br'), value]))),
    ];
    const title = el('div', 'popup-title', el('strong', '', device.deviceId));
    if (device.stale) title.append(el('span', 'badge stale', 'stale'));
    device.popup.replaceChildren(
      title,
      el(
        'dl',
        '',
        ...row('Last seen', ago(fix.recordedAt), dateTime(fix.recordedAt)),
        ...row('Speed', fix.speed == null ? '—' : kmh(fix.speed)),
        ...row('Battery', fix.battery == null ? '—' : percent(fix.battery)),
        ...row('Accuracy', fix.accuracy == null ? '—' : metres(fix.accuracy)),
        ...row('Position', coordinates(fix.latitude, fix.longitude)),
      ),
    );
    device.popup.dataset.deviceId = device.deviceId;
  }

  private updateAccuracy(): void {
    const device = this.selected === undefined ? undefined : this.devices.get(this.selected);
    const fix = device && last(device).fix;
    if (!device || !fix || fix.accuracy == null) {
      this.accuracy?.remove();
      this.accuracy = undefined;
      return;
    }
    const center: L.LatLngExpression = [fix.latitude, fix.longitude];
    if (!this.accuracy) {
      this.accuracy = L.circle(center, {
        radius: fix.accuracy,
        className: 'accuracy',
        color: device.color,
        weight: 1,
        fillOpacity: 0.15,
        interactive: false,
      }).addTo(this.trails);
    } else {
      this.accuracy.setLatLng(center).setRadius(fix.accuracy).setStyle({ color: device.color });
    }
    const element = this.accuracy.getElement();
    element?.setAttribute('data-device-id', device.deviceId);
    element?.setAttribute('data-radius', String(fix.accuracy));
  }

  private refresh(): void {
    for (const device of this.devices.values()) {
      this.updateStale(device);
      if (device.marker.isPopupOpen()) this.fillPopup(device);
    }
    this.renderList();
  }

  private scheduleList(): void {
    if (this.listPending) return;
    this.listPending = true;
    requestAnimationFrame(() => {
      this.listPending = false;
      this.renderList();
    });
  }

  private renderList(): void {
    const devices = [...this.devices.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
    this.options.count.textContent = devices.length ? String(devices.length) : '';
    const list = this.options.list;
    if (devices.some((device, i) => list.children[i] !== device.item)) {
      list.replaceChildren(...devices.map((device) => device.item));
    }
    for (const device of devices) {
      const { fix } = last(device);
      const swatch = el('span', 'swatch');
      swatch.style.setProperty('--color', device.color);
      const name = el('div', 'name', swatch, el('span', 'id', device.deviceId));
      if (device.stale) name.append(el('span', 'badge stale', 'stale'));
      const parts = [`seen ${ago(fix.recordedAt)}`];
      if (fix.speed != null) parts.push(kmh(fix.speed));
      if (fix.battery != null) parts.push(`battery ${percent(fix.battery)}`);
      const detail = el('div', 'detail', parts.join(' · '));
      detail.dataset.lastSeen = fix.recordedAt;
      const { item } = device;
      item.replaceChildren(name, detail);
      item.classList.toggle('stale', device.stale);
      item.dataset.stale = String(device.stale);
      if (device.deviceId === this.selected) item.setAttribute('aria-current', 'true');
      else item.removeAttribute('aria-current');
    }
  }
}

function last(device: Device): { fix: Fix; latLng: L.LatLng } {
  const fix = device.trail.at(-1)!;
  return { fix, latLng: L.latLng(fix.latitude, fix.longitude) };
}
