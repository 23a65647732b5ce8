// The events webhooks carry: their types and the exact JSON body of each. Bodies are
// `{ "type", "timestamp", "data" }` (Standard Webhooks); an event's `data` is what the API
// shows for the thing it is about.
//
// Bodies of events stored with a write (`location.created`) are rendered by PostgreSQL
// inside the statement that stores the location, so that the outbox row is written in the
// same statement; `data` then comes from the record's own SQL (see locations/record.ts).
// A test holds the two renderings together.

/** Event types, as they appear in `type` and `WebhookDelivery.eventType`. */
export const EVENT_TYPES = {
  locationCreated: 'location.created',
  geofenceEntered: 'geofence.entered',
  geofenceExited: 'geofence.exited',
  geofenceDwelled: 'geofence.dwelled',
  test: 'webhook.test',
} as const;

export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** The event types a webhook may subscribe to (every one but the test). */
export const SUBSCRIBABLE_EVENT_TYPES = [
  EVENT_TYPES.locationCreated,
  EVENT_TYPES.geofenceEntered,
  EVENT_TYPES.geofenceExited,
  EVENT_TYPES.geofenceDwelled,
] as const;
export type SubscribableEventType = (typeof SUBSCRIBABLE_EVENT_TYPES)[number];

/** What a webhook receives when it does not say. */
export const DEFAULT_EVENT_TYPES: readonly SubscribableEventType[] = [EVENT_TYPES.locationCreated];

/** An event type as an SQL string literal. */
export const eventTypeSql = (type: EventType) => `'${type}'`;

/**
 * SQL for an event body from SQL expressions: `type` (text), `timestamp` (ISO text) and
 * `data` (JSON text).
 */
export const eventBodySql = (typeSql: string, timestampSql: string, dataSql: string) =>
  `'{"type":' || to_json(${typeSql}::text)::text || ',"timestamp":"' || ${timestampSql} || '","data":' || ${dataSql} || '}'`;

/** The `webhook.test` body, sent by testWebhook. */
export function testEventBody(webhookId: string, now = new Date()): string {
  return JSON.stringify({
    type: EVENT_TYPES.test,
    timestamp: now.toISOString(),
    data: { webhookId, message: 'This is a test event from GoFindMe.' },
  });
}
