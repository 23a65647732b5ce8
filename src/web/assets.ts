// The web pages the API server serves itself: the live map at `/`, and the hashed files of
// every bundle (the map's script and stylesheet, GraphiQL's once added) under /assets/,
// each built ahead by `npm run build` or in memory on first use (see static.ts). Nothing is
// loaded from another host except the map's tiles, from the tile server the settings name.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MapConfig } from '../config.ts';
import { mapBundle } from './map/bundle.ts';
import { mapContentSecurityPolicy, renderMapPage } from './map/page.ts';
import { ASSET_PREFIX, type Bundle, loadBundle, type StaticFile, sendFile } from './static.ts';

const MAP_PAGE = '/';

export class WebAssets {
  private readonly bundles: Bundle[] = [mapBundle];
  private page: Promise<StaticFile> | undefined;
  private readonly pageHeaders: Record<string, string>;

  constructor(readonly map: MapConfig) {
    this.pageHeaders = {
      'content-security-policy': mapContentSecurityPolicy(map),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    };
  }

  /** Serves `bundle`'s hashed files under /assets/ too (e.g. GraphiQL's). */
  addBundle(bundle: Bundle): this {
    if (!this.bundles.some((known) => known.name === bundle.name)) this.bundles.push(bundle);
    return this;
  }

  /** Whether `pathname` is the map page or a bundle's file (an unknown /assets/ path gets a 404 here). */
  serves(pathname: string): boolean {
    return pathname === MAP_PAGE || pathname.startsWith(ASSET_PREFIX);
  }

  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      return void res.end('Method not allowed\n');
    }
    if (pathname === MAP_PAGE) return sendFile(req, res, await this.mapPage(), this.pageHeaders);
    const file = await this.asset(pathname);
    if (!file) {
      res.writeHead(404, {
        'content-type': 'text/plain; charset=utf-8',
        'x-content-type-options': 'nosniff',
      });
      return void res.end('Not found\n');
    }
    sendFile(req, res, file, { 'x-content-type-options': 'nosniff' });
  }

  private mapPage(): Promise<StaticFile> {
    if (!this.page) {
      this.page = loadBundle(mapBundle).then((bundle) => renderMapPage(bundle, this.map));
      // A failed build is tried again on the next request.
      this.page.catch(() => {
        this.page = undefined;
      });
    }
    return this.page;
  }

  /** The hashed file at `pathname`, looked up bundle by bundle, so that a map file never waits for another bundle's build. */
  private async asset(pathname: string): Promise<StaticFile | undefined> {
    for (const bundle of this.bundles) {
      for (const file of (await loadBundle(bundle)).values()) {
        if (file.immutable && file.url === pathname) return file;
      }
    }
    return undefined;
  }
}
