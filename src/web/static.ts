// Static files the server serves itself (the live map, GraphiQL): built once (at install
// time by `npm run build`, which writes dist/web/, or in memory on first use when that is
// missing or was built from other sources), compressed ahead (brotli and gzip), and sent with the encoding the browser
// accepts. Files with a content hash in their name are cached for a year (`immutable`);
// the others carry an ETag and are revalidated.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { fromRoot } from '../paths.ts';

/** A file as a builder produces it. */
export interface BuiltFile {
  /** Its public name (`map.js`); with `hashed`, the name gets its content hash (`map.3f9a1c0b.js`). */
  name: string;
  type: string;
  body: Buffer;
  hashed: boolean;
}

/** A file ready to send. */
export interface StaticFile {
  /** The path it is served at (`/assets/map.3f9a1c0b.js`, or its name when not hashed). */
  url: string;
  type: string;
  body: Buffer;
  gzip: Buffer;
  br: Buffer;
  etag: string;
  immutable: boolean;
}

/** Where hashed files are served. */
export const ASSET_PREFIX = '/assets/';

const TEXT_TYPES = /^(text\/|application\/(javascript|json)|image\/(svg|x-icon|vnd\.microsoft\.icon))/;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

const hashOf = (body: Buffer) => createHash('sha256').update(body).digest('base64url').slice(0, 12);

/** The path a built file is served at: its name with its content hash under /assets/ when hashed. */
export function hashedUrl(file: Pick<BuiltFile, 'name' | 'body' | 'hashed'>): string {
  return file.hashed
    ? `${ASSET_PREFIX}${file.name.replace(/(\.[a-z0-9]+)$/i, `.${hashOf(file.body)}$1`)}`
    : `/${file.name}`;
}

/** Compresses and names a built file. */
export async function prepareFile(file: BuiltFile): Promise<StaticFile> {
  const hash = hashOf(file.body);
  const url = hashedUrl(file);
  const compressible = TEXT_TYPES.test(file.type);
  const [br, gz] = compressible
    ? await Promise.all([
        brotli(file.body, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: 9,
            [constants.BROTLI_PARAM_SIZE_HINT]: file.body.length,
          },
        }),
        gzipAsync(file.body, { level: 9 }),
      ])
    : [file.body, file.body];
  return { url, type: file.type, body: file.body, gzip: gz, br, etag: `"${hash}"`, immutable: file.hashed };
}

/** Sends a file: 304 for a matching ETag, else the best encoding the request accepts. */
export function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: StaticFile,
  headers: Record<string, string> = {},
): void {
  const caching = {
    etag: file.etag,
    'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    vary: 'accept-encoding',
  };
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, caching);
    return void res.end();
  }
  const accepted = String(req.headers['accept-encoding'] ?? '');
  const encoding =
    file.br !== file.body && /\bbr\b/.test(accepted)
      ? 'br'
      : file.gzip !== file.body && /\bgzip\b/.test(accepted)
        ? 'gzip'
        : undefined;
  const body = encoding === 'br' ? file.br : encoding === 'gzip' ? file.gzip : file.body;
  res.writeHead(200, {
    'content-type': file.type,
    'content-length': body.length,
    ...(encoding ? { 'content-encoding': encoding } : {}),
    ...caching,
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** A named set of files (`map`, `graphiql`) and how to build it. */
export interface Bundle {
  name: string;
  /** What the build is made from (a hash of its sources): a build made from others is not used. */
  fingerprint(): Promise<string>;
  build(): Promise<BuiltFile[]>;
}

/** A fingerprint of files and strings (sources, package versions). */
export async function fingerprintOf(
  files: readonly string[],
  extra: readonly string[] = [],
): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [...files].sort()) hash.update(file).update(await readFile(file));
  for (const text of extra) hash.update(text);
  return hash.digest('base64url');
}

/** What a bundle's files are, by name, once prepared. */
export type PreparedBundle = Map<string, StaticFile>;

const DIST = fromRoot('dist', 'web');

interface Manifest {
  fingerprint: string;
  /** name -> [url, type, etag] */
  files: Record<string, [string, string, string]>;
}

/** Builds a bundle and writes it to dist/web/<bundle>/ (npm run build). */
export async function writeBundle(bundle: Bundle): Promise<PreparedBundle> {
  const prepared = await prepare(bundle);
  const dir = path.join(DIST, bundle.name);
  await mkdir(dir, { recursive: true });
  const manifest: Manifest = { fingerprint: await fingerprintWithPipeline(bundle), files: {} };
  for (const [name, file] of prepared) {
    const base = path.join(dir, encodeURIComponent(file.url));
    await Promise.all([
      writeFile(base, file.body),
      writeFile(`${base}.gz`, file.gzip),
      writeFile(`${base}.br`, file.br),
    ]);
    manifest.files[name] = [file.url, file.type, file.etag];
  }
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return prepared;
}

/**
 * A bundle's files: read from dist/web/ when `npm run build` wrote them, else built now.
 * Every call after the first returns the same promise.
 */
export function loadBundle(bundle: Bundle): Promise<PreparedBundle> {
  let loaded = loading.get(bundle.name);
  if (!loaded) {
    loaded = readBundle(bundle).then((read) => read ?? prepare(bundle));
    loading.set(bundle.name, loaded);
    loaded.catch(() => loading.delete(bundle.name));
  }
  return loaded;
}

const loading = new Map<string, Promise<PreparedBundle>>();

/** A bundle's fingerprint and this module's own (how files are compressed and stored). */
async function fingerprintWithPipeline(bundle: Bundle): Promise<string> {
  return fingerprintOf([fromRoot('src', 'web', 'static.ts')], [await bundle.fingerprint()]);
}

async function prepare(bundle: Bundle): Promise<PreparedBundle> {
  const files = await bundle.build();
  return new Map(await Promise.all(files.map(async (file) => [file.name, await prepareFile(file)] as const)));
}

async function readBundle(bundle: Bundle): Promise<PreparedBundle | undefined> {
  const dir = path.join(DIST, bundle.name);
  if (!existsSync(path.join(dir, 'manifest.json'))) return undefined;
  try {
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    if (manifest.fingerprint !== (await fingerprintWithPipeline(bundle))) return undefined; // built from other sources
    const entries = await Promise.all(
      Object.entries(manifest.files).map(async ([fileName, [url, type, etag]]) => {
        const base = path.join(dir, encodeURIComponent(url));
        const [body, gz, br] = await Promise.all([
          readFile(base),
          readFile(`${base}.gz`),
          readFile(`${base}.br`),
        ]);
        const compressible = TEXT_TYPES.test(type);
        const file: StaticFile = {
          url,
          type,
          body,
          gzip: compressible ? gz : body,
          br: compressible ? br : body,
          etag,
          immutable: url.startsWith(ASSET_PREFIX),
        };
        return [fileName, file] as const;
      }),
    );
    return new Map(entries);
  } catch {
    return undefined; // a half-written build: build again in memory
  }
}
