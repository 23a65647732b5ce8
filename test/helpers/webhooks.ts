// GraphQL operations and fixtures for the webhook tests.
import { expect } from 'vitest';
import { graphql } from '../gql/index.ts';
import type { TestKey } from './server.ts';

export const CreateWebhook = graphql(`
  mutation CreateWebhook($input: CreateWebhookInput!) {
    createWebhook(input: $input) {
      secret
      webhook {
        id
        url
        description
        deviceIds
        eventTypes
        active
      }
    }
  }
`);

export const UpdateWebhook = graphql(`
  mutation UpdateWebhook($id: ID!, $input: UpdateWebhookInput!) {
    updateWebhook(id: $id, input: $input) {
      id
      url
      deviceIds
      active
      disabledReason
    }
  }
`);

export const DeleteWebhook = graphql(`
  mutation DeleteWebhook($id: ID!) {
    deleteWebhook(id: $id) {
      id
    }
  }
`);

export const RotateSecret = graphql(`
  mutation RotateSecret($id: ID!) {
    rotateWebhookSecret(id: $id) {
      secret
      webhook {
        id
        previousSecretExpiresAt
      }
    }
  }
`);

export const TestWebhook = graphql(`
  mutation TestWebhook($id: ID!) {
    testWebhook(id: $id) {
      id
      eventType
      status
    }
  }
`);

export const Redeliver = graphql(`
  mutation Redeliver($id: ID!) {
    redeliverWebhookDelivery(id: $id) {
      id
      status
      attempts
    }
  }
`);

export const Replay = graphql(`
  mutation Replay($id: ID!, $from: DateTime!, $to: DateTime, $status: WebhookDeliveryStatus) {
    replayWebhookDeliveries(id: $id, from: $from, to: $to, status: $status) {
      replayed
    }
  }
`);

export const Webhooks = graphql(`
  query Webhooks($status: WebhookDeliveryStatus, $first: Int, $after: String) {
    webhooks {
      id
      url
      active
      disabledReason
      failingSince
      deliveries(status: $status, first: $first, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            eventType
            status
            attempts
            nextAttemptAt
            lastAttemptAt
            lastStatusCode
            lastError
            lastDurationMs
            lastResponseBody
            payload
            createdAt
            deliveredAt
          }
        }
      }
    }
  }
`);

export const ReportLocations = graphql(`
  mutation WebhookReports($input: [LocationInput!]!) {
    reportLocations(input: $input) {
      id
      cursor
      deviceId
      latitude
      longitude
      accuracy
      altitude
      speed
      heading
      battery
      recordedAt
      receivedAt
      clientId
    }
  }
`);

let fix = 0;

/** Reports `count` locations of `deviceId` (one call); returns what the API returned. */
export async function report(key: TestKey, count: number, deviceId = 'truck-1') {
  const input = Array.from({ length: count }, () => {
    fix++;
    return {
      deviceId,
      latitude: 52 + (fix % 1000) / 10_000,
      longitude: 13.4,
      accuracy: 5,
      battery: 80,
      recordedAt: new Date(Date.now() - 1000).toISOString(),
      clientId: `c-${process.pid}-${fix}`,
    };
  });
  const response = await key.request(ReportLocations, { input });
  expect(response.errors).toBeUndefined();
  return response.data!.reportLocations;
}

/** Creates a webhook through the API; returns its id and secret. */
export async function createWebhook(key: TestKey, url: string, deviceIds?: string[]) {
  const response = await key.request(CreateWebhook, { input: { url, deviceIds } });
  expect(response.errors).toBeUndefined();
  const { webhook, secret } = response.data!.createWebhook;
  return { id: webhook.id, secret };
}

/** The delivery log of the key's webhook `id` (newest first, up to 1000). */
export async function deliveriesOf(key: TestKey, id: string) {
  const response = await key.request(Webhooks, { first: 1000 });
  expect(response.errors).toBeUndefined();
  const webhook = response.data!.webhooks.find((w) => w.id === id)!;
  return { webhook, deliveries: webhook.deliveries.edges.map((e) => e.node) };
}
