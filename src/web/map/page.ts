// The live map's page as the server sends it: the built template with the hashed URLs of
// its script and stylesheet and the map's settings filled in, and the Content-Security-Policy
// that lets it load tiles from the configured tile server and nothing else from elsewhere.
import type { MapConfig } from '../../config.ts';
import { type PreparedBundle, prepareFile, type StaticFile } from '../static.ts';

/** What the page reads from its `#map-config` element. */
export interface MapSettings {
  tileUrl: string;
  tileAttribution: string;
  staleAfterMs: number;
}

export async function renderMapPage(bundle: PreparedBundle, config: MapConfig): Promise<StaticFile> {
  const template = bundle.get('index.html');
  if (!template) throw new Error('The map bundle has no index.html');
  const settings: MapSettings = {
    tileUrl: config.tileUrl,
    tileAttribution: config.tileAttribution,
    staleAfterMs: config.staleAfterMs,
  };
  const html = template.body
    .toString('utf8')
    // JSON in a <script> element (the template has a JSON string there, so that it parses):
    // escaping "<" keeps a "</script>" in an attribution from ending the element.
    .replace('"{{settings}}"', () => JSON.stringify(settings).replaceAll('<', '\\u003c'))
    .replace(/\{\{([\w.-]+)\}\}/g, (_match, name: string) => {
      const file = bundle.get(name);
      if (!file) throw new Error(`The map page names ${name}, which the bundle does not have`);
      return file.url;
    });
  const page = await prepareFile({
    name: 'index.html',
    type: template.type,
    body: Buffer.from(html),
    hashed: false,
  });
  return { ...page, url: '/' };
}

/**
 * The origin a tile URL template loads from, as a CSP source: `{s}` (a subdomain letter)
 * becomes a `*.` wildcard, so `https://{s}.tile.example.com/{z}/{x}/{y}.png` gives
 * `https://*.tile.example.com`. Undefined for no tiles or a template that is no URL.
 */
export function tileOrigin(tileUrl: string): string | undefined {
  if (!tileUrl) return undefined;
  const marker = 'tile-subdomain-marker';
  let url: URL;
  try {
    url = new URL(tileUrl.replaceAll('{s}', marker).replace(/\{[^}]*\}/g, '0'));
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const labels = url.hostname.split('.');
  const last = labels.findLastIndex((label) => label.includes(marker));
  // A wildcard covers whole leftmost labels only: "tiles-{s}.example.com" → "*.example.com".
  const hostname = last === -1 ? url.hostname : ['*', ...labels.slice(last + 1)].join('.');
  return `${url.protocol}//${hostname}${url.port ? `:${url.port}` : ''}`;
}

/** The page talks only to this server; scripts and styles come only from here, images also from the tile server. */
export function mapContentSecurityPolicy(config: MapConfig): string {
  const tiles = tileOrigin(config.tileUrl);
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data:${tiles ? ` ${tiles}` : ''}`,
    "connect-src 'self'",
  ].join('; ');
}
