// GraphiQL in a real browser (headless Chromium): it loads without any CDN, opens with
// the example tabs, and with a key in the Headers editor runs the history query and the
// live subscription, which shows a location reported through the API.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchBrowser, newPage, pasteInto, screenshot } from './helpers/browser.ts';
import { startTestServer, type TestKey, type TestServer } from './helpers/server.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcpProxy.ts';

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
    // GraphiQL takes the operation to run from the editor a moment after a switch (running
    // before that runs the previous tab's): wait until its tab state names this tab's.
    await expect
      .poll(() =>
        page.evaluate(() => {
          const state = JSON.parse(localStorage.getItem('graphiql:tabState') ?? '{}');
          return state.tabs?.[state.activeTabIndex]?.operationName ?? null;
        }),
      )
      .toBe(title);
  };
  /** The result pane's text (Monaco lays it out with non-breaking spaces). */
  const response = async (page: Page) =>
    ((await page.locator('.graphiql-response').textContent()) ?? '').replace(/\s+/g, ' ');
  const execute = (page: Page) => page.getByRole('button', { name: /Execute query/ }).click();
  /** Pastes the key into the Headers editor of the open tab. */
  const pasteKey = (page: Page) =>
    pasteInto(
      page,
      '.graphiql-editor-tool .graphiql-editor:not(.hidden)',
      JSON.stringify({ 'X-API-Key': key.key }),
    );

  /**
   * Bytes over the wire (headers and encoded bodies, counted by a TCP proxy in front of the
   * server) of what a visit loads: the page, its files, the editor's workers and the schema.
   */
  async function visit(page: Page, proxy: TcpProxy) {
    const before = proxy.bytesDown;
    const schema = page.waitForResponse(
      (r) => r.url().endsWith('/graphql') && r.request().method() === 'POST',
    );
    await page.goto(`${proxy.url}/graphql`);
    await page.waitForSelector('.graphiql-container');
    await schema;
    // The editor's workers start once it is drawn: wait until nothing more arrives for a second.
    let last = -1;
    await expect
      .poll(
        () => {
          const settled = proxy.bytesDown === last;
          last = proxy.bytesDown;
          return settled;
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(true);
    return proxy.bytesDown - before;
  }

  it('loads compressed and cached: the first visit under 3 MB, a repeat visit under 100 KB', async () => {
    const page = await newPage(browser);
    const proxy = await startTcpProxy(Number(new URL(server.url).port));
    const first = await visit(page, proxy);
    const again = await visit(page, proxy);
    await proxy.close();
    console.log(`GraphiQL over the wire: first visit ${first} bytes, repeat visit ${again} bytes`);
    expect(first).toBeLessThan(3_000_000);
    expect(again).toBeLessThan(100_000);
    // The editor's script: hashed name, brotli, cached for good.
    const html = await (await fetch(server.url, { headers: { accept: 'text/html' } })).text();
    expect(html.length).toBeLessThan(10_000);
    const script = /src="(\/assets\/graphiql\.[\w-]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(new URL(script, server.url), { headers: { 'accept-encoding': 'br, gzip' } });
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('etag')).toBeTruthy();
    await page.close();
  });

  it('shows the schema and its docs before a key is given', async () => {
    const page = await newPage(browser);
    const answers: string[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('/graphql') && r.request().method() === 'POST')
        void r.text().then((t) => answers.push(t));
    });
    await page.goto(server.url);
    await page.waitForSelector('.graphiql-container');
    await page.getByRole('button', { name: /Show Documentation Explorer/ }).click();
    await expect
      .poll(() => page.locator('.graphiql-doc-explorer').textContent(), { timeout: 10_000 })
      .toContain('Query');
    await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().click();
    await expect
      .poll(() => page.locator('.graphiql-doc-explorer').textContent(), { timeout: 10_000 })
      .toContain('geofenceEvents');
    expect(answers.join('\n')).not.toContain('UNAUTHENTICATED');
    await screenshot(page, 'graphiql-docs-without-key');
    // Anything but introspection still needs a key.
    const refused = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename viewer { name } }' }),
    });
    expect(refused.status).toBe(401);
    await page.close();
  });

  it('teaches with example tabs that share one key, each of which runs', async () => {
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

    // The first tab, as a newcomer finds it: paste the key once, run it as it is.
    await pasteKey(page);
    await execute(page);
    await expect.poll(() => response(page), { timeout: 10_000 }).toContain('"reportLocation"');
    expect(await response(page)).toContain('"latitude": 52.52');
    await screenshot(page, 'graphiql-report');

    // Every other tab runs with that key, without pasting it again.
    await openTab(page, 'History');
    await execute(page);
    await expect.poll(() => response(page), { timeout: 10_000 }).toContain('48.1372');
    expect(await response(page)).toContain('52.52'); // and the one the first tab stored
    expect(await response(page)).toContain('"deviceId": "phone-1"');

    await openTab(page, 'Live');
    await execute(page);
    await expect.poll(() => server.runtime.services.live.activeStreams, { timeout: 10_000 }).toBe(1);
    await report(47.3769);
    await expect.poll(() => response(page), { timeout: 10_000 }).toContain('47.3769');
    await screenshot(page, 'graphiql-live');

    // A geofence around where the first tab put phone-1, then its events, live.
    await openTab(page, 'CreateGeofence');
    await execute(page);
    await expect.poll(() => response(page), { timeout: 10_000 }).toContain('"name": "Office"');
    await openTab(page, 'GeofenceEvents');
    await execute(page);
    await expect.poll(() => server.runtime.services.live.activeStreams, { timeout: 10_000 }).toBe(1);
    await reportAt(52.52, 13.405);
    await expect.poll(() => response(page), { timeout: 10_000 }).toContain('"type": "ENTER"');
    expect(await response(page)).toContain('"geofenceName": "Office"');
    await screenshot(page, 'graphiql-geofence-events');

    await openTab(page, 'CreateWebhook');
    await execute(page);
    // example.com is not allowed in tests: the answer is the URL policy's, which proves the key was sent.
    await expect.poll(() => response(page), { timeout: 10_000 }).toMatch(/createWebhook|BAD_USER_INPUT/);
    expect(await response(page)).not.toContain('UNAUTHENTICATED');
    // Everything came from this server: nothing failed to load.
    expect(failed.filter((url) => !url.includes('/graphql'))).toEqual([]);
    // A reload keeps the key: every tab shows it.
    await page.reload();
    await page.waitForSelector('.graphiql-container');
    await expect.poll(() => page.locator('.graphiql-editor-tool').textContent()).toContain(key.key);
  });
});
