// Delivers the webhook outbox: a scheduler that claims due deliveries (outbox.claim),
// sends them (sender.ts), lets the policy (policy.ts) decide what follows each attempt,
// and records the outcomes (outbox.record). Any number of workers (inside servers, or
// `npm run worker` processes) can run against one database; claims are leased, so a
// worker that dies loses nothing.
//
// - At most `endpointConcurrency` attempts run per webhook and `concurrency` in all.
//   A worker claims up to twice that ahead (what it already holds of a webhook counts
//   against the webhook's share), so the next attempt starts the moment a slot frees,
//   and a slow endpoint ties up only its own share.
// - One claim statement at a time; a wake during one makes the loop claim again. Results
//   are written a few milliseconds late, many per statement. An idle worker polls; a
//   local enqueue wakes it at once.
import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/sql.ts';
import type { Logger } from '../observability/logger.ts';
import type { AttemptRecord, ClaimedDelivery } from './outbox.ts';
import * as outbox from './outbox.ts';
import { afterAttempt, type DeliveryOutcome, disableReason } from './policy.ts';
import type { AttemptResult, WebhookSender } from './sender.ts';
import { signedHeaders } from './signing.ts';

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

/** Results are written after this delay, or at once when this many are waiting. */
const FLUSH_DELAY_MS = 5;
const FLUSH_AT = 100;

export class DeliveryWorker {
  private running = false;
  /** Claimed deliveries whose outcome is not recorded yet, with their claim token. */
  private readonly claims = new Map<string, string>();
  private readonly slots: Slots;
  private readonly results: ResultLog;
  private readonly claimer: Claimer;
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
    this.slots = new Slots(options.concurrency, options.endpointConcurrency);
    this.results = new ResultLog((batch) => this.record(batch));
    this.claimer = new Claimer(
      () => this.claimMore(),
      options.pollMs ?? 500,
      (error) => this.logger.warn({ err: error }, 'webhooks: claiming deliveries failed'),
    );
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.claimer.start();
  }

  /** Something was enqueued (or a slot freed): look for due deliveries now. */
  wake(): void {
    if (this.running) this.claimer.wake();
  }

  /**
   * Stops claiming, hands back what has not started, waits up to `graceMs` for
   * attempts in flight, then hands back the claims of those still running, so that
   * another worker takes them at once.
   */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.claimer.stop(); // what the last claim brings back is queued, not started
    await this.release(this.slots.drainWaiting().map((row) => row.id));
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
    await this.results.drain();
    await this.release([...this.claims.keys()]);
  }

  get activeAttempts(): number {
    return this.slots.running;
  }

  /** One claim; true when it was full (more may be due). */
  private async claimMore(): Promise<boolean> {
    if (!this.running) return false;
    // Up to twice the concurrency is claimed ahead, so the next attempts start as soon
    // as slots free up instead of waiting for a claim's round trip.
    const free = 2 * this.options.concurrency - this.claims.size;
    if (free <= 0) return false;
    const token = randomUUID();
    const claimed = await outbox.claim(this.sql, {
      holds: this.slots.held(),
      perWebhook: 2 * this.options.endpointConcurrency,
      limit: free,
      token,
      leaseMs: this.leaseMs,
    });
    for (const row of claimed) {
      this.claims.set(row.id, token);
      this.slots.enqueue(row);
    }
    this.dispatch();
    return claimed.length >= free;
  }

  /** Starts waiting attempts while their webhook and the worker have free slots. */
  private dispatch(first?: string): void {
    if (!this.running) return;
    for (const row of this.slots.startable(first)) void this.attempt(row);
  }

  private async attempt(row: ClaimedDelivery): Promise<void> {
    const secrets = [row.secret];
    if (
      row.previous_secret &&
      row.previous_secret_expires_at &&
      row.previous_secret_expires_at > new Date()
    ) {
      secrets.push(row.previous_secret);
    }
    const result = await this.sender.send(row.url, signedHeaders(secrets, row.id, row.payload), row.payload);
    this.slots.finished(row.webhook_id);
    const token = this.claims.get(row.id);
    if (token !== undefined) {
      const { status, retryInMs } = afterAttempt(row.attempts, result, this.options.retrySchedule);
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
      this.options.onOutcome?.(status, result);
      this.results.add({
        id: row.id,
        token,
        status,
        retryInMs,
        statusCode: result.statusCode,
        error: result.error,
        durationMs: result.durationMs,
        responseBody: result.responseBody,
      });
    }
    // A slot is free: start what waits for it (this webhook first).
    this.dispatch(row.webhook_id);
    // Claim more once this webhook's reserve runs low or slots would go unused; claiming
    // after every single attempt would cost a statement per delivery.
    if (
      this.slots.reserve(row.webhook_id) <= this.options.endpointConcurrency / 2 ||
      !this.slots.anyWaiting
    ) {
      this.wake();
    }
  }

  /** Records finished attempts, then disables what the policy says must be. */
  private async record(batch: AttemptRecord[]): Promise<void> {
    try {
      const health = await outbox.record(this.sql, batch);
      const now = new Date();
      const disabling = health.flatMap((h) => {
        const reason = disableReason(h, now, this.options.disableAfterMs);
        return reason ? [{ webhookId: h.webhookId, reason }] : [];
      });
      for (const webhookId of await outbox.disable(this.sql, disabling)) {
        const reason = disabling.find((d) => d.webhookId === webhookId)?.reason;
        this.logger.warn({ webhookId, reason }, 'webhooks: disabled a webhook');
      }
    } catch (error) {
      // The claims stay leased and are retried once the lease runs out.
      this.logger.warn({ err: error, deliveries: batch.length }, 'webhooks: recording results failed');
    } finally {
      for (const done of batch) this.claims.delete(done.id);
      if (this.claims.size === 0) this.idle?.();
      if (!this.slots.anyWaiting) this.wake(); // claims may have been capped by unrecorded results
    }
  }

  /** Hands claims back (due now, the attempt not counted). */
  private async release(ids: string[]): Promise<void> {
    const held = ids.flatMap((id) => {
      const token = this.claims.get(id);
      return token === undefined ? [] : [{ id, token }];
    });
    for (const { id } of held) this.claims.delete(id);
    try {
      await outbox.release(this.sql, held);
    } catch (error) {
      this.logger.warn(
        { err: error },
        'webhooks: releasing claims failed; they are retried after their lease',
      );
    }
  }
}

/** Claimed deliveries waiting for a slot, per webhook, and the attempts running (what the limits count). */
class Slots {
  private readonly waiting = new Map<string, ClaimedDelivery[]>();
  private readonly runningPer = new Map<string, number>();
  running = 0;

  constructor(
    private readonly total: number,
    private readonly perWebhook: number,
  ) {}

  /** What this worker holds per webhook (running or waiting): it counts against the webhook's share. */
  held(): Map<string, number> {
    const held = new Map(this.runningPer);
    for (const [webhookId, rows] of this.waiting)
      held.set(webhookId, (held.get(webhookId) ?? 0) + rows.length);
    return held;
  }

  enqueue(row: ClaimedDelivery): void {
    const queue = this.waiting.get(row.webhook_id);
    if (queue) queue.push(row);
    else this.waiting.set(row.webhook_id, [row]);
  }

  /** Takes the attempts that may start now (`first`'s webhook first), counting them as running. */
  *startable(first?: string): Generator<ClaimedDelivery> {
    const order = first
      ? [first, ...[...this.waiting.keys()].filter((id) => id !== first)]
      : [...this.waiting.keys()];
    for (const webhookId of order) {
      const queue = this.waiting.get(webhookId);
      while (
        queue &&
        queue.length > 0 &&
        this.running < this.total &&
        (this.runningPer.get(webhookId) ?? 0) < this.perWebhook
      ) {
        const row = queue.shift()!;
        this.running++;
        this.runningPer.set(webhookId, (this.runningPer.get(webhookId) ?? 0) + 1);
        yield row;
      }
      if (queue?.length === 0) this.waiting.delete(webhookId);
      if (this.running >= this.total) return;
    }
  }

  finished(webhookId: string): void {
    this.running--;
    const left = (this.runningPer.get(webhookId) ?? 1) - 1;
    if (left > 0) this.runningPer.set(webhookId, left);
    else this.runningPer.delete(webhookId);
  }

  /** Claimed deliveries of a webhook waiting for a slot. */
  reserve(webhookId: string): number {
    return this.waiting.get(webhookId)?.length ?? 0;
  }

  get anyWaiting(): boolean {
    return this.waiting.size > 0;
  }

  /** Empties the waiting queues (a stop): what was claimed but not started. */
  drainWaiting(): ClaimedDelivery[] {
    const rows = [...this.waiting.values()].flat();
    this.waiting.clear();
    return rows;
  }
}

/**
 * Results written a few milliseconds late, many per statement: the delivery has happened
 * already, and one statement per result would cost more than the attempt (on the embedded
 * database, whose work blocks this thread, it would be one result per statement). One
 * statement at a time; what finishes meanwhile goes in the next.
 */
class ResultLog {
  private pending: AttemptRecord[] = [];
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly write: (batch: AttemptRecord[]) => Promise<void>) {}

  add(result: AttemptRecord): void {
    this.pending.push(result);
    if (this.pending.length >= FLUSH_AT) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush();
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, FLUSH_DELAY_MS);
    }
  }

  /** Writes everything pending (a stop). */
  async drain(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.writing || this.pending.length > 0) await this.flush();
  }

  private flush(): Promise<void> {
    if (this.writing) return this.writing;
    if (this.pending.length === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    this.writing = this.write(batch).finally(() => {
      this.writing = undefined;
      if (this.pending.length > 0) void this.flush();
    });
    return this.writing;
  }
}

/** Runs `claim` in a loop while it finds work, one at a time; then waits for a wake or the poll. */
class Claimer {
  private active = false;
  private again = false;
  private done: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly claim: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.wake();
  }

  wake(): void {
    if (this.stopped) return;
    if (this.active) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.active = true;
    // Always asynchronous, so that `done` is set before the loop can finish.
    this.done = Promise.resolve().then(() => this.loop());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    while (this.active) await this.done;
  }

  private async loop(): Promise<void> {
    try {
      for (;;) {
        this.again = false;
        const full = await this.claim();
        if (this.stopped || (!full && !this.again)) break;
      }
    } catch (error) {
      this.onError(error);
    } finally {
      this.active = false;
      if (!this.stopped) {
        if (this.again) this.wake();
        else this.timer = setTimeout(() => this.wake(), this.pollMs);
      }
    }
  }
}
