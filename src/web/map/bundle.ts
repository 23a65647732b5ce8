// The live map's files (the page, its script with the client, its styles), built by
// `npm run build` into dist/web/map/ (or in memory on first use; see ../static.ts).

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { type Bundle, fingerprintOf } from '../static.ts';

const MAP_DIR = import.meta.dirname;
const CLIENT_DIR = path.join(MAP_DIR, '..', '..', 'client');

async function sources(): Promise<string[]> {
  const inDir = async (dir: string) =>
    (await readdir(dir, { recursive: true }))
      .filter((name) => /\.(ts|css|html)$/.test(name))
      .map((name) => path.join(dir, name));
  return [...(await inDir(MAP_DIR)), ...(await inDir(CLIENT_DIR))];
}

export const mapBundle: Bundle = {
  name: 'map',
  fingerprint: async () => fingerprintOf(await sources()),
  async build() {
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
    return [
      {
        name: 'map.js',
        type: 'text/javascript; charset=utf-8',
        body: Buffer.from(result.outputFiles[0]!.contents),
        hashed: true,
      },
      {
        name: 'map.css',
        type: 'text/css; charset=utf-8',
        body: await readFile(path.join(MAP_DIR, 'map.css')),
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
