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
  test: 'webhook.test',
} as const;

export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** SQL for an event body: `type`, `timestamp` (an SQL expression giving ISO text) and `data` (SQL giving JSON text). */
export const eventBodySql = (type: EventType, timestampSql: string, dataSql: string) =>
  `'{"type":"${type}","timestamp":"' || ${timestampSql} || '","data":' || ${dataSql} || '}'`;

/** The `webhook.test` body, sent by testWebhook. */
export function testEventBody(webhookId: string, now = new Date()): string {
  return JSON.stringify({
    type: EVENT_TYPES.test,
    timestamp: now.toISOString(),
    data: { webhookId, message: 'This is a test event from GoFindMe.' },
  });
}
