// The map's settings, as the server put them into the page (see page.ts): the tile server,
// its attribution, and when a device counts as stale.
import type { MapSettings } from './page.ts';

export function readSettings(): MapSettings {
  const element = document.querySelector('#map-config');
  const fallback: MapSettings = { tileUrl: '', tileAttribution: '', staleAfterMs: 5 * 60_000 };
  try {
    return { ...fallback, ...(JSON.parse(element?.textContent ?? '{}') as Partial<MapSettings>) };
  } catch {
    return fallback;
  }
}
