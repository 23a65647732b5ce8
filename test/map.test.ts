// The live map in a real browser (headless Chromium) against a real server process:
// a refused key gets a clear message; with a good key, reported locations appear as
// markers and move; when the server stops and starts again the map says so, resumes
// from its last cursor and has every point, none twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchBrowser, newPage, screenshot } from './helpers/browser.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { runCli, type ServerProcess, startServerProcess } from './helpers/processes.ts';

if (chromiumMissing) console.warn(`Skipping the live map browser test: ${chromiumMissing}.`);

describe.skipIf(chromiumMissing !== undefined)('the live map', { timeout: 180_000 }, () => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  let server: ServerProcess;
  let browser: Browser;
  let writer: string;
  let reader: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(path.join(tmpdir(), 'gofindme-map-'));
    env = {
      ...(database.config.kind === 'postgres'
        ? { DATABASE_URL: database.config.url }
        : { DATABASE_URL: '', DATA_DIR: dataDir }),
      LOG_LEVEL: 'warn',
    };
    await runCli(['groups', 'create', 'fleet'], env);
    // One at a time: the embedded database opens in one process only.
    const keys: string[] = [];
    for (const scopes of ['locations:write', 'locations:read']) {
      const created = await runCli(
        ['keys', 'create', '--group', 'fleet', '--name', scopes, '--scopes', scopes, '--json'],
        env,
      );
      keys.push(String(created.json.key));
    }
    [writer, reader] = keys as [string, string];
    server = await startServerProcess(env);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let step = 0;
  const report = async (deviceId: string, latitude: number, longitude: number) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': writer },
      body: JSON.stringify({
        query: 'mutation($input: LocationInput!) { reportLocation(input: $input) { id } }',
        variables: {
          input: {
            deviceId,
            latitude,
            longitude,
            speed: 12,
            battery: 90,
            recordedAt: new Date(Date.now() - 60_000 + ++step * 100).toISOString(),
          },
        },
      }),
    });
    expect((await response.json()).errors).toBeUndefined();
  };
  const marker = (page: Page, deviceId: string) => page.locator(`.device[data-device-id="${deviceId}"]`);
  const status = (page: Page) => page.locator('#status').textContent();
  const connect = async (page: Page, key: string) => {
    await page.fill('#key', key);
    await page.click('button[type=submit]');
  };

  it('says when a key is refused or cannot read locations', async () => {
    const page = await newPage(browser);
    await page.goto(server.url);
    await connect(page, 'gfm_not-a-real-key');
    await expect.poll(() => status(page), { timeout: 10_000 }).toContain('The key was refused');
    await connect(page, writer);
    await expect.poll(() => status(page), { timeout: 10_000 }).toContain('lacks the locations:read scope');
    await page.close();
  });

  it('shows devices moving live, and resumes without losing a point after the server restarts', async () => {
    await report('truck-1', 52.52, 13.405);
    const page = await newPage(browser);
    const failed: string[] = [];
    page.on('requestfailed', (request) => {
      if (!request.url().includes('/graphql')) failed.push(request.url()); // streams cut by the restart are expected
    });
    await page.goto(server.url);
    await connect(page, reader);
    await expect.poll(() => status(page), { timeout: 15_000 }).toContain('Live');
    // What was stored before the page opened is there.
    await expect.poll(() => marker(page, 'truck-1').getAttribute('data-latitude')).toBe('52.52');

    // New devices appear and move.
    await report('truck-2', 52.5, 13.39);
    await report('truck-1', 52.53, 13.41);
    await expect.poll(() => marker(page, 'truck-2').count()).toBe(1);
    await expect.poll(() => marker(page, 'truck-1').getAttribute('data-latitude')).toBe('52.53');
    const before = await marker(page, 'truck-1').getAttribute('transform');
    await report('truck-1', 52.54, 13.42);
    await expect.poll(() => marker(page, 'truck-1').getAttribute('data-latitude')).toBe('52.54');
    expect(await marker(page, 'truck-1').getAttribute('transform')).not.toBe(before);
    expect(await page.locator('#devices li').count()).toBe(2);
    expect(await page.locator('#devices li[data-device-id="truck-1"]').textContent()).toMatch(
      /seen \d+ (s|min) ago/,
    );
    await screenshot(page, 'map-live');

    // Cut the connection: stop the server, start it again on the same port.
    const port = Number(new URL(server.url).port);
    expect(await server.stop()).toBe(0);
    await expect.poll(() => status(page), { timeout: 15_000 }).toContain('reconnecting');
    server = await startServerProcess(env, { port });
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
    await screenshot(page, 'map-resumed');
    expect(failed).toEqual([]);
  });
});
