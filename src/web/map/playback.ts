// History playback: a device's path over a time range (every page of `locations`), drawn
// as a line, with a slider (and play/pause) that moves a marker along it and shows the time
// and speed at each fix.
import * as L from 'leaflet';
import type { GoFindMeClient, GoFindMeError } from '../../client/index.ts';
import { type Fix, HISTORY_LIMIT, loadPath } from './api.ts';
import { coordinates, dateTime, kmh, localInputValue } from './format.ts';

const COLOR = '#d9480f';
/** A whole path plays in about this long, however many fixes it has. */
const PLAY_MS = 12_000;

export interface PlaybackElements {
  panel: HTMLElement;
  form: HTMLFormElement;
  device: HTMLSelectElement;
  from: HTMLInputElement;
  to: HTMLInputElement;
  clear: HTMLButtonElement;
  scrubber: HTMLElement;
  slider: HTMLInputElement;
  play: HTMLButtonElement;
  info: HTMLElement;
  status: HTMLElement;
}

export class Playback {
  private readonly layer = L.layerGroup();
  private readonly marker = L.circleMarker([0, 0], {
    radius: 8,
    color: 'white',
    weight: 3,
    fillColor: COLOR,
    fillOpacity: 1,
    className: 'playback-marker',
  });
  private path: Fix[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private rangeEdited = false;

  constructor(
    private readonly map: L.Map,
    private readonly ui: PlaybackElements,
    private readonly client: () => GoFindMeClient | undefined,
  ) {
    this.layer.addTo(map);
    ui.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.load();
    });
    for (const input of [ui.from, ui.to]) input.addEventListener('change', () => (this.rangeEdited = true));
    ui.clear.addEventListener('click', () => this.clear());
    ui.slider.addEventListener('input', () => {
      this.pause();
      this.show(Number(ui.slider.value));
    });
    ui.play.addEventListener('click', () => (this.timer ? this.pause() : this.play()));
    this.resetRange();
  }

  /** The last hour, unless the user chose a range. */
  resetRange(): void {
    if (this.rangeEdited) return;
    const now = new Date();
    this.ui.from.value = localInputValue(new Date(now.getTime() - 3600_000));
    // To the end of this minute: the input has no seconds, and a fix from a moment ago belongs in.
    this.ui.to.value = localInputValue(new Date(now.getTime() + 60_000));
  }

  /** The devices to choose from; keeps the choice. */
  setDevices(deviceIds: readonly string[]): void {
    const current = this.ui.device.value;
    const ids = [...new Set([...deviceIds, ...(current ? [current] : [])])].sort();
    this.ui.device.replaceChildren(
      ...ids.map((id) => {
        const option = document.createElement('option');
        option.value = id;
        option.textContent = id;
        return option;
      }),
    );
    if (current) this.ui.device.value = current;
  }

  /** Makes `deviceId` the device to load (the one selected on the map). */
  choose(deviceId: string): void {
    if ([...this.ui.device.options].some((option) => option.value === deviceId)) {
      this.ui.device.value = deviceId;
    }
  }

  clear(): void {
    this.pause();
    this.layer.clearLayers();
    this.path = [];
    this.ui.scrubber.hidden = true;
    this.ui.panel.dataset.points = '0';
    this.setStatus('');
  }

  private async load(): Promise<void> {
    const client = this.client();
    const deviceId = this.ui.device.value;
    const from = new Date(this.ui.from.value);
    const to = new Date(this.ui.to.value);
    if (!client) return this.setStatus('Connect with a key first.', true);
    if (!deviceId) return this.setStatus('Choose a device.', true);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) {
      return this.setStatus('Choose a time range: “from” before “to”.', true);
    }
    this.clear();
    this.setStatus(`Loading the path of ${deviceId}…`);
    this.ui.panel.dataset.loading = 'true';
    let path: Fix[];
    try {
      path = await loadPath(client, deviceId, from, to, (count) =>
        this.setStatus(`Loading the path of ${deviceId}… ${count.toLocaleString()} fixes`),
      );
    } catch (error) {
      return this.setStatus(`The path could not be loaded: ${(error as GoFindMeError).message}`, true);
    } finally {
      delete this.ui.panel.dataset.loading;
    }
    if (path.length === 0) return this.setStatus(`${deviceId} has no fixes in this range.`);
    this.path = path;
    const latLngs = path.map((fix) => L.latLng(fix.latitude, fix.longitude));
    // smoothFactor 0: every fix is a vertex of the line (Leaflet would merge close ones).
    const line = L.polyline(latLngs, {
      color: COLOR,
      weight: 4,
      opacity: 0.85,
      smoothFactor: 0,
      className: 'playback-path',
      interactive: false,
    }).addTo(this.layer);
    L.circleMarker(latLngs[0]!, { radius: 5, color: COLOR, fillColor: 'white', fillOpacity: 1, weight: 2 })
      .bindTooltip('start')
      .addTo(this.layer);
    this.marker.addTo(this.layer);
    this.map.fitBounds(line.getBounds(), { padding: [48, 48], maxZoom: 17 });
    this.ui.panel.dataset.points = String(path.length);
    this.ui.panel.dataset.deviceId = deviceId;
    this.ui.slider.max = String(path.length - 1);
    this.ui.scrubber.hidden = false;
    this.show(0);
    const capped = path.length >= HISTORY_LIMIT ? ` (the first ${HISTORY_LIMIT.toLocaleString()})` : '';
    this.setStatus(`${path.length.toLocaleString()} fixes of ${deviceId}${capped}.`);
  }

  private show(index: number): void {
    const fix = this.path[index];
    if (!fix) return;
    this.ui.slider.value = String(index);
    this.ui.panel.dataset.index = String(index);
    this.marker.setLatLng([fix.latitude, fix.longitude]);
    const element = this.marker.getElement();
    element?.setAttribute('data-latitude', String(fix.latitude));
    element?.setAttribute('data-longitude', String(fix.longitude));
    const speed = fix.speed == null ? 'speed unknown' : kmh(fix.speed);
    this.ui.info.replaceChildren(
      Object.assign(document.createElement('strong'), { textContent: dateTime(fix.recordedAt) }),
      document.createElement('br'),
      `${speed} · ${coordinates(fix.latitude, fix.longitude)} · ${index + 1}/${this.path.length}`,
    );
  }

  private play(): void {
    if (this.path.length < 2) return;
    let index = Number(this.ui.slider.value);
    if (index >= this.path.length - 1) index = 0;
    this.show(index);
    this.ui.play.textContent = 'Pause';
    this.ui.play.setAttribute('aria-pressed', 'true');
    const interval = Math.min(500, Math.max(16, PLAY_MS / this.path.length));
    const stride = Math.max(1, Math.round((16 * this.path.length) / PLAY_MS));
    this.timer = setInterval(() => {
      index = Math.min(index + stride, this.path.length - 1);
      this.show(index);
      if (index >= this.path.length - 1) this.pause();
    }, interval);
  }

  private pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.ui.play.textContent = 'Play';
    this.ui.play.setAttribute('aria-pressed', 'false');
  }

  private setStatus(text: string, error = false): void {
    this.ui.status.textContent = text;
    this.ui.status.classList.toggle('error', error);
  }
}
