// GraphiQL at /graphql in a browser: served from the package (no CDN, so it works
// offline), opening with example tabs that walk through the API and sharing one key.
import type { GraphiQLOptions } from 'graphql-yoga';
import { fromRoot } from '../paths.ts';
import { type BuiltFile, type Bundle, fingerprintOf, hashedUrl, loadBundle } from '../web/static.ts';

const KEY_HINT = 'paste your gfm_ key here';

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

// The first tab spells its input out: GraphiQL does not load the first tab's variables on
// a first visit, and this is the tab a newcomer runs first.
const report = (recordedAt: string) => `# Welcome to GoFindMe!
# 1. Put your key in Headers below, once: every
#    tab uses it. {"X-API-Key": "gfm_…"}
# 2. Press ▶ to store this location of phone-1.
# Change latitude, longitude and recordedAt to move it.
mutation Report {
  reportLocation(input: {
    deviceId: "phone-1"
    latitude: 52.52
    longitude: 13.405
    accuracy: 8
    battery: 80
    recordedAt: "${recordedAt}"
  }) {
    id
    cursor
    deviceId
    latitude
    longitude
    recordedAt
    receivedAt
  }
}
`;

const HISTORY = `# Your group's devices with their last location,
# and the 20 latest fixes of one device (newest last).
# Page with first/after or last/before.
query History($deviceId: String) {
  devices(first: 20) {
    edges {
      node {
        deviceId
        lastLocation { latitude longitude recordedAt }
      }
    }
  }
  locations(deviceId: $deviceId, last: 20) {
    edges {
      node { deviceId latitude longitude speed heading battery recordedAt cursor }
    }
    pageInfo { hasPreviousPage startCursor }
  }
}
`;

const SUBSCRIBE = `# Live locations of your group (over SSE), as soon
# as they are stored. Keep it running, report from
# the Report tab: each location appears on the right.
# After a disconnect, pass the last cursor as $after:
# you get what you missed, then live again.
subscription Live($after: String, $deviceId: String) {
  locationUpdates(after: $after, deviceId: $deviceId) {
    cursor
    deviceId
    latitude
    longitude
    recordedAt
  }
}
`;

const GEOFENCE = `# A place (needs geofences:manage): devices that
# come and go get ENTER, EXIT and DWELL events.
# A circle in metres, or a GeoJSON polygon:
# "polygon": {"type": "Polygon", "coordinates":
#   [[[lon, lat], …, the first again]]}
# Create it, run the GeofenceEvents tab, then
# move phone-1 out and back with the Report tab
# (0.01° of latitude is 1.1 km).
mutation CreateGeofence($input: CreateGeofenceInput!) {
  createGeofence(input: $input) {
    id
    name
    circle { latitude longitude radiusMeters }
    dwellSeconds
  }
}
`;

const GEOFENCE_EVENTS = `# Devices entering, leaving and dwelling in
# your geofences, live, each with the fix that
# caused it. After a disconnect, pass the last
# cursor as $after: what you missed, then live.
subscription GeofenceEvents($after: String, $deviceId: String) {
  geofenceEvents(after: $after, deviceId: $deviceId) {
    cursor
    type
    geofenceName
    deviceId
    occurredAt
    location { latitude longitude accuracy }
  }
}
`;

const WEBHOOK = `# New locations POSTed to your endpoint, signed
# (Standard Webhooks). The secret is shown only in
# this answer: keep it to verify signatures. Add
# "eventTypes": ["GEOFENCE_ENTERED", "GEOFENCE_EXITED"]
# to the input for geofence events.
mutation CreateWebhook($input: CreateWebhookInput!) {
  createWebhook(input: $input) {
    secret
    webhook { id url deviceIds active }
  }
}
`;

export function graphiqlOptions(): GraphiQLOptions {
  const variables = (value: unknown) => JSON.stringify(value, null, 2);
  // No headers per tab: every tab shows the one key (see startScript).
  const headers = undefined;
  return {
    title: 'GoFindMe',
    shouldPersistHeaders: true,
    defaultEditorToolsVisibility: 'headers',
    subscriptionsProtocol: 'SSE',
    defaultTabs: [
      { query: report(minutesAgo(0)), headers, variables: '' },
      { query: HISTORY, headers, variables: variables({ deviceId: 'phone-1' }) },
      { query: SUBSCRIBE, headers, variables: variables({}) },
      {
        query: GEOFENCE,
        headers,
        variables: variables({
          input: {
            name: 'Office',
            circle: { latitude: 52.52, longitude: 13.405, radiusMeters: 150 },
            dwellSeconds: 60,
          },
        }),
      },
      { query: GEOFENCE_EVENTS, headers, variables: variables({}) },
      {
        query: WEBHOOK,
        headers,
        variables: variables({ input: { url: 'https://example.com/gofindme', deviceIds: ['phone-1'] } }),
      },
    ],
  };
}

// GraphiQL's editor is about 9 MB of script. Instead of inlining it in every page, as
// Yoga's renderer does, its parts are files of their own (the app, its three Monaco
// workers, its styles, and our start-up script), compressed ahead and cached by the
// browser for good (their names carry a content hash); the page itself is about 3 KB.

/** The editor's parts, from the package Yoga renders its own page with. */
async function editorParts() {
  return import('@graphql-yoga/render-graphiql/graphiql');
}

const JS = 'text/javascript; charset=utf-8';

export const graphiqlBundle: Bundle = {
  name: 'graphiql',
  fingerprint: async () =>
    fingerprintOf(
      [fromRoot('src', 'transport', 'graphiql.ts')],
      [
        (await import('@graphql-yoga/render-graphiql/package.json', { with: { type: 'json' } })).default
          .version,
      ],
    ),
  async build() {
    const parts = await editorParts();
    const file = (name: string, type: string, text: string): BuiltFile => ({
      name,
      type,
      body: Buffer.from(text),
      hashed: true,
    });
    const workers = {
      editorWorkerService: file('editor.worker.js', JS, parts.editorWorkerService),
      json: file('json.worker.js', JS, parts.jsonWorker),
      graphql: file('graphql.worker.js', JS, parts.graphqlWorker),
    };
    const workerUrls = Object.fromEntries(
      Object.entries(workers).map(([label, worker]) => [label, hashedUrl(worker)]),
    );
    const [, faviconType, faviconData] = /^data:([^;]+);base64,(.*)$/.exec(parts.favicon) ?? [];
    return [
      file('graphiql.css', 'text/css; charset=utf-8', parts.css),
      file('graphiql.js', JS, parts.js),
      ...Object.values(workers),
      file('graphiql-start.js', JS, startScript(workerUrls)),
      {
        name: 'graphiql.ico',
        type: faviconType ?? 'image/x-icon',
        body: Buffer.from(faviconData ?? '', 'base64'),
        hashed: true,
      },
    ];
  },
};

/**
 * Runs after the editor's script: points Monaco at its worker files, shares one key
 * between all tabs, and renders GraphiQL with the options the page carries.
 *
 * The key: GraphiQL keeps headers per tab. Every request to this server's /graphql goes
 * through fetch, so the page's fetch puts in the key last seen in any tab's headers
 * (kept in localStorage) when a tab still has the placeholder, and sends no key at all
 * when none is known yet (the schema and its docs load without one).
 */
function startScript(workerUrls: Record<string, string>): string {
  return `(() => {
  const workers = ${JSON.stringify(workerUrls)};
  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_id, label) => workers[label] };
  const STORE = 'gofindme:graphiql-key';
  const HINT = ${JSON.stringify(KEY_HINT)};
  const isKey = (value) => typeof value === 'string' && value.startsWith('gfm_');
  const endpoint = new URL('/graphql', location.href).href;
  const send = window.fetch.bind(window);
  window.fetch = (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    if (url.origin + url.pathname !== endpoint && !url.pathname.startsWith('/graphql')) return send(input, init);
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    const given = headers.get('x-api-key');
    if (isKey(given)) localStorage.setItem(STORE, given);
    else {
      headers.delete('x-api-key');
      const known = localStorage.getItem(STORE);
      if (known && !headers.has('authorization')) headers.set('x-api-key', known);
    }
    return send(input, { ...init, headers });
  };
  const options = JSON.parse(document.getElementById('graphiql-options').textContent);
  const known = localStorage.getItem(STORE);
  options.headers = JSON.stringify({ 'X-API-Key': isKey(known) ? known : HINT }, null, 2);
  // Tabs saved by an earlier visit show the known key too, not the placeholder they kept.
  try {
    const saved = JSON.parse(localStorage.getItem('graphiql:tabState') ?? 'null');
    if (isKey(known) && saved && Array.isArray(saved.tabs)) {
      for (const tab of saved.tabs) if (!tab.headers || tab.headers.includes(HINT)) tab.headers = options.headers;
      localStorage.setItem('graphiql:tabState', JSON.stringify(saved));
    }
    const last = localStorage.getItem('graphiql:headers');
    if (isKey(known) && (!last || last.includes(HINT))) localStorage.setItem('graphiql:headers', options.headers);
  } catch {}
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
})();
`;
}

/** The page: links to the bundle's files and the options as JSON (no inline script). */
export async function graphiqlPage(options: GraphiQLOptions): Promise<string> {
  const files = await loadBundle(graphiqlBundle);
  const url = (name: string) => files.get(name)!.url;
  const json = JSON.stringify(options).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${url('graphiql.ico')}" />
    <link rel="stylesheet" href="${url('graphiql.css')}" />
    <script src="${url('graphiql.js')}" defer></script>
    <script src="${url('graphiql-start.js')}" defer></script>
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-options">${json}</script>
  </body>
</html>
`;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
