// The events webhooks carry and their exact JSON bodies.
//
// `location.created` bodies are rendered by PostgreSQL inside the statement that
// stores the location (the outbox row is written in the same statement), so the
// SQL below must produce what the GraphQL API shows for the same location:
// `id` and `cursor` are the same opaque tokens (see locations/types.ts), times are
// ISO 8601 in UTC with milliseconds, like Date.toISOString(). A test holds the two together.
export const LOCATION_CREATED = 'location.created';
export const WEBHOOK_TEST = 'webhook.test';

/** Base64url without padding, like Buffer.toString('base64url'); PostgreSQL's base64 wraps lines at 76. */
const base64url = (text: string) =>
  `translate(encode(convert_to(${text}, 'UTF8'), 'base64'), E'+/=\\n', '-_')`;
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A compact JSON object from [key, SQL expression] pairs; `raw` values are already JSON. */
function jsonObject(fields: [string, string, 'raw'?][]): string {
  return fields
    .map(([key, expression, raw], i) => {
      const value = raw ? expression : `coalesce(to_json(${expression})::text, 'null')`;
      return `'${i === 0 ? '{' : ','}"${key}":' || ${value}`;
    })
    .concat(`'}'`)
    .join(' || ');
}

/** SQL for the `location.created` body of a locations row aliased `l` (needs group_id, sequence, ...). */
export const LOCATION_CREATED_BODY = (l: string) =>
  jsonObject([
    ['type', `'${LOCATION_CREATED}'::text`],
    ['timestamp', iso(`${l}.received_at`)],
    [
      'data',
      jsonObject([
        ['id', base64url(`'loc:' || ${l}.group_id::text || ':' || ${l}.sequence::text`)],
        ['cursor', base64url(`'seq:' || ${l}.sequence::text`)],
        ['sequence', `${l}.sequence`],
        ['deviceId', `${l}.device_id`],
        ['latitude', `${l}.latitude`],
        ['longitude', `${l}.longitude`],
        ['accuracy', `${l}.accuracy`],
        ['altitude', `${l}.altitude`],
        ['speed', `${l}.speed`],
        ['heading', `${l}.heading`],
        ['battery', `${l}.battery`],
        ['recordedAt', iso(`${l}.recorded_at`)],
        ['receivedAt', iso(`${l}.received_at`)],
        ['clientId', `${l}.client_id`],
      ]),
      'raw',
    ],
  ]);

/** The `webhook.test` body, sent by testWebhook. */
export function testEventBody(webhookId: string, now = new Date()): string {
  return JSON.stringify({
    type: WEBHOOK_TEST,
    timestamp: now.toISOString(),
    data: { webhookId, message: 'This is a test event from GoFindMe.' },
  });
}
