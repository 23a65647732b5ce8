// The webhook outbox: every statement on webhook_deliveries lives here, and both the
// service (management, replay) and the delivery worker (claim, record, release) call it.
//
// A delivery row is waiting (pending, failed), being attempted (delivering, under a claim
// token and a lease), or finished (succeeded, dead). Only a waiting row of an active
// webhook, or a delivering row whose lease ran out, has next_attempt_at <= now(): the
// index on (webhook_id, next_attempt_at) alone finds what is due, in order.
import type { EventType } from './events.ts';

/**
 * A CTE (`outbox`, then `enqueued` with the count) that enqueues one event per row of
 * `from` for every active webhook of the group ($1) whose device filter matches. Written
 * into the statement that stores what the events are about, so that nothing is stored
 * without its deliveries.
 */
export function enqueueSql(options: {
  eventType: EventType;
  /** The rows the events are about, with an alias: "inserted ins". */
  from: string;
  /** The row's device id (for webhooks that list devices). */
  deviceId: string;
  /** The event body (see events.ts). */
  body: string;
  orderBy: string;
}): string {
  return `outbox AS (
  INSERT INTO webhook_deliveries (webhook_id, event_type, payload)
  SELECT w.id, '${options.eventType}', ${options.body}
  FROM ${options.from}
  JOIN webhooks w ON w.group_id = $1::uuid AND w.active
   AND (coalesce(cardinality(w.device_ids), 0) = 0 OR ${options.deviceId} = ANY (w.device_ids))
  ORDER BY ${options.orderBy}
  RETURNING 1
),
enqueued AS (SELECT count(*)::int AS deliveries FROM outbox)`;
}
