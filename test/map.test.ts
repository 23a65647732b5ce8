// The live map in a real browser (headless Chromium) against a real server process and a
// real tile server: a refused key gets a clear message; with a good key, reported locations
// appear as markers on tiles and move; when the server stops and starts again the map says
// so, resumes from its last cursor and has every point, none twice. Tiles load and zoom;
// a marker's popup tells about its last fix; a path plays back; a phone gets a usable
// layout; without tiles the grid remains; stale devices look stale; geofences and their
// events show up live.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tileOrigin } from '../src/web/map/page.ts';
import { chromiumMissing, launchBrowser, newPage, screenshot } from './helpers/browser.ts';
import { createTestDatabase } from './helpers/database.ts';
import { runCli, type ServerProcess, startServerProcess } from './helpers/processes.ts';
import { startTileServer, type TileServer } from './helpers/tileServer.ts';

if (chromiumMissing) console.warn(`Skipping the live map browser test: ${chromiumMissing}.`);

interface FixInput {
  deviceId: string;
  latitude: number;
  longitude: number;
  speed?: number;
  battery?: number;
  accuracy?: number;
  recordedAt: string;
}

/** A database, a group with keys made by the CLI (before the server opens the database), and the server. */
async function startMapServer(extraEnv: Record<string, string>) {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gofindme-map-'));
  const env = {
    ...(database.config.kind === 'postgres'
      ? { DATABASE_URL: database.config.url }
      : { DATABASE_URL: '', DATA_DIR: dataDir }),
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  await runCli(['groups', 'create', 'fleet'], env);
  // One at a time: the embedded database opens in one process only.
  const keys: string[] = [];
  for (const scopes of ['locations:write', 'locations:read', 'all']) {
    const created = await runCli(
      ['keys', 'create', '--group', 'fleet', '--name', scopes, '--scopes', scopes, '--json'],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    keys.push(String(created.json.key));
  }
  const [writer, reader, admin] = keys as [string, string, string];
  const server = await startServerProcess(env);
  return {
    env,
    server,
    writer,
    reader,
    admin,
    cleanUp: async () => {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function graphql(url: string, key: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data!;
}

const REPORT = 'mutation($input: [LocationInput!]!) { reportLocations(input: $input) { id } }';

const marker = (page: Page, deviceId: string) => page.locator(`.device[data-device-id="${deviceId}"]`);
const status = (page: Page) => page.locator('#status').textContent();

/** What a page logged that should never happen: script errors, CSP violations. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content.Security.Policy|Refused to/i.test(message.text())) {
      problems.push(message.text());
    }
  });
  return problems;
}

/** Waits until the map has stopped moving and its tiles are in, so that a screenshot shows what a user sees. */
async function settled(page: Page) {
  await expect.poll(() => page.locator('.leaflet-zoom-anim, .leaflet-pan-anim').count()).toBe(0);
  await expect
    .poll(() => page.locator('#map').getAttribute('data-tiles'), { timeout: 10_000 })
    .not.toBe('loading');
  // Leaflet fades tiles in.
  await expect
    .poll(() =>
      page
        .locator('img.leaflet-tile-loaded')
        .evaluateAll((images) => images.every((image) => getComputedStyle(image).opacity === '1')),
    )
    .toBe(true);
}

async function connect(page: Page, key: string) {
  await page.fill('#key', key);
  await page.click('#connect button[type=submit]');
}

/** A new page (its own context: no cached tiles, no saved key) connected with `key`. */
async function openMap(browser: Browser, url: string, key: string) {
  const page = await newPage(browser);
  const problems = watchProblems(page);
  await page.goto(url);
  await connect(page, key);
  await expect.poll(() => status(page), { timeout: 15_000 }).toContain('Live');
  return { page, problems };
}

describe.skipIf(chromiumMissing !== undefined)('the live map', { timeout: 180_000 }, () => {
  let tiles: TileServer;
  let setup: Awaited<ReturnType<typeof startMapServer>>;
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    tiles = await startTileServer();
    setup = await startMapServer({ MAP_TILE_URL: tiles.template });
    server = setup.server;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await setup?.cleanUp();
    await tiles?.close();
  });

  let step = 0;
  const report = async (deviceId: string, latitude: number, longitude: number) => {
    const recordedAt = new Date(Date.now() - 60_000 + ++step * 100).toISOString();
    await reportFixes([{ deviceId, latitude, longitude, speed: 12, battery: 90, accuracy: 25, recordedAt }]);
  };
  const reportFixes = (fixes: FixInput[]) => graphql(server.url, setup.writer, REPORT, { input: fixes });
  /** Where Leaflet placed a marker (its CSS transform inside the map). */
  const placeOf = (page: Page, deviceId: string) =>
    marker(page, deviceId).evaluate((element) => (element as HTMLElement).style.transform);

  it('says when a key is refused or cannot read locations', async () => {
    const page = await newPage(browser);
    await page.goto(server.url);
    await connect(page, 'gfm_not-a-real-key');
    await expect.poll(() => status(page), { timeout: 10_000 }).toContain('The key was refused');
    await connect(page, setup.writer);
    await expect.poll(() => status(page), { timeout: 10_000 }).toContain('lacks the locations:read scope');
    await page.context().close();
  });

  it('shows devices moving live, and resumes without losing a point after the server restarts', async () => {
    await report('truck-1', 52.52, 13.405);
    const page = await newPage(browser);
    const problems = watchProblems(page);
    const failed: string[] = [];
    page.on('requestfailed', (request) => {
      // Streams cut by the restart are expected, and so are tiles Leaflet drops while the view changes.
      const url = request.url();
      if (url.startsWith(server.url) && !url.includes('/graphql')) failed.push(url);
    });
    await page.goto(server.url);
    await connect(page, setup.reader);
    await expect.poll(() => status(page), { timeout: 15_000 }).toContain('Live');
    // What was stored before the page opened is there.
    await expect.poll(() => marker(page, 'truck-1').getAttribute('data-latitude')).toBe('52.52');

    // New devices appear and move.
    await report('truck-2', 52.5, 13.39);
    await report('truck-1', 52.53, 13.41);
    await expect.poll(() => marker(page, 'truck-2').count()).toBe(1);
    await expect.poll(() => marker(page, 'truck-1').getAttribute('data-latitude')).toBe('52.53');
    const before = await placeOf(page, 'truck-1');
    await report('truck-1', 52.54, 13.42);
    await expect.poll(() => marker(page, 'truck-1').getAttribute('data-latitude')).toBe('52.54');
    expect(await placeOf(page, 'truck-1')).not.toBe(before);
    expect(await page.locator('#devices li').count()).toBe(2);
    expect(await page.locator('#devices li[data-device-id="truck-1"]').textContent()).toMatch(
      /seen \d+ (s|min) ago/,
    );
    await settled(page);
    await screenshot(page, 'map-live');

    // Cut the connection: stop the server, start it again on the same port.
    const port = Number(new URL(server.url).port);
    expect(await server.stop()).toBe(0);
    await expect.poll(() => status(page), { timeout: 15_000 }).toContain('reconnecting');
    server = await startServerProcess(setup.env, { port });
    // Reported while the map is still away: it must get these by resuming from its cursor.
    await report('truck-1', 52.55, 13.43);
    await report('truck-2', 52.51, 13.4);
    await expect.poll(() => status(page), { timeout: 60_000 }).toContain('Live');
    await report('truck-1', 52.56, 13.44);
    await expect
      .poll(() => marker(page, 'truck-1').getAttribute('data-latitude'), { timeout: 15_000 })
      .toBe('52.56');
    expect(await marker(page, 'truck-2').getAttribute('data-latitude')).toBe('52.51');
    // Every point once: truck-1 was reported 5 times, truck-2 twice.
    expect(await marker(page, 'truck-1').getAttribute('data-fixes')).toBe('5');
    expect(await marker(page, 'truck-2').getAttribute('data-fixes')).toBe('2');
    await settled(page);
    await screenshot(page, 'map-resumed');
    expect(failed).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('draws tiles from the configured tile server, and finer ones after zooming in', async () => {
    const { page, problems } = await openMap(browser, server.url, setup.reader);
    await expect.poll(() => marker(page, 'truck-1').count()).toBe(1);
    const loadedTiles = () =>
      page
        .locator('img.leaflet-tile')
        .evaluateAll(
          (images) =>
            images.filter(
              (image) =>
                (image as HTMLImageElement).complete && (image as HTMLImageElement).naturalWidth === 256,
            ).length,
        );
    await expect.poll(loadedTiles, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(tiles.count()).toBeGreaterThan(0);
    expect(await page.locator('#tile-notice').isVisible()).toBe(false);

    const zoom = Number(await page.locator('#map').getAttribute('data-zoom'));
    const finer = tiles.requests.get(zoom + 1) ?? 0;
    await page.click('.leaflet-control-zoom-in');
    await expect.poll(() => page.locator('#map').getAttribute('data-zoom')).toBe(String(zoom + 1));
    await expect.poll(() => tiles.requests.get(zoom + 1) ?? 0, { timeout: 10_000 }).toBeGreaterThan(finer);
    await page.click('#fit-all');
    await expect.poll(() => page.locator('#map').getAttribute('data-zoom')).toBe(String(zoom));
    await expect.poll(loadedTiles, { timeout: 10_000 }).toBeGreaterThan(0);
    await settled(page);
    await screenshot(page, 'map-desktop');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('tells about a device in a popup, draws its accuracy to scale and follows it', async () => {
    const { page, problems } = await openMap(browser, server.url, setup.reader);
    await marker(page, 'truck-1').click();
    const popup = page.locator('.leaflet-popup-content');
    await expect.poll(() => popup.textContent()).toContain('truck-1');
    const text = (await popup.textContent())!;
    expect(text).toContain('43 km/h'); // 12 m/s
    expect(text).toContain('90 %');
    expect(text).toContain('25 m');
    expect(text).toContain('52.56000, 13.44000');
    expect(text).toMatch(/Last seen\d+ (s|min) ago/);
    expect(await page.locator('#following').textContent()).toContain('truck-1');
    expect(await page.locator('#devices li[data-device-id="truck-1"]').getAttribute('aria-current')).toBe(
      'true',
    );

    // Chosen in the list: the map zooms to it. Its accuracy circle is 25 m, in pixels at this zoom.
    await page.click('#devices li[data-device-id="truck-1"]');
    await expect
      .poll(async () => Number(await page.locator('#map').getAttribute('data-zoom')))
      .toBeGreaterThanOrEqual(14);
    await settled(page);
    const zoom = Number(await page.locator('#map').getAttribute('data-zoom'));
    const circle = page.locator('path.accuracy[data-device-id="truck-1"]');
    const metresPerPixel = (156_543.034 * Math.cos((52.56 * Math.PI) / 180)) / 2 ** zoom;
    const { width } = (await circle.boundingBox())!;
    expect(width).toBeGreaterThan(((2 * 25) / metresPerPixel) * 0.9);
    expect(width).toBeLessThan(((2 * 25) / metresPerPixel) * 1.1 + 2);
    await expect.poll(() => popup.isVisible()).toBe(true);
    await settled(page);
    await screenshot(page, 'map-popup');

    // Followed: it moves out of the view, the map goes with it.
    await report('truck-1', 52.6, 13.6);
    await expect.poll(() => marker(page, 'truck-1').getAttribute('data-latitude')).toBe('52.6');
    const inside = async () => {
      const map = (await page.locator('#map').boundingBox())!;
      const box = (await marker(page, 'truck-1').boundingBox())!;
      return (
        box.x >= map.x &&
        box.x + box.width <= map.x + map.width &&
        box.y >= map.y &&
        box.y <= map.y + map.height
      );
    };
    await expect.poll(inside, { timeout: 5000 }).toBe(true);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('plays back a device’s path over a time range', async () => {
    const start = Date.now() - 40 * 60_000;
    const fixes = Array.from({ length: 20 }, (_, i) => ({
      deviceId: 'walker-1',
      latitude: 52.5 + i * 0.0006 + 0.002 * Math.sin(i / 3),
      longitude: 13.3 + i * 0.0012,
      speed: 1 + i * 0.25,
      recordedAt: new Date(start + i * 60_000).toISOString(),
    }));
    await reportFixes(fixes);
    const { page, problems } = await openMap(browser, server.url, setup.reader);
    await page.click('#tab-history');
    await expect.poll(() => page.locator('#playback-device option[value="walker-1"]').count()).toBe(1);
    await page.selectOption('#playback-device', 'walker-1');
    await page.click('#playback button[type=submit]');
    const panel = page.locator('#playback-panel');
    await expect.poll(() => panel.getAttribute('data-points'), { timeout: 10_000 }).toBe('20');
    // Every fix is a vertex of the line drawn.
    const d = (await page.locator('path.playback-path').getAttribute('d'))!;
    expect(d.match(/[ML]/g)).toHaveLength(20);

    const playbackMarker = page.locator('path.playback-marker');
    const latitude = async () => Number(await playbackMarker.getAttribute('data-latitude'));
    expect(await latitude()).toBeCloseTo(fixes[0]!.latitude, 9);
    await page.fill('#playback-slider', '12');
    await expect.poll(() => panel.getAttribute('data-index')).toBe('12');
    expect(await latitude()).toBeCloseTo(fixes[12]!.latitude, 9);
    const info = (await page.locator('#playback-info').textContent())!;
    expect(info).toContain(`${Math.round((1 + 12 * 0.25) * 3.6)} km/h`);
    expect(info).toContain('13/20');
    await settled(page);
    await screenshot(page, 'map-playback');

    // Play runs to the end.
    await page.click('#playback-play');
    await expect.poll(() => panel.getAttribute('data-index'), { timeout: 15_000 }).toBe('19');
    expect(await latitude()).toBeCloseTo(fixes[19]!.latitude, 9);
    expect(await page.locator('#playback-play').textContent()).toBe('Play');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('fits a phone: the map on top, the list below, nothing cut off', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(server.url);
    const button = (await page.locator('#connect button[type=submit]').boundingBox())!;
    expect(button.x).toBeGreaterThanOrEqual(0);
    expect(button.x + button.width).toBeLessThanOrEqual(390);
    await connect(page, setup.reader);
    await expect.poll(() => status(page), { timeout: 15_000 }).toContain('Live');
    await expect.poll(() => marker(page, 'truck-1').count()).toBe(1);
    const map = (await page.locator('#map').boundingBox())!;
    expect(map.width).toBe(390);
    expect(map.height).toBeGreaterThanOrEqual(0.55 * 844);
    expect(map.y).toBeLessThan(200);
    // Nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await settled(page);
    await screenshot(page, 'map-phone');
    const item = page.locator('#devices li[data-device-id="truck-1"]');
    await item.scrollIntoViewIfNeeded();
    expect(await item.isVisible()).toBe(true);
    const box = (await item.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await item.click();
    await expect.poll(() => page.locator('#following').isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('still shows the devices on a grid when the tile server is down, and heals when it is back', async () => {
    await tiles.down();
    const { page, problems } = await openMap(browser, server.url, setup.reader);
    await expect.poll(() => marker(page, 'truck-1').count()).toBe(1);
    expect(await marker(page, 'truck-1').isVisible()).toBe(true);
    await expect.poll(() => page.locator('#tile-notice').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.locator('#tile-notice').textContent()).toBe('Map tiles unavailable: showing a grid');
    expect(Number(await page.locator('canvas.graticule').getAttribute('data-lines'))).toBeGreaterThan(1);
    await screenshot(page, 'map-offline');

    await tiles.up();
    // Failed tiles are asked for again every 10 s.
    await expect.poll(() => page.locator('#tile-notice').isVisible(), { timeout: 30_000 }).toBe(false);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('draws the group’s geofences and lists their events as they happen', async () => {
    const create = (input: Record<string, unknown>) =>
      graphql(
        server.url,
        setup.admin,
        'mutation($input: CreateGeofenceInput!) { createGeofence(input: $input) { id } }',
        {
          input,
        },
      );
    await create({ name: 'Depot', circle: { latitude: 48.8566, longitude: 2.3522, radiusMeters: 150 } });
    const { page, problems } = await openMap(browser, server.url, setup.reader);
    await expect.poll(() => page.locator('path.geofence[data-name="Depot"]').count()).toBe(1);

    // Made while the map is open: drawn once an event names it.
    const park = [
      [2.357, 48.8585],
      [2.362, 48.8585],
      [2.3625, 48.861],
      [2.357, 48.861],
      [2.357, 48.8585],
    ];
    await create({ name: 'Park', polygon: { type: 'Polygon', coordinates: [park] } });
    const at = (seconds: number) => new Date(Date.now() - 30_000 + seconds * 1000).toISOString();
    await reportFixes([
      { deviceId: 'van-7', latitude: 48.8566, longitude: 2.3522, accuracy: 5, recordedAt: at(0) },
    ]);
    await page.click('#tab-events');
    const events = page.locator('#events li');
    await expect
      .poll(() => events.first().textContent(), { timeout: 10_000 })
      .toMatch(/^van-7 entered Depot · \d\d:\d\d:\d\d$/);
    await reportFixes([
      { deviceId: 'van-7', latitude: 48.8598, longitude: 2.3597, accuracy: 5, recordedAt: at(5) },
    ]);
    await expect.poll(() => events.count(), { timeout: 10_000 }).toBe(3);
    expect(await events.allTextContents()).toEqual([
      expect.stringMatching(/^van-7 entered Park · /),
      expect.stringMatching(/^van-7 left Depot · /),
      expect.stringMatching(/^van-7 entered Depot · /),
    ]);
    await expect.poll(() => page.locator('path.geofence[data-name="Park"]').count()).toBe(1);
    expect(await page.locator('#event-count').textContent()).toBe('3');

    // An event leads to its device; the geofence names itself on hover.
    await events.first().click();
    await expect.poll(() => page.locator('#following').textContent()).toContain('van-7');
    await page.locator('.leaflet-popup-close-button').click();
    await page.click('.leaflet-control-zoom-out'); // both geofences in view
    await page.locator('path.geofence[data-name="Depot"]').hover();
    await expect.poll(() => page.locator('.leaflet-tooltip').textContent()).toBe('Depot');
    await settled(page);
    await page.locator('path.geofence[data-name="Depot"]').hover({ position: { x: 30, y: 30 } });
    await screenshot(page, 'map-geofences');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('serves the page with a strict policy that allows the tile server, and its files hashed', async () => {
    const response = await fetch(server.url, { headers: { 'accept-encoding': 'br' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toBe(
      `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: ${tiles.origin}; connect-src 'self'`,
    );
    const html = await response.text();
    const settings = JSON.parse(
      /<script id="map-config" type="application\/json">(.*?)<\/script>/.exec(html)![1]!,
    );
    expect(settings).toEqual({
      tileUrl: tiles.template,
      tileAttribution: expect.stringContaining('OpenStreetMap'),
      staleAfterMs: 300_000,
    });
    expect(html).not.toContain('{{');
    const again = await fetch(server.url, { headers: { 'if-none-match': response.headers.get('etag')! } });
    expect(again.status).toBe(304);

    const assets = [...html.matchAll(/"(\/assets\/map\.[\w-]+\.(js|css))"/g)].map((match) => match[1]!);
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      const file = await fetch(`${server.url}${asset}`, { headers: { 'accept-encoding': 'br, gzip' } });
      expect(file.status).toBe(200);
      expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(file.headers.get('content-encoding')).toBe('br');
    }
    expect((await fetch(`${server.url}/assets/map.nothing.js`)).status).toBe(404);
  });
});

describe.skipIf(chromiumMissing !== undefined)('stale devices on the live map', { timeout: 120_000 }, () => {
  let tiles: TileServer;
  let setup: Awaited<ReturnType<typeof startMapServer>>;
  let browser: Browser;

  beforeAll(async () => {
    tiles = await startTileServer();
    setup = await startMapServer({ MAP_STALE_AFTER: '2s', MAP_TILE_URL: tiles.template });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await setup?.server.stop();
    await setup?.cleanUp();
    await tiles?.close();
  });

  const report = (deviceId: string) =>
    graphql(setup.server.url, setup.writer, REPORT, {
      input: [{ deviceId, latitude: 52.52, longitude: 13.405, recordedAt: new Date().toISOString() }],
    });

  it('draws a device without a fix for MAP_STALE_AFTER as stale, and fresh again when it reports', async () => {
    await report('bike-1');
    const { page, problems } = await openMap(browser, setup.server.url, setup.reader);
    await expect.poll(() => marker(page, 'bike-1').count()).toBe(1);
    await expect
      .poll(() => marker(page, 'bike-1').getAttribute('data-stale'), { timeout: 10_000 })
      .toBe('true');
    const item = page.locator('#devices li[data-device-id="bike-1"]');
    await expect.poll(() => item.getAttribute('class')).toContain('stale');
    expect(await item.textContent()).toContain('stale');
    // Grey and hollow.
    const dot = await marker(page, 'bike-1')
      .locator('.dot')
      .evaluate((element) => getComputedStyle(element).backgroundColor);
    expect(dot).toBe('rgb(255, 255, 255)');
    await settled(page);
    await screenshot(page, 'map-stale');

    await report('bike-1');
    await expect
      .poll(() => marker(page, 'bike-1').getAttribute('data-stale'), { timeout: 5000 })
      .toBe('false');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe('the tile server in the map page’s Content-Security-Policy', () => {
  it('is the origin of the tile URL template, with {s} as a wildcard subdomain', () => {
    expect(tileOrigin('https://tile.openstreetmap.org/{z}/{x}/{y}.png')).toBe(
      'https://tile.openstreetmap.org',
    );
    expect(tileOrigin('https://{s}.tile.example.com/{z}/{x}/{y}{r}.png')).toBe('https://*.tile.example.com');
    expect(tileOrigin('https://tiles-{s}.example.com:8443/a/{z}/{x}/{y}.png')).toBe(
      'https://*.example.com:8443',
    );
    expect(tileOrigin('http://127.0.0.1:9999/{z}/{x}/{y}.png')).toBe('http://127.0.0.1:9999');
    expect(tileOrigin('')).toBeUndefined();
  });
});
