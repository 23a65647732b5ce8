// Reporting as the tracking apps do, for `npm run simulate -- --protocol …`: OwnTracks
// (one JSON message per POST, HTTP Basic), Traccar Client 10 (one form POST per fix, the
// key in the path, speed in knots) and Overland (GeoJSON batches, Bearer). Like the apps,
// each keeps its fixes in order, retries network errors, 429 and 5xx with backoff, and
// drops a request the server refuses with another 4xx.
import type { SimulatedFix } from './movement.ts';

export type AppProtocol = 'owntracks' | 'osmand' | 'overland';

export interface AppReporterOptions {
  /** The server's base URL (http://localhost:4000). */
  baseUrl: string;
  key: string;
  onStored(count: number): void;
  onRejected(count: number, reason: string): void;
  /** A failure that is retried. */
  onSendError(reason: string): void;
}

export interface AppReporter {
  report(fix: SimulatedFix): void;
  readonly pending: number;
  /** Resolves when everything queued was sent (or refused). */
  flush(): Promise<void>;
  close(): void;
}

interface Queued {
  fix: SimulatedFix;
  at: Date;
}

/** Points per Overland request (the app's default batch is 200). */
const OVERLAND_BATCH = 200;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;

export function createAppReporter(protocol: AppProtocol, options: AppReporterOptions): AppReporter {
  const queue: Queued[] = [];
  let sending: Promise<void> | undefined;
  let closed = false;
  let delay = RETRY_MIN_MS;

  const request = (batch: Queued[]): { url: string; init: RequestInit } => {
    const { baseUrl, key } = options;
    const first = batch[0]!;
    switch (protocol) {
      case 'owntracks': {
        // No user name: the device id is then the device alone (OwnTracks names devices <user>/<device>).
        const device = first.fix.deviceId;
        return {
          url: `${baseUrl}/ingest/owntracks`,
          init: {
            method: 'POST',
            headers: {
              authorization: `Basic ${Buffer.from(`:${key}`).toString('base64')}`,
              'content-type': 'application/json',
              'x-limit-d': device,
            },
            body: JSON.stringify({
              _type: 'location',
              tid: device
                .replace(/[^a-z0-9]/gi, '')
                .slice(-2)
                .toUpperCase(),
              lat: first.fix.latitude,
              lon: first.fix.longitude,
              tst: Math.floor(first.at.getTime() / 1000),
              acc: Math.round(first.fix.accuracy),
              alt: Math.round(first.fix.altitude),
              vel: Math.round(first.fix.speed * 3.6),
              cog: Math.round(first.fix.heading) % 360,
              batt: Math.round(first.fix.battery),
              t: 'u',
            }),
          },
        };
      }
      case 'osmand':
        return {
          url: `${baseUrl}/ingest/osmand/${key}`,
          init: {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              id: first.fix.deviceId,
              lat: String(first.fix.latitude),
              lon: String(first.fix.longitude),
              timestamp: String(Math.floor(first.at.getTime() / 1000)),
              speed: String(Math.round(first.fix.speed * 1.94384 * 100) / 100),
              bearing: String(first.fix.heading),
              altitude: String(first.fix.altitude),
              accuracy: String(first.fix.accuracy),
              batt: String(Math.round(first.fix.battery)),
            }).toString(),
          },
        };
      case 'overland':
        return {
          url: `${baseUrl}/ingest/overland`,
          init: {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              locations: batch.map(({ fix, at }) => ({
                type: 'Feature',
                geometry: { type: 'Point', coordinates: [fix.longitude, fix.latitude] },
                properties: {
                  timestamp: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
                  altitude: Math.round(fix.altitude),
                  speed: Math.round(fix.speed),
                  course: Math.round(fix.heading) % 360,
                  horizontal_accuracy: Math.round(fix.accuracy),
                  battery_level: Math.round(fix.battery) / 100,
                  battery_state: 'unplugged',
                  device_id: fix.deviceId,
                },
              })),
            }),
          },
        };
    }
  };

  const sendAll = async () => {
    while (queue.length > 0 && !closed) {
      const batch = queue.slice(0, protocol === 'overland' ? OVERLAND_BATCH : 1);
      const { url, init } = request(batch);
      let retry: string | undefined;
      try {
        const response = await fetch(url, init);
        const body = await response.text();
        if (response.ok) {
          queue.splice(0, batch.length);
          options.onStored(batch.length);
          delay = RETRY_MIN_MS;
          continue;
        }
        if (response.status === 429 || response.status >= 500) {
          retry = `HTTP ${response.status}: ${body.trim().slice(0, 200)}`;
        } else {
          queue.splice(0, batch.length);
          options.onRejected(batch.length, `HTTP ${response.status}: ${body.trim().slice(0, 200)}`);
          continue;
        }
      } catch (error) {
        retry = `network error: ${(error as Error).message}`;
      }
      options.onSendError(retry);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  };

  const pump = () => {
    sending ??= sendAll().finally(() => {
      sending = undefined;
      if (queue.length > 0 && !closed) pump();
    });
    return sending;
  };

  return {
    report(fix) {
      queue.push({ fix, at: new Date() });
      void pump();
    },
    get pending() {
      return queue.length;
    },
    async flush() {
      while (queue.length > 0 && !closed) await pump();
    },
    close() {
      closed = true;
    },
  };
}
