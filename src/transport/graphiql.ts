// GraphiQL at /graphql in a browser: served from the package (no CDN, so it works
// offline), opening with example tabs that walk through the API.
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

const KEY_HINT = 'paste your gfm_ key here';

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

// The first tab spells its input out: GraphiQL does not load the first tab's variables on
// a first visit, and this is the tab a newcomer runs first.
const report = (recordedAt: string) => `# Welcome to GoFindMe!
# 1. Put your key in Headers below: {"X-API-Key": "gfm_…"}
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
  const headers = JSON.stringify({ 'X-API-Key': KEY_HINT }, null, 2);
  const variables = (value: unknown) => JSON.stringify(value, null, 2);
  return {
    title: 'GoFindMe',
    headers,
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

/** GraphiQL's page inlines its editor (about 9 MB): render it once per set of options. */
export function cachedGraphiQLRenderer(): (options: GraphiQLOptions) => string {
  const pages = new Map<string, string>();
  return (options) => {
    const id = JSON.stringify(options);
    let page = pages.get(id);
    if (page === undefined) {
      page = renderGraphiQL(options);
      pages.clear();
      pages.set(id, page);
    }
    return page;
  };
}

/** GraphiQL's files (placeholder until served from the bundle). */
export const graphiqlBundle: import('../web/static.ts').Bundle = {
  name: 'graphiql',
  fingerprint: async () => 'placeholder',
  build: async () => [],
};
