// Delivers the webhook outbox. Any number of workers (inside servers, or `npm run
// worker` processes) can run against one database:
//
// - A claim is one statement: it locks due rows with FOR UPDATE SKIP LOCKED (so two
//   workers never take the same row), marks them `delivering` under a fresh claim
//   token and pushes their next_attempt_at to the end of a lease. No transaction is
//   held during HTTP. If the worker dies, the lease runs out and the row is due
//   again: another worker reclaims it.
// - A result is recorded only under the token that claimed the row, so a worker whose
//   lease ran out cannot overwrite the newer attempt's outcome.
// - At most `endpointConcurrency` attempts run per webhook and `concurrency` in all.
//   A worker claims up to twice that ahead (what it already holds of a webhook counts
//   against the webhook's share), so the next attempt starts the moment a slot frees,
//   and a slow endpoint ties up only its own share.
// - Claims and results are batched the way the location writer batches: one claim and
//   one result statement in flight at a time; whatever arrives meanwhile goes in the
//   next one. An idle worker polls; a local enqueue wakes it at once.
import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/sql.ts';
import type { Logger } from '../observability/logger.ts';
import type { AttemptResult, WebhookSender } from './sender.ts';
import { signedHeaders } from './signing.ts';

export type DeliveryOutcome = 'succeeded' | 'failed' | 'dead';

export interface WorkerOptions {
  /** Requests in flight over all endpoints. */
  concurrency: number;
  /** Requests in flight to one webhook. */
  endpointConcurrency: number;
  timeoutMs: number;
  retrySchedule: readonly number[];
  /** Disable a webhook whose attempts have all failed for this long. */
  disableAfterMs: number;
  /** How often an idle worker looks for due deliveries (other instances' enqueues, retries). */
  pollMs?: number;
  /** Called once per finished attempt (for metrics). */
  onOutcome?: (outcome: DeliveryOutcome, result: AttemptResult) => void;
}

interface ClaimedRow {
  id: string;
  webhook_id: string;
  payload: string;
  attempts: number;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
}

interface Finished {
  id: string;
  token: string;
  webhookId: string;
  status: DeliveryOutcome;
  delayMs: number | null;
  result: AttemptResult;
}

/** Retry delays are spread by ±20% so that a burst of failures does not retry as a burst. */
const JITTER = 0.2;
/** Results are written after this delay, or at once when this many are waiting. */
const FLUSH_DELAY_MS = 5;
const FLUSH_AT = 100;

export class DeliveryWorker {
  private running = false;
  /** Claimed rows whose outcome is not recorded yet, with their claim token. */
  private readonly claims = new Map<string, string>();
  /** Claimed rows waiting for a free slot of their webhook, per webhook. */
  private readonly queued = new Map<string, ClaimedRow[]>();
  /** HTTP attempts running, in all and per webhook (what the concurrency limits count). */
  private attempting = 0;
  private readonly attemptingPer = new Map<string, number>();
  private claiming = false;
  private claimDone: Promise<void> = Promise.resolve();
  private claimAgain = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private finished: Finished[] = [];
  private flushing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private idle: (() => void) | undefined;
  private readonly leaseMs: number;

  constructor(
    private readonly sql: Sql,
    private readonly sender: WebhookSender,
    private readonly options: WorkerOptions,
    private readonly logger: Logger,
  ) {
    // A claimed row waits for at most one attempt ahead of it, then makes its own
    // (each bounded by the timeout), then its result is written.
    this.leaseMs = options.timeoutMs * 2 + 5000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake();
  }

  /** Something was enqueued (or a slot freed): look for due deliveries now. */
  wake(): void {
    if (!this.running) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    clearTimeout(this.pollTimer);
    this.claiming = true;
    // Always asynchronous, so that claimDone is set before the loop can finish.
    this.claimDone = Promise.resolve().then(() => this.claimLoop());
  }

  /**
   * Stops claiming, hands back what has not started, waits up to `graceMs` for
   * attempts in flight, then hands back the claims of those still running, so that
   * another worker takes them at once.
   */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.pollTimer);
    while (this.claiming) await this.claimDone; // rows it brings back are queued, not started
    const notStarted = [...this.queued.values()].flat();
    this.queued.clear();
    await this.release(notStarted.map((row) => row.id));
    if (this.claims.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.idle = undefined;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    while (this.flushing || this.finished.length > 0) await this.flush();
    await this.release([...this.claims.keys()]);
  }

  get activeAttempts(): number {
    return this.attempting;
  }

  private async claimLoop(): Promise<void> {
    try {
      while (this.running) {
        this.claimAgain = false;
        // Up to twice the concurrency is claimed ahead, so the next attempts start as
        // soon as slots free up instead of waiting for a claim's round trip.
        const free = 2 * this.options.concurrency - this.claims.size;
        if (free <= 0) break;
        const claimed = await this.claim(free);
        for (const webhookId of new Set(claimed.map((row) => row.webhook_id))) this.dispatch(webhookId);
        // A full claim means more may be due; otherwise wait for a wake or the next poll.
        if (claimed.length < free && !this.claimAgain) break;
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'webhooks: claiming deliveries failed');
    } finally {
      this.claiming = false;
      if (this.running) {
        if (this.claimAgain) this.wake();
        else this.pollTimer = setTimeout(() => this.wake(), this.options.pollMs ?? 500);
      }
    }
  }

  private async claim(limit: number): Promise<ClaimedRow[]> {
    // What this worker holds per webhook (running or waiting) counts against the webhook's share.
    const held = new Map(this.attemptingPer);
    for (const [webhookId, rows] of this.queued)
      held.set(webhookId, (held.get(webhookId) ?? 0) + rows.length);
    const token = randomUUID();
    const rows = await this.sql.query<ClaimedRow>(
      CLAIM,
      [
        [...held.keys()],
        [...held.values()],
        2 * this.options.endpointConcurrency,
        limit,
        token,
        this.leaseMs,
      ],
      'gofindme_webhook_claim',
    );
    for (const row of rows) {
      this.claims.set(row.id, token);
      const queue = this.queued.get(row.webhook_id);
      if (queue) queue.push(row);
      else this.queued.set(row.webhook_id, [row]);
    }
    return rows;
  }

  /** Starts waiting attempts of a webhook while it and the worker have free slots. */
  private dispatch(webhookId: string): void {
    const queue = this.queued.get(webhookId);
    while (
      this.running &&
      queue &&
      queue.length > 0 &&
      this.attempting < this.options.concurrency &&
      (this.attemptingPer.get(webhookId) ?? 0) < this.options.endpointConcurrency
    ) {
      const row = queue.shift()!;
      this.attempting++;
      this.attemptingPer.set(webhookId, (this.attemptingPer.get(webhookId) ?? 0) + 1);
      void this.attempt(row);
    }
    if (queue?.length === 0) this.queued.delete(webhookId);
  }

  private async attempt(row: ClaimedRow): Promise<void> {
    const secrets = [row.secret];
    if (
      row.previous_secret &&
      row.previous_secret_expires_at &&
      row.previous_secret_expires_at > new Date()
    ) {
      secrets.push(row.previous_secret);
    }
    const result = await this.sender.send(row.url, signedHeaders(secrets, row.id, row.payload), row.payload);
    this.attempting--;
    const left = (this.attemptingPer.get(row.webhook_id) ?? 1) - 1;
    if (left > 0) this.attemptingPer.set(row.webhook_id, left);
    else this.attemptingPer.delete(row.webhook_id);
    const token = this.claims.get(row.id);
    if (token !== undefined) {
      const { status, delayMs } = this.next(row.attempts, result);
      if (!result.ok) {
        this.logger.debug(
          {
            deliveryId: row.id,
            webhookId: row.webhook_id,
            attempt: row.attempts,
            error: result.error,
            status,
          },
          'webhooks: attempt failed',
        );
      }
      this.finished.push({ id: row.id, token, webhookId: row.webhook_id, status, delayMs, result });
      this.options.onOutcome?.(status, result);
      this.scheduleFlush();
    }
    // A slot is free: start what waits for it (this webhook first).
    this.dispatch(row.webhook_id);
    if (this.attempting < this.options.concurrency) {
      for (const webhookId of [...this.queued.keys()]) this.dispatch(webhookId);
    }
    // Claim more once this webhook's reserve runs low or slots would go unused; claiming
    // after every single attempt would cost a statement per delivery.
    const reserve = this.queued.get(row.webhook_id)?.length ?? 0;
    if (reserve <= this.options.endpointConcurrency / 2 || this.queued.size === 0) this.wake();
  }

  /** What happens after attempt number `attempts` (1 is the first). */
  private next(attempts: number, result: AttemptResult): { status: DeliveryOutcome; delayMs: number | null } {
    if (result.ok) return { status: 'succeeded', delayMs: null };
    const schedule = this.options.retrySchedule;
    if (attempts > schedule.length) return { status: 'dead', delayMs: null };
    if (result.retryAfterMs !== null) {
      // The receiver said when; a day at most.
      return { status: 'failed', delayMs: Math.min(result.retryAfterMs, 86_400_000) };
    }
    const base = schedule[attempts - 1]!;
    return { status: 'failed', delayMs: Math.round(base * (1 - JITTER + Math.random() * 2 * JITTER)) };
  }

  /**
   * Results are written a few milliseconds late, many at a time: the delivery has
   * happened already, and one statement per result would cost more than the attempt
   * (on the embedded database, whose work blocks this thread, it would be one result
   * per statement).
   */
  private scheduleFlush(): void {
    if (this.finished.length >= FLUSH_AT) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      void this.flush();
    } else {
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = undefined;
        void this.flush();
      }, FLUSH_DELAY_MS);
    }
  }

  /** Records finished attempts: one statement for everything that finished meanwhile. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.finished.length === 0) return Promise.resolve();
    const batch = this.finished;
    this.finished = [];
    this.flushing = this.record(batch)
      .catch((error) => {
        // The claims stay leased and are retried once the lease runs out.
        this.logger.warn({ err: error, deliveries: batch.length }, 'webhooks: recording results failed');
      })
      .finally(() => {
        for (const done of batch) this.claims.delete(done.id);
        this.flushing = undefined;
        if (this.finished.length > 0) void this.flush();
        if (this.claims.size === 0) this.idle?.();
        if (this.queued.size === 0) this.wake(); // claims may have been capped by unrecorded results
      });
    return this.flushing;
  }

  private async record(batch: Finished[]): Promise<void> {
    const column = <T>(pick: (f: Finished) => T) => batch.map(pick);
    const disable = await this.sql.query<{ id: string; reason: string }>(
      RECORD,
      [
        column((f) => f.id),
        column((f) => f.token),
        column((f) => f.status),
        column((f) => f.delayMs),
        column((f) => f.result.statusCode),
        column((f) => f.result.error),
        column((f) => f.result.durationMs),
        column((f) => f.result.responseBody?.replaceAll('\u0000', '') ?? null),
        this.options.disableAfterMs,
      ],
      'gofindme_webhook_record',
    );
    for (const { id, reason } of disable) {
      this.logger.warn({ webhookId: id, reason }, 'webhooks: disabled a webhook');
    }
  }

  /** Hands claims back (due now, the attempt not counted). */
  private async release(ids: string[]): Promise<void> {
    const held = ids.filter((id) => this.claims.has(id));
    if (held.length === 0) return;
    const tokens = held.map((id) => this.claims.get(id)!);
    for (const id of held) this.claims.delete(id);
    try {
      await this.sql.query(RELEASE, [held, tokens]);
    } catch (error) {
      this.logger.warn(
        { err: error },
        'webhooks: releasing claims failed; they are retried after their lease',
      );
    }
  }
}

// $1/$2: webhooks this worker already has attempts in flight to, and how many;
// $3: most rows held per webhook; $4: total limit; $5: claim token; $6: lease in ms.
// Due rows: waiting (pending, failed) or claimed by a worker whose lease ran out; a
// row has a next_attempt_at only in those states (finished and paused rows have none),
// so the index on (webhook_id, next_attempt_at) alone finds them, in order.
const CLAIM = `
WITH busy AS (
  SELECT * FROM unnest($1::uuid[], $2::int[]) AS b(webhook_id, held)
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

// Records each attempt's outcome (only under the token that claimed it), then keeps
// each webhook's health: a success clears failing_since, a failure starts it. A 410
// disables the webhook at once, failing for longer than $9 ms disables it too; a
// disabled webhook's waiting deliveries are paused (next_attempt_at NULL) until it is
// enabled again. Returns the webhooks it disabled.
const RECORD = `
WITH r AS (
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::int[], $6::text[], $7::int[], $8::text[])
    AS r(id, token, status, delay_ms, status_code, error, duration_ms, body)
),
updated AS (
  UPDATE webhook_deliveries d SET
    status = r.status::webhook_delivery_status,
    next_attempt_at = CASE WHEN r.delay_ms IS NULL OR NOT w.active OR r.status_code = 410 THEN NULL
                           ELSE now() + r.delay_ms * interval '1 millisecond' END,
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
health AS (
  UPDATE webhooks w SET
    failing_since = CASE WHEN o.any_ok THEN NULL ELSE coalesce(w.failing_since, now()) END,
    active = CASE
      WHEN o.gone OR (NOT o.any_ok AND w.failing_since < now() - $9::bigint * interval '1 millisecond') THEN false
      ELSE w.active END,
    disabled_reason = CASE
      WHEN NOT w.active THEN w.disabled_reason
      WHEN o.gone THEN 'The endpoint answered 410 Gone.'
      WHEN NOT o.any_ok AND w.failing_since < now() - $9::bigint * interval '1 millisecond'
        THEN 'Every delivery failed since ' || to_char(w.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '.'
      ELSE w.disabled_reason END
  FROM outcome o
  WHERE w.id = o.webhook_id
    AND (o.gone OR (o.any_ok AND w.failing_since IS NOT NULL) OR (NOT o.any_ok AND w.active))
  RETURNING w.id, w.active, w.disabled_reason, (SELECT active FROM webhooks WHERE id = w.id) AS was_active
),
disabled AS (SELECT id, disabled_reason AS reason FROM health WHERE was_active AND NOT active),
paused AS (
  UPDATE webhook_deliveries d SET next_attempt_at = NULL
  FROM disabled x
  WHERE d.webhook_id = x.id AND d.status IN ('pending', 'failed') AND d.next_attempt_at IS NOT NULL
    AND d.id <> ALL ($1::uuid[])
)
SELECT id, reason FROM disabled`;

const RELEASE = `
UPDATE webhook_deliveries d
SET status = CASE WHEN d.attempts <= 1 THEN 'pending' ELSE 'failed' END::webhook_delivery_status,
    attempts = d.attempts - 1, next_attempt_at = now(), claim_token = NULL
FROM unnest($1::uuid[], $2::uuid[]) AS r(id, token)
WHERE d.id = r.id AND d.claim_token = r.token`;
