// The live map: a key with locations:read, the group's devices on a Leaflet map (tiles from
// the configured server, a grid when they cannot load) with trails, moving live over
// graphql-sse and resuming from the last cursor after any disconnect (the client does that);
// the group's geofences and their events, live; and a device's path played back.
import { createGoFindMeClient, type GoFindMeClient, type GoFindMeError } from '../../client/index.ts';
import {
  type Fix,
  type GeofenceEvent,
  loadDevices,
  loadGeofences,
  RECENT_EVENTS,
  RECENT_LOCATIONS,
  STREAM_CURSORS,
  VIEWER,
} from './api.ts';
import { addToolbar, createBasemap } from './basemap.ts';
import { DeviceLayer } from './devices.ts';
import { watchGeofenceEvents } from './geofenceFeed.ts';
import { EventList, GeofenceLayer } from './geofences.ts';
import { Playback } from './playback.ts';
import { readSettings } from './settings.ts';

const KEY_STORAGE = 'gofindme:key';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

const settings = readSettings();
const form = $<HTMLFormElement>('#connect');
const keyInput = $<HTMLInputElement>('#key');
const statusLine = $('#status');

const map = createBasemap($('#map'), $('#tile-notice'), settings);
const toolbar = $('#map-toolbar');
addToolbar(map, toolbar);

let client: GoFindMeClient | undefined;
let stopWatching: (() => void)[] = [];

const playback = new Playback(
  map,
  {
    panel: $('#playback-panel'),
    form: $<HTMLFormElement>('#playback'),
    device: $<HTMLSelectElement>('#playback-device'),
    from: $<HTMLInputElement>('#playback-from'),
    to: $<HTMLInputElement>('#playback-to'),
    clear: $<HTMLButtonElement>('#playback-clear'),
    scrubber: $('#scrubber'),
    slider: $<HTMLInputElement>('#playback-slider'),
    play: $<HTMLButtonElement>('#playback-play'),
    info: $('#playback-info'),
    status: $('#playback-status'),
  },
  () => client,
);

const devices = new DeviceLayer(map, {
  staleAfterMs: settings.staleAfterMs,
  list: $<HTMLUListElement>('#devices'),
  count: $('#device-count'),
  followChip: $('#following'),
  onDevicesChanged: (ids) => playback.setDevices(ids),
  onSelect: (deviceId) => playback.choose(deviceId),
});
$('#fit-all').addEventListener('click', () => devices.fitAll());

const geofences = new GeofenceLayer(map);
const events = new EventList($<HTMLUListElement>('#events'), $('#event-count'), (deviceId) =>
  devices.select(deviceId, { reveal: true }),
);

// Tabs: Devices, Events, History.
const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role=tab]')];
for (const tab of tabs) {
  tab.addEventListener('click', () => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      $(`#${other.getAttribute('aria-controls')}`).hidden = !selected;
    }
    if (tab.id === 'tab-history') playback.resetRange();
  });
}

function setStatus(state: 'idle' | 'live' | 'reconnecting' | 'error', text: string) {
  statusLine.dataset.state = state;
  statusLine.textContent = text;
}

function describe(error: GoFindMeError): string {
  if (error.code === 'UNAUTHENTICATED') return `The key was refused: ${error.message}`;
  if (error.code === 'FORBIDDEN') return `This key may not read locations: ${error.message}`;
  return error.message;
}

let refreshing: Promise<void> | undefined;

/** Loads the group's geofences again (once at a time). */
function refreshGeofences(active: GoFindMeClient): Promise<void> {
  refreshing ??= loadGeofences(active)
    .then((loaded) => {
      if (client === active) geofences.show(loaded);
    })
    .finally(() => {
      refreshing = undefined;
    });
  return refreshing;
}

async function connect(key: string) {
  for (const stop of stopWatching) stop();
  stopWatching = [];
  await client?.close();
  devices.clear();
  geofences.clear();
  events.clear();
  playback.clear();
  setStatus('idle', 'Checking the key…');
  const active = createGoFindMeClient({ url: new URL('/graphql', location.href).toString(), apiKey: key });
  client = active;
  refreshing = undefined;
  try {
    const { viewer } = await active.request<
      { viewer: { name: string; scopes: string[]; group: { name: string } } },
      never
    >(VIEWER);
    if (!viewer.scopes.includes('LOCATIONS_READ')) {
      return setStatus('error', `The key “${viewer.name}” lacks the locations:read scope.`);
    }
    localStorage.setItem(KEY_STORAGE, key);
    // Where both streams are now, read before the history: they replay whatever is stored after.
    const cursors = await active.request<
      { viewer: { group: { streamCursor: string | null; geofenceEventCursor: string | null } } },
      never
    >(STREAM_CURSORS);
    const [known, recent, , recentEvents] = await Promise.all([
      loadDevices(active),
      active.request<{ locations: { edges: { node: Fix }[] } }, never>(RECENT_LOCATIONS),
      refreshGeofences(active),
      active.request<{ geofenceEvents: { edges: { node: GeofenceEvent }[] } }, never>(RECENT_EVENTS),
    ]);
    if (client !== active) return; // another key was entered meanwhile
    for (const device of known) if (device.lastLocation) devices.add(device.lastLocation);
    for (const { node } of recent.locations.edges) devices.add(node);
    for (const { node } of recentEvents.geofenceEvents.edges) events.add(node);

    const group = viewer.group.name;
    const { streamCursor, geofenceEventCursor } = cursors.viewer.group;
    stopWatching.push(
      active.watch({
        after: streamCursor ?? undefined,
        onLocation: (fix) => devices.add(fix as Fix),
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
      }),
      watchGeofenceEvents({
        url: new URL('/graphql', location.href).toString(),
        apiKey: key,
        after: geofenceEventCursor ?? undefined,
        onEvent: (event) => {
          events.add(event);
          // A geofence made since the map loaded them: load them again.
          if (!geofences.has(event.geofenceId)) void refreshGeofences(active).catch(() => {});
        },
        onError: (error) => setStatus('error', `Geofence events stopped: ${describe(error)}`),
      }),
    );
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

const saved = localStorage.getItem(KEY_STORAGE);
if (saved) {
  keyInput.value = saved;
  void connect(saved);
}
