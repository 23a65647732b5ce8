// The map itself: Leaflet (raster tiles, no WebGL: it works in every browser) with the
// configured tile server, the graticule under it, and a notice while tiles cannot load.
// Failed tiles are requested again every RETRY_MS, so the map heals once the server is back.
import * as L from 'leaflet';
import { addGraticule } from './graticule.ts';
import type { MapSettings } from './page.ts';

const RETRY_MS = 10_000;

export function createBasemap(container: HTMLElement, notice: HTMLElement, settings: MapSettings): L.Map {
  const map = L.map(container, { zoomControl: true, worldCopyJump: true, maxZoom: 19, minZoom: 1 });
  map.setView([20, 0], 2);
  const showZoom = () => {
    container.dataset.zoom = String(map.getZoom());
  };
  map.on('zoomend', showZoom);
  showZoom();
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  addGraticule(map);
  if (settings.tileUrl) watchTiles(map, notice, settings);
  return map;
}

function watchTiles(map: L.Map, notice: HTMLElement, settings: MapSettings) {
  const tiles = L.tileLayer(settings.tileUrl, {
    attribution: settings.tileAttribution,
    maxZoom: 19,
    // The page sends no referrer anywhere else; tile servers (OpenStreetMap's among them) ask for one.
    referrerPolicy: 'strict-origin-when-cross-origin',
  }).addTo(map);
  let loaded = 0;
  let failed = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const show = (unavailable: boolean) => {
    notice.hidden = !unavailable;
    map.getContainer().dataset.tiles = unavailable ? 'unavailable' : 'loaded';
    clearTimeout(retry);
    if (unavailable) retry = setTimeout(() => tiles.redraw(), RETRY_MS);
  };
  tiles.on('loading', () => {
    loaded = 0;
    failed = 0;
    if (notice.hidden) map.getContainer().dataset.tiles = 'loading';
  });
  tiles.on('tileload', () => {
    loaded++;
    if (!notice.hidden) show(false);
  });
  tiles.on('tileerror', () => {
    failed++;
  });
  // Every tile of the view has answered: none loaded means the tile server is out of reach.
  tiles.on('load', () => {
    if (failed > 0 && loaded === 0) show(true);
    else if (loaded > 0) show(false);
  });
  window.addEventListener('online', () => tiles.redraw());
}

/** A bar of buttons on the map (Fit all, what is followed). */
export function addToolbar(map: L.Map, element: HTMLElement): void {
  const control = new L.Control({ position: 'topright' });
  control.onAdd = () => {
    L.DomEvent.disableClickPropagation(element);
    return element;
  };
  control.addTo(map);
}
