// The live map: a key with locations:read, the group's devices as markers with short
// trails, moving live over graphql-sse, and resuming from the last cursor after any
// disconnect (the client does that). Everything is drawn on SVG: no tiles, no CDN.
import { createGoFindMeClient, type GoFindMeClient, type GoFindMeError } from '../../client/index.ts';
import { fitView, formatDegrees, type Point } from './projection.ts';

interface Fix extends Point {
  id: string;
  cursor: string;
  deviceId: string;
  speed?: number | null;
  battery?: number | null;
  recordedAt: string;
  receivedAt: string;
}

interface Device {
  deviceId: string;
  trail: Fix[];
  color: string;
}

const TRAIL_LENGTH = 30;
const KEY_STORAGE = 'gofindme:key';
const SVG = 'http://www.w3.org/2000/svg';

const FIX_FIELDS = 'id cursor deviceId latitude longitude speed battery recordedAt receivedAt';
const VIEWER = '{ viewer { name scopes group { name } } }';
const RECENT = `{ locations(last: 500) { edges { node { ${FIX_FIELDS} } } } }`;

const form = document.querySelector<HTMLFormElement>('#connect')!;
const keyInput = document.querySelector<HTMLInputElement>('#key')!;
const statusLine = document.querySelector<HTMLElement>('#status')!;
const map = document.querySelector<SVGSVGElement>('#map')!;
const list = document.querySelector<HTMLUListElement>('#devices')!;
const count = document.querySelector<HTMLElement>('#count')!;

const devices = new Map<string, Device>();
const seen = new Set<string>();
let client: GoFindMeClient | undefined;
let unwatch: (() => void) | undefined;
let drawPending = false;

function setStatus(state: 'idle' | 'live' | 'reconnecting' | 'error', text: string) {
  statusLine.dataset.state = state;
  statusLine.textContent = text;
}

function colorOf(deviceId: string): string {
  let hash = 0;
  for (const char of deviceId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  // Golden-angle steps keep similar ids (truck-1, truck-2) far apart on the colour wheel.
  return `hsl(${Math.round((hash * 137.508) % 360)} 70% 42%)`;
}

function add(fix: Fix) {
  if (seen.has(fix.id)) return; // history and the stream's replay overlap
  seen.add(fix.id);
  let device = devices.get(fix.deviceId);
  if (!device) {
    device = { deviceId: fix.deviceId, trail: [], color: colorOf(fix.deviceId) };
    devices.set(fix.deviceId, device);
  }
  device.trail.push(fix);
  device.trail.sort((a, b) => a.recordedAt.localeCompare(b.recordedAt));
  if (device.trail.length > TRAIL_LENGTH) device.trail.splice(0, device.trail.length - TRAIL_LENGTH);
  scheduleDraw();
}

function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    draw();
  });
}

function element<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>) {
  const node = document.createElementNS(SVG, name);
  for (const [attribute, value] of Object.entries(attributes)) node.setAttribute(attribute, String(value));
  return node;
}

function draw() {
  const width = map.clientWidth;
  const height = map.clientHeight;
  const points = [...devices.values()].flatMap((device) => device.trail);
  const view = fitView(points, width, height);
  map.setAttribute('viewBox', `0 0 ${width} ${height}`);
  map.replaceChildren();

  const grid = element('g', { class: 'graticule' });
  const { latitudes, longitudes, step } = view.graticule;
  for (const latitude of latitudes) {
    const { y } = view.project({ latitude, longitude: view.bounds.west });
    grid.append(element('line', { x1: 0, x2: width, y1: y, y2: y }));
    const label = element('text', { x: 4, y: y - 3 });
    label.textContent = formatDegrees(latitude, step, 'latitude');
    grid.append(label);
  }
  for (const longitude of longitudes) {
    const { x } = view.project({ latitude: view.bounds.south, longitude });
    grid.append(element('line', { x1: x, x2: x, y1: 0, y2: height }));
    const label = element('text', { x: x + 3, y: height - 4 });
    label.textContent = formatDegrees(longitude, step, 'longitude');
    grid.append(label);
  }
  map.append(grid);

  for (const device of devices.values()) {
    const screen = device.trail.map((fix) => view.project(fix));
    map.append(
      element('polyline', {
        class: 'trail',
        stroke: device.color,
        points: screen.map(({ x, y }) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' '),
      }),
    );
    const last = device.trail.at(-1)!;
    const { x, y } = screen.at(-1)!;
    const marker = element('g', {
      class: 'device',
      'data-device-id': device.deviceId,
      'data-latitude': last.latitude,
      'data-longitude': last.longitude,
      'data-fixes': device.trail.length,
      transform: `translate(${x.toFixed(1)} ${y.toFixed(1)})`,
    });
    marker.append(element('circle', { r: 7, fill: device.color }));
    const label = element('text', { x: 10, y: 4 });
    label.textContent = device.deviceId;
    marker.append(label);
    map.append(marker);
  }
  drawList();
}

function ago(iso: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleString();
}

function drawList() {
  const sorted = [...devices.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  count.textContent = `(${sorted.length})`;
  list.replaceChildren(
    ...sorted.map((device) => {
      const last = device.trail.at(-1)!;
      const item = document.createElement('li');
      item.dataset.deviceId = device.deviceId;
      const name = document.createElement('div');
      name.className = 'name';
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = device.color;
      name.append(swatch, device.deviceId);
      const detail = document.createElement('div');
      detail.className = 'detail';
      const parts = [`seen ${ago(last.recordedAt)}`];
      if (last.speed != null) parts.push(`${(last.speed * 3.6).toFixed(0)} km/h`);
      if (last.battery != null) parts.push(`battery ${Math.round(last.battery)}%`);
      detail.textContent = parts.join(' · ');
      detail.dataset.lastSeen = last.recordedAt;
      item.append(name, detail);
      return item;
    }),
  );
}

function describe(error: GoFindMeError): string {
  if (error.code === 'UNAUTHENTICATED') return `The key was refused: ${error.message}`;
  if (error.code === 'FORBIDDEN') return `This key may not read locations: ${error.message}`;
  return error.message;
}

async function connect(key: string) {
  unwatch?.();
  await client?.close();
  devices.clear();
  seen.clear();
  scheduleDraw();
  setStatus('idle', 'Checking the key…');
  client = createGoFindMeClient({ url: new URL('/graphql', location.href).toString(), apiKey: key });
  try {
    const { viewer } = await client.request<
      { viewer: { name: string; scopes: string[]; group: { name: string } } },
      never
    >(VIEWER);
    if (!viewer.scopes.includes('LOCATIONS_READ')) {
      return setStatus('error', `The key “${viewer.name}” lacks the locations:read scope.`);
    }
    localStorage.setItem(KEY_STORAGE, key);
    const recent = await client.request<{ locations: { edges: { node: Fix }[] } }, never>(RECENT);
    const fixes = recent.locations.edges.map((edge) => edge.node);
    for (const fix of fixes) add(fix);
    // Resume after the newest stored fix: the stream replays anything stored since.
    const newest = fixes.reduce<Fix | undefined>(
      (a, b) => (a && a.receivedAt >= b.receivedAt ? a : b),
      undefined,
    );
    const group = viewer.group.name;
    unwatch = client.watch({
      after: newest?.cursor,
      onLocation: (location) => add(location as Fix),
      onStatus: (status, error) => {
        if (status === 'connected') setStatus('live', `Live · group ${group}`);
        if (status === 'reconnecting') {
          setStatus(
            'reconnecting',
            `Connection lost (${error?.message ?? 'network'}); reconnecting, nothing will be missed…`,
          );
        }
      },
      onError: (error) => {
        if (error.code === 'CURSOR_EXPIRED')
          return setStatus('reconnecting', 'Older locations expired; live from now.');
        setStatus('error', describe(error));
      },
    });
  } catch (error) {
    const failure = error as GoFindMeError;
    setStatus(
      'error',
      failure.code === 'NETWORK_ERROR'
        ? `The server cannot be reached: ${failure.message}`
        : describe(failure),
    );
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void connect(keyInput.value.trim());
});
window.addEventListener('resize', scheduleDraw);
setInterval(drawList, 1000); // "seen … ago" keeps counting

const saved = localStorage.getItem(KEY_STORAGE);
if (saved) {
  keyInput.value = saved;
  void connect(saved);
}
scheduleDraw();
