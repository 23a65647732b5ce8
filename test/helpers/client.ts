// The client (src/client) wired for tests: every request, stored fix, refusal, send
// error, received location and status is recorded for assertions.
import { expect } from 'vitest';
import WebSocket from 'ws';
import {
  createGoFindMeClient,
  type GoFindMeClient,
  type GoFindMeClientOptions,
  type GoFindMeError,
  type LiveLocation,
  type LocationFix,
  type QueuedLocation,
  type StoredLocation,
  type WatchStatus,
} from '../../src/client/index.ts';
import { graphql } from '../gql/index.ts';
import { graphqlRequest } from './server.ts';

const StoredHistory = graphql(`
  query ClientStoredHistory($deviceId: String!) {
    locations(deviceId: $deviceId, first: 500) {
      edges {
        node {
          clientId
        }
      }
    }
  }
`);

/** `count` fixes of one device, a little further north each. */
export const fixes = (deviceId: string, count: number, from = 0): LocationFix[] =>
  Array.from({ length: count }, (_, i) => ({ deviceId, latitude: 52 + (from + i) / 1000, longitude: 13.4 }));

/** A client with short delays whose requests, stored fixes, refusals and send errors are recorded. */
export function recordedClient(url: string, apiKey: string, options: Partial<GoFindMeClientOptions> = {}) {
  const requests: number[] = [];
  const stored: StoredLocation[] = [];
  const rejected: { fixes: QueuedLocation[]; error: GoFindMeError }[] = [];
  const sendErrors: GoFindMeError[] = [];
  const client = createGoFindMeClient({
    url,
    apiKey,
    webSocketImpl: WebSocket,
    batchDelayMs: 20,
    retry: { minDelayMs: 50, maxDelayMs: 500 },
    fetch: (input, init) => {
      requests.push(Date.now());
      return fetch(input, init);
    },
    onStored: (locations) => stored.push(...locations),
    onRejected: (fixes, error) => rejected.push({ fixes, error }),
    onSendError: (error) => sendErrors.push(error),
    ...options,
  });
  return { client, requests, stored, rejected, sendErrors };
}

/** Starts a watch that records what it receives. */
export function recordedWatch(client: GoFindMeClient, options: { deviceId?: string; after?: string } = {}) {
  const received: LiveLocation[] = [];
  const statuses: WatchStatus[] = [];
  const errors: GoFindMeError[] = [];
  const stop = client.watch({
    ...options,
    onLocation: (location) => received.push(location),
    onError: (error) => errors.push(error),
    onStatus: (status) => statuses.push(status),
  });
  return { received, statuses, errors, stop };
}

/** The clientId of every stored location of a device, as the API lists them. */
export async function storedClientIds(graphqlUrl: string, key: string, deviceId: string): Promise<string[]> {
  const response = await graphqlRequest(graphqlUrl, StoredHistory, { deviceId }, { 'x-api-key': key });
  expect(response.errors).toBeUndefined();
  return response.data!.locations.edges.map((edge) => edge.node.clientId!);
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
