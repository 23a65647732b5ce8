// The webhook outbox: every statement on webhook_deliveries lives here, and both the
// service (management, replay) and the delivery worker (claim, record, release) call it.
//
// A delivery row is waiting (pending, failed), being attempted (delivering, under a claim
// token and a lease), or finished (succeeded, dead). Only a waiting row of an active
// webhook, or a delivering row whose lease ran out, has next_attempt_at <= now(): the
// index on (webhook_id, next_attempt_at) alone finds what is due, in order.
import { type SqlClient, unnestParams } from '../db/sql.ts';
import type { WebhookDeliveryStatus } from '../generated/prisma/enums.ts';
import { DEFAULT_EVENT_TYPES, eventTypeSql } from './events.ts';
import { type DeliveryOutcome, HELD_STATUSES, type WebhookHealth } from './policy.ts';

/**
 * A CTE (`outbox`, then `enqueued` with the count; names prefixed by `prefix`) that enqueues one event per row of
 * `from` for every active webhook of the group ($1) whose device filter matches. Written
 * into the statement that stores what the events are about, so that nothing is stored
 * without its deliveries.
 */
export function enqueueSql(options: {
  /** SQL for the event type (eventTypeSql(…) for one type, or a column). */
  eventType: string;
  /** The rows the events are about, with an alias: "inserted ins". */
  from: string;
  /** The row's device id (for webhooks that list devices). */
  deviceId: string;
  /** The event body (see events.ts). */
  body: string;
  orderBy: string;
  /** For a second outbox in one statement: its CTEs are `<prefix>outbox` and `<prefix>enqueued`. */
  prefix?: string;
}): string {
  const prefix = options.prefix ?? '';
  return `${prefix}outbox AS (
  INSERT INTO webhook_deliveries (webhook_id, event_type, payload)
  SELECT w.id, ${options.eventType}, ${options.body}
  FROM ${options.from}
  JOIN webhooks w ON w.group_id = $1::uuid AND w.active
   AND ${options.eventType} = ANY (coalesce(w.event_types, ARRAY[${DEFAULT_EVENT_TYPES.map(eventTypeSql).join(', ')}]))
   AND (coalesce(cardinality(w.device_ids), 0) = 0 OR ${options.deviceId} = ANY (w.device_ids))
  ORDER BY ${options.orderBy}
  RETURNING 1
),
${prefix}enqueued AS (SELECT count(*)::int AS deliveries FROM ${prefix}outbox)`;
}

/** A claimed delivery, with what is needed to send it. */
export interface ClaimedDelivery {
  id: string;
  webhook_id: string;
  payload: string;
  attempts: number;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
}

/**
 * Claims due deliveries in one statement: locks them with FOR UPDATE SKIP LOCKED (two
 * workers never take the same row), marks them `delivering` under `token`, counts the
 * attempt and pushes next_attempt_at to the end of a lease (`leaseMs`): if the worker dies,
 * the row is due again then. At most `perWebhook` per webhook (less what the worker already
 * `holds` of it) and `limit` in all, oldest due first; only active webhooks.
 */
export function claim(
  sql: SqlClient,
  options: {
    holds: ReadonlyMap<string, number>;
    perWebhook: number;
    limit: number;
    token: string;
    leaseMs: number;
  },
): Promise<ClaimedDelivery[]> {
  return sql.query<ClaimedDelivery>(
    CLAIM,
    [
      [...options.holds.keys()],
      [...options.holds.values()],
      options.perWebhook,
      options.limit,
      options.token,
      options.leaseMs,
    ],
    'gofindme_webhook_claim',
  );
}

const CLAIM = `
WITH busy AS (
  SELECT * FROM ${unnestParams(1, 'uuid', 'int')} AS b(webhook_id, held)
),
chosen AS (
  SELECT d.id FROM webhooks w
  LEFT JOIN busy b ON b.webhook_id = w.id
  CROSS JOIN LATERAL (
    SELECT d.id, d.next_attempt_at FROM webhook_deliveries d
    WHERE d.webhook_id = w.id AND d.next_attempt_at <= now()
    ORDER BY d.next_attempt_at
    LIMIT greatest($3::int - coalesce(b.held, 0), 0)
    FOR UPDATE OF d SKIP LOCKED
  ) d
  WHERE w.active
  ORDER BY d.next_attempt_at
  LIMIT $4::int
)
UPDATE webhook_deliveries d
SET status = 'delivering', attempts = d.attempts + 1, claim_token = $5::uuid,
    next_attempt_at = now() + $6::int * interval '1 millisecond', last_attempt_at = now()
FROM webhooks w
WHERE d.id = ANY (ARRAY(SELECT id FROM chosen)) AND w.id = d.webhook_id
RETURNING d.id, d.webhook_id, d.payload, d.attempts, w.url, w.secret, w.previous_secret, w.previous_secret_expires_at`;

/** A finished attempt to record, as the policy decided it. */
export interface AttemptRecord {
  id: string;
  token: string;
  status: DeliveryOutcome;
  /** Due again after this long; null: not due (finished, or held). */
  retryInMs: number | null;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseBody: string | null;
}

/** A webhook's health row after recording. */
interface HealthRow {
  webhook_id: string;
  gone: boolean;
  any_ok: boolean;
  failing_since: Date | null;
}

/**
 * Records finished attempts, each only under the token that claimed it (a worker whose
 * lease ran out cannot overwrite a newer attempt's outcome), and keeps each webhook's
 * failing streak: a success ends it, a failure starts it. A delivery of a webhook that is
 * disabled meanwhile is held rather than scheduled. Returns each webhook's health, for
 * the policy to decide whether to disable it.
 */
export async function record(sql: SqlClient, attempts: readonly AttemptRecord[]): Promise<WebhookHealth[]> {
  const column = <T>(pick: (a: AttemptRecord) => T) => attempts.map(pick);
  const rows = await sql.query<HealthRow>(
    RECORD,
    [
      column((a) => a.id),
      column((a) => a.token),
      column((a) => a.status),
      column((a) => a.retryInMs),
      column((a) => a.statusCode),
      column((a) => a.error),
      column((a) => a.durationMs),
      column((a) => a.responseBody?.replaceAll('\u0000', '') ?? null),
    ],
    'gofindme_webhook_record',
  );
  return rows.map((row) => ({
    webhookId: row.webhook_id,
    gone: row.gone,
    anySucceeded: row.any_ok,
    failingSince: row.failing_since,
  }));
}

const RECORD = `
WITH r AS (
  SELECT * FROM ${unnestParams(1, 'uuid', 'uuid', 'text', 'int', 'int', 'text', 'int', 'text')}
    AS r(id, token, status, retry_in_ms, status_code, error, duration_ms, body)
),
updated AS (
  UPDATE webhook_deliveries d SET
    status = r.status::webhook_delivery_status,
    next_attempt_at = CASE WHEN r.retry_in_ms IS NULL OR NOT w.active THEN NULL
                           ELSE now() + r.retry_in_ms * interval '1 millisecond' END,
    claim_token = NULL,
    last_status_code = r.status_code,
    last_error = r.error,
    last_duration_ms = r.duration_ms,
    last_response_body = r.body,
    delivered_at = CASE WHEN r.status = 'succeeded' THEN now() ELSE d.delivered_at END
  FROM r, webhooks w
  WHERE d.id = r.id AND d.claim_token = r.token AND w.id = d.webhook_id
  RETURNING d.webhook_id, r.status, r.status_code
),
outcome AS (
  SELECT webhook_id, bool_or(status = 'succeeded') AS any_ok, bool_or(status_code = 410) AS gone
  FROM updated GROUP BY webhook_id
),
streak AS (
  UPDATE webhooks w SET
    failing_since = CASE WHEN o.any_ok THEN NULL ELSE coalesce(w.failing_since, now()) END
  FROM outcome o
  WHERE w.id = o.webhook_id
  RETURNING w.id, w.failing_since
)
SELECT o.webhook_id, o.gone, o.any_ok, s.failing_since
FROM outcome o JOIN streak s ON s.id = o.webhook_id`;

/**
 * Disables webhooks (that are still active), saying why, and holds their waiting
 * deliveries (policy: HELD_STATUSES). Returns the ids it disabled.
 */
export async function disable(
  sql: SqlClient,
  webhooks: readonly { webhookId: string; reason: string }[],
): Promise<string[]> {
  if (webhooks.length === 0) return [];
  const rows = await sql.query<{ id: string }>(
    `WITH x AS (SELECT * FROM unnest($1::uuid[], $2::text[]) AS x(id, reason)),
     off AS (
       UPDATE webhooks w SET active = false, disabled_reason = x.reason
       FROM x WHERE w.id = x.id AND w.active
       RETURNING w.id
     ),
     held AS (
       UPDATE webhook_deliveries d SET next_attempt_at = NULL
       FROM off WHERE d.webhook_id = off.id AND d.status::text = ANY ($3::text[])
         AND d.next_attempt_at IS NOT NULL
     )
     SELECT id FROM off`,
    [webhooks.map((w) => w.webhookId), webhooks.map((w) => w.reason), [...HELD_STATUSES]],
  );
  return rows.map((row) => row.id);
}

/** Holds the waiting deliveries of a webhook that is being disabled (in the caller's transaction). */
export async function hold(sql: SqlClient, webhookId: string): Promise<void> {
  await sql.query(
    `UPDATE webhook_deliveries SET next_attempt_at = NULL
     WHERE webhook_id = $1::uuid AND status::text = ANY ($2::text[])`,
    [webhookId, [...HELD_STATUSES]],
  );
}

/** Makes the held deliveries of a webhook that is being enabled due at once (in the caller's transaction). */
export async function resume(sql: SqlClient, webhookId: string): Promise<void> {
  await sql.query(
    `UPDATE webhook_deliveries SET next_attempt_at = now()
     WHERE webhook_id = $1::uuid AND status::text = ANY ($2::text[]) AND next_attempt_at IS NULL`,
    [webhookId, [...HELD_STATUSES]],
  );
}

/** Hands claims back: due now, the attempt not counted (a stopping worker's unstarted or unfinished ones). */
export async function release(
  sql: SqlClient,
  claims: readonly { id: string; token: string }[],
): Promise<void> {
  if (claims.length === 0) return;
  await sql.query(
    `UPDATE webhook_deliveries d
     SET status = CASE WHEN d.attempts <= 1 THEN 'pending' ELSE 'failed' END::webhook_delivery_status,
         attempts = d.attempts - 1, next_attempt_at = now(), claim_token = NULL
     FROM unnest($1::uuid[], $2::uuid[]) AS r(id, token)
     WHERE d.id = r.id AND d.claim_token = r.token`,
    [claims.map((c) => c.id), claims.map((c) => c.token)],
  );
}

/**
 * Queues deliveries again, due now, with a fresh retry budget: one (`deliveryId`) or a
 * webhook's deliveries created in [from, to] (optionally of one status). Never one being
 * attempted right now (the condition is in the UPDATE, so a worker claiming it meanwhile
 * wins): a receiver never gets one webhook-id twice at once. Returns the ids requeued.
 */
export async function requeue(
  sql: SqlClient,
  which:
    | { deliveryId: string }
    | { webhookId: string; from: Date; to: Date; status: WebhookDeliveryStatus | null },
): Promise<string[]> {
  const rows =
    'deliveryId' in which
      ? await sql.query<{ id: string }>(
          `${REQUEUE} WHERE id = $1::uuid AND status <> 'delivering' RETURNING id`,
          [which.deliveryId],
        )
      : await sql.query<{ id: string }>(
          `${REQUEUE} WHERE webhook_id = $1::uuid AND created_at >= $2::timestamptz AND created_at <= $3::timestamptz
             AND status <> 'delivering' AND ($4::text IS NULL OR status::text = $4::text)
           RETURNING id`,
          [which.webhookId, which.from.toISOString(), which.to.toISOString(), which.status],
        );
  return rows.map((row) => row.id);
}

const REQUEUE = `UPDATE webhook_deliveries
SET status = 'pending', attempts = 0, next_attempt_at = now(), claim_token = NULL`;

/** Deliveries of active webhooks not delivered yet (waiting or being attempted), over all instances. */
export async function backlog(sql: SqlClient): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
     WHERE w.active AND d.next_attempt_at IS NOT NULL AND d.status IN ('pending', 'failed', 'delivering')`,
  );
  return row?.n ?? 0;
}
