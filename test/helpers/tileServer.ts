// A raster tile server for the live map's browser tests: answers /{z}/{x}/{y}.png with a
// real 256×256 PNG (a faint checkerboard of tiles, so screenshots show them), counts the
// requests per zoom level, and can go down (connections refused) and come back on its port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';

export interface TileServer {
  /** The URL template to give MAP_TILE_URL. */
  template: string;
  origin: string;
  /** Tile requests answered so far, per zoom level. */
  requests: Map<number, number>;
  count(): number;
  /** The highest zoom level asked for, or -1. */
  maxZoom(): number;
  /** Stops accepting connections and drops the open ones: tiles fail as when offline. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

const SIZE = 256;

/** A PNG of SIZE×SIZE in one colour with a 1 px darker border (RGB, no filtering). */
export function tilePng(fill: [number, number, number], border: [number, number, number]): Buffer {
  const row = 1 + SIZE * 3;
  const pixels = Buffer.alloc(row * SIZE);
  for (let y = 0; y < SIZE; y++) {
    pixels[y * row] = 0; // filter: none
    for (let x = 0; x < SIZE; x++) {
      const edge = x === 0 || y === 0;
      pixels.set(edge ? border : fill, y * row + 1 + x * 3);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, no filter method, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const TILES = [tilePng([236, 240, 230], [214, 219, 206]), tilePng([229, 235, 223], [214, 219, 206])];

export async function startTileServer(): Promise<TileServer> {
  const requests = new Map<number, number>();
  const server: Server = createServer((req, res) => {
    const match = /^\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(req.url ?? '');
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    const [z, x, y] = match.slice(1).map(Number) as [number, number, number];
    requests.set(z, (requests.get(z) ?? 0) + 1);
    const body = TILES[(x + y) % 2]!;
    res.writeHead(200, {
      'content-type': 'image/png',
      'content-length': body.length,
      'cache-control': 'no-store',
    });
    res.end(body);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const down = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    template: `${origin}/{z}/{x}/{y}.png`,
    origin,
    requests,
    count: () => [...requests.values()].reduce((sum, n) => sum + n, 0),
    maxZoom: () => Math.max(-1, ...requests.keys()),
    down,
    up: () => (server.listening ? Promise.resolve() : listen(port)),
    close: down,
  };
}
