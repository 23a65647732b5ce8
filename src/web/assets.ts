// The live map's files, served by the API server itself: the page, its stylesheet and
// its script, which esbuild bundles from src/web/map (with the client) on first request.
// Nothing is loaded from elsewhere, so the map works on a machine without internet.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { build } from 'esbuild';
import type { MapConfig } from '../config.ts';

const MAP_DIR = path.join(import.meta.dirname, 'map');

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const ROUTES: Record<string, { type: string; load: () => Promise<Buffer> }> = {
  '/': { type: 'text/html; charset=utf-8', load: () => readFile(path.join(MAP_DIR, 'index.html')) },
  '/map.css': { type: 'text/css; charset=utf-8', load: () => readFile(path.join(MAP_DIR, 'map.css')) },
  '/map.js': { type: 'text/javascript; charset=utf-8', load: bundle },
};

async function bundle(): Promise<Buffer> {
  const result = await build({
    entryPoints: [path.join(MAP_DIR, 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  return Buffer.from(result.outputFiles[0]!.contents);
}

// The page talks only to this server; scripts and styles come only from here.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export class WebAssets {
  private readonly cache = new Map<string, Promise<Asset>>();

  constructor(readonly map: MapConfig) {}

  /** Whether `pathname` is one of the map's files. */
  serves(pathname: string): boolean {
    return Object.hasOwn(ROUTES, pathname);
  }

  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      return void res.end('Method not allowed\n');
    }
    const asset = await this.load(pathname);
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, { etag: asset.etag });
      return void res.end();
    }
    res.writeHead(200, {
      'content-type': asset.type,
      'content-length': asset.body.length,
      'cache-control': 'no-cache',
      etag: asset.etag,
      ...SECURITY_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  }

  private load(pathname: string): Promise<Asset> {
    let asset = this.cache.get(pathname);
    if (!asset) {
      const route = ROUTES[pathname]!;
      asset = route.load().then((body) => ({
        body,
        type: route.type,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`,
      }));
      // A failed build is tried again on the next request.
      asset.catch(() => this.cache.delete(pathname));
      this.cache.set(pathname, asset);
    }
    return asset;
  }
}
