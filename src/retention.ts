// Retention: deletes locations received more than RETENTION_DAYS ago, and geofence events
// and webhook deliveries created that long ago, in small batches so that no statement holds many
// locks or runs long, pausing after each (see DUTY_CYCLE). Every instance runs it on its own
// schedule; one at a time works (an advisory lock), the others find it at work and
// leave it, so the pace holds for the database however many instances there are.
// A resume cursor older than what is kept gets CURSOR_EXPIRED (see live/).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sql } from './db/sql.ts';

export interface RetentionOptions {
  /** 0 keeps everything. */
  days: number;
  intervalMs: number;
  batchSize?: number;
  /**
   * The share of the time retention keeps a database connection busy (0 < share <= 1):
   * after each batch it waits (1 / share - 1) times as long as the batch took, so that
   * deleting a day of rows never crowds out the writes arriving meanwhile. 1: no pause.
   */
  dutyCycle?: number;
  onError?: (error: unknown) => void;
  onDeleted?: (deleted: RetentionResult) => void;
  /** Called with each batch's duration in ms. */
  onBatch?: (ms: number) => void;
}

export interface RetentionResult {
  locations: number;
  geofenceEvents: number;
  deliveries: number;
}

const DAY_MS = 86_400_000;
/**
 * Retention works at most a twentieth of the time (see RetentionOptions.dutyCycle): deleting
 * a day of 1,000,000 rows takes 24-48 s, and `reportLocation` at 8 connections measured 2%, 3%
 * and 5% slower (three runs) while it ran than in the turns it was paused (the same turns with
 * nothing running measured -1%), npm run bench:history. An earlier method, which read ingest
 * alone just after a checkpoint and so too low, measured 9% and 13% with a tenth and 17-22%
 * with a quarter.
 */
const DUTY_CYCLE = 0.05;
const LOCK = 'gofindme:retention';
const NOTHING: RetentionResult = { locations: 0, geofenceEvents: 0, deliveries: 0 };

export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionResult> | undefined;
  /** Aborted by stop(): a run ends after the batch under way instead of working through its pauses. */
  private stopping = new AbortController();

  constructor(
    private readonly sql: Sql,
    private readonly options: RetentionOptions,
  ) {}

  get enabled(): boolean {
    return this.options.days > 0;
  }

  /** Runs now and then every interval (the first run after a short random delay, so instances spread out). */
  start(): void {
    if (!this.enabled || this.timer) return;
    const schedule = (delay: number) => {
      this.timer = setTimeout(() => {
        this.runOnce()
          .catch((error) => this.options.onError?.(error))
          .finally(() => {
            if (this.timer) schedule(this.options.intervalMs);
          });
      }, delay);
      this.timer.unref();
    };
    schedule(Math.floor(Math.random() * Math.min(this.options.intervalMs, 30_000)));
  }

  /**
   * Stops the schedule, and a run under way after its current batch (a backlog of many days
   * would otherwise hold a shutdown for minutes); what is left goes at the next start.
   */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await this.running?.catch(() => {});
    this.stopping = new AbortController();
  }

  /**
   * Deletes everything older than the retention period, batch by batch; what it deleted, or
   * nothing when another instance is at work (that one deletes it).
   */
  runOnce(now = new Date()): Promise<RetentionResult> {
    if (!this.enabled) return Promise.resolve(NOTHING);
    this.running ??= this.deleteOld(new Date(now.getTime() - this.options.days * DAY_MS)).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async deleteOld(cutoff: Date): Promise<RetentionResult> {
    const result = await this.sql.whileLocked(LOCK, async (lost) => {
      // Stopped, or the lock lost with its connection (another instance may start): the run
      // ends after the batch under way; the next one goes on from there.
      const signal = AbortSignal.any([this.stopping.signal, lost]);
      return {
        locations: await this.inBatches(DELETE_LOCATIONS, cutoff, signal),
        geofenceEvents: await this.inBatches(DELETE_GEOFENCE_EVENTS, cutoff, signal),
        deliveries: await this.inBatches(DELETE_DELIVERIES, cutoff, signal),
      };
    });
    if (!result) return NOTHING;
    if (result.locations + result.geofenceEvents + result.deliveries > 0) this.options.onDeleted?.(result);
    return result;
  }

  private async inBatches(statement: string, cutoff: Date, signal: AbortSignal): Promise<number> {
    const batchSize = this.options.batchSize ?? 5000;
    const pause = 1 / (this.options.dutyCycle ?? DUTY_CYCLE) - 1;
    let total = 0;
    while (!signal.aborted) {
      const started = performance.now();
      const [row] = await this.sql.query<{ deleted: number }>(statement, [cutoff, batchSize]);
      const deleted = row?.deleted ?? 0;
      total += deleted;
      this.options.onBatch?.(performance.now() - started);
      if (deleted < batchSize) return total;
      // Let the writes in between batches (measured: npm run bench:history).
      await sleep(pause * (performance.now() - started), undefined, { signal }).catch(() => {});
    }
    return total;
  }
}

// Locations and geofence events are never updated, so no other transaction holds their rows
// for long: no row locks are taken before deleting (FOR UPDATE wrote a WAL record for every row,
// 28% more WAL per batch: measured with pg_current_wal_lsn() on PostgreSQL 15).
const DELETE_LOCATIONS = `
WITH gone AS (
  DELETE FROM locations WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM locations WHERE received_at < $1 LIMIT $2
  ))
  RETURNING 1
)
SELECT count(*)::int AS deleted FROM gone`;

const DELETE_GEOFENCE_EVENTS = `
WITH gone AS (
  DELETE FROM geofence_events WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM geofence_events WHERE created_at < $1 LIMIT $2
  ))
  RETURNING 1
)
SELECT count(*)::int AS deleted FROM gone`;

// A delivery being attempted right now (a worker holds its row) is left to finish; the next run takes it.
const DELETE_DELIVERIES = `
WITH gone AS (
  DELETE FROM webhook_deliveries WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM webhook_deliveries
    WHERE created_at < $1 AND status <> 'delivering'
    LIMIT $2 FOR UPDATE SKIP LOCKED
  ))
  RETURNING 1
)
SELECT count(*)::int AS deleted FROM gone`;
