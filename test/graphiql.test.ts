// GraphiQL in a real browser (headless Chromium): it loads without any CDN, opens with
// the example tabs, and with a key in the Headers editor runs the history query and the
// live subscription, which shows a location reported through the API.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchBrowser, newPage, pasteInto, screenshot } from './helpers/browser.ts';
import { startTestServer, type TestKey, type TestServer } from './helpers/server.ts';

if (chromiumMissing) console.warn(`Skipping the GraphiQL browser test: ${chromiumMissing}.`);

const REPORT = 'mutation($input: LocationInput!) { reportLocation(input: $input) { id } }';

describe.skipIf(chromiumMissing !== undefined)('GraphiQL in a browser', { timeout: 120_000 }, () => {
  let server: TestServer;
  let key: TestKey;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    key = await server.key();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const report = (latitude: number) => reportAt(latitude, 11.5756);
  const reportAt = async (latitude: number, longitude: number) => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key.key },
      body: JSON.stringify({
        query: REPORT,
        variables: {
          input: { deviceId: 'phone-1', latitude, longitude, recordedAt: new Date().toISOString() },
        },
      }),
    });
    expect((await response.json()).errors).toBeUndefined();
  };

  /** GraphiQL's tabs sit in a drag-to-reorder list that swallows synthetic pointer clicks. */
  const openTab = async (page: Page, title: string) => {
    await page.locator(`.graphiql-tab-button[title="${title}"]`).dispatchEvent('click');
    await expect.poll(() => page.locator('.graphiql-tab-active').textContent()).toContain(title);
  };
  /** The result pane's text (Monaco lays it out with non-breaking spaces). */
  const response = async (page: Page) =>
    ((await page.locator('.graphiql-response').textContent()) ?? '').replace(/\s+/g, ' ');
  const run = async (page: Page) => {
    await pasteInto(
      page,
      '.graphiql-editor-tool .graphiql-editor:not(.hidden)',
      JSON.stringify({ 'X-API-Key': key.key }),
    );
    await page.getByRole('button', { name: /Execute query/ }).click();
  };

  it('teaches with example tabs and runs the history query and a live subscription', async () => {
    await report(48.1372);
    const page = await newPage(browser);
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(request.url()));
    await page.goto(server.url);
    await page.waitForSelector('.graphiql-container');
    const titles = await page.locator('.graphiql-tab-button').allInnerTexts();
    expect(titles).toEqual([
      'Report',
      'History',
      'Live',
      'CreateGeofence',
      'GeofenceEvents',
      'CreateWebhook',
    ]);
    // The Headers editor is open and says where the key goes.
    expect(await page.locator('.graphiql-editor-tool').textContent()).toContain('X-API-Key');

    // The first tab, as a newcomer finds it: it stores a location as it is.
    await run(page);
    await expect.poll(() => response(page), { timeout: 10_000 }).toContain('"reportLocation"');
    expect(await response(page)).toContain('"latitude": 52.52');
    await screenshot(page, 'graphiql-report');

    await openTab(page, 'History');
    await run(page);
    await expect.poll(() => response(page), { timeout: 10_000 }).toContain('48.1372');
    expect(await response(page)).toContain('52.52'); // and the one the first tab stored
    expect(await response(page)).toContain('"deviceId": "phone-1"');

    await openTab(page, 'Live');
    await run(page);
    await expect.poll(() => server.runtime.services.live.activeStreams, { timeout: 10_000 }).toBe(1);
    await report(47.3769);
    await expect.poll(() => response(page), { timeout: 10_000 }).toContain('47.3769');
    await screenshot(page, 'graphiql-live');

    // A geofence around where the first tab put phone-1, then its events, live.
    await openTab(page, 'CreateGeofence');
    await run(page);
    await expect.poll(() => response(page), { timeout: 10_000 }).toContain('"name": "Office"');
    await openTab(page, 'GeofenceEvents');
    await run(page);
    await expect.poll(() => server.runtime.services.live.activeStreams, { timeout: 10_000 }).toBe(1);
    await reportAt(52.52, 13.405);
    await expect.poll(() => response(page), { timeout: 10_000 }).toContain('"type": "ENTER"');
    expect(await response(page)).toContain('"geofenceName": "Office"');
    await screenshot(page, 'graphiql-geofence-events');
    // Everything came from this server: nothing failed to load.
    expect(failed.filter((url) => !url.includes('/graphql'))).toEqual([]);
  });
});
