// The live map's files, built by `npm run build` into dist/web/map/ (or in memory on first
// use; see ../static.ts): its script (with the client and Leaflet), its stylesheet (with
// Leaflet's, whose few images are inlined) and the page. The page is a template: the server
// fills in the hashed URLs of the other two and the map's settings (see page.ts).

import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { fromRoot } from '../../paths.ts';
import { type Bundle, fingerprintOf } from '../static.ts';

const MAP_DIR = fromRoot('src', 'web', 'map');
const CLIENT_DIR = fromRoot('src', 'client');
const require = createRequire(import.meta.url);
const LEAFLET_CSS = require.resolve('leaflet/dist/leaflet.css');
const LEAFLET_VERSION = (require('leaflet/package.json') as { version: string }).version;

async function sources(): Promise<string[]> {
  const inDir = async (dir: string) =>
    (await readdir(dir, { recursive: true }))
      .filter((name) => /\.(ts|css|html)$/.test(name))
      .map((name) => path.join(dir, name));
  return [...(await inDir(MAP_DIR)), ...(await inDir(CLIENT_DIR)), LEAFLET_CSS];
}

const COMMON = {
  bundle: true,
  minify: true,
  write: false,
  logLevel: 'silent',
  target: 'es2022',
} as const satisfies BuildOptions;

export const mapBundle: Bundle = {
  name: 'map',
  fingerprint: async () => fingerprintOf(await sources(), [`leaflet@${LEAFLET_VERSION}`]),
  async build() {
    const [script, style] = await Promise.all([
      build({
        ...COMMON,
        entryPoints: [path.join(MAP_DIR, 'main.ts')],
        format: 'esm',
        platform: 'browser',
        // Leaflet's package points at its UMD build; its ES module is the same code without the wrapper.
        alias: { leaflet: 'leaflet/dist/leaflet-src.esm.js' },
      }),
      build({
        ...COMMON,
        entryPoints: [path.join(MAP_DIR, 'map.css')],
        // Leaflet's layer-switcher icons: a few KiB, inlined (the page allows data: images).
        loader: { '.png': 'dataurl', '.svg': 'dataurl' },
      }),
    ]);
    return [
      {
        name: 'map.js',
        type: 'text/javascript; charset=utf-8',
        body: Buffer.from(script.outputFiles[0]!.contents),
        hashed: true,
      },
      {
        name: 'map.css',
        type: 'text/css; charset=utf-8',
        body: Buffer.from(style.outputFiles[0]!.contents),
        hashed: true,
      },
      {
        name: 'index.html',
        type: 'text/html; charset=utf-8',
        body: await readFile(path.join(MAP_DIR, 'index.html')),
        hashed: false,
      },
    ];
  },
};
