// Stores location reports. This is the product's write path, and it carries two guarantees:
//
// 1. Commit-ordered, hole-free sequences. Every write locks its group's row
//    (groups.last_sequence) and holds the lock until COMMIT, so a group's writers
//    commit one after another and sequence N+1 is never visible before N. A serial id
//    cannot promise that: concurrent transactions commit out of order.
// 2. Idempotent retries. A report whose (deviceId, clientId) is already stored returns
//    the stored row and creates nothing.
//
// Holding a lock through COMMIT caps a group at one commit per disk flush, so reports
// of a group are coalesced (group commit): one statement per group is in flight, and
// whatever arrives meanwhile queues and goes together in the next one. An idle server
// adds no delay; a busy one writes many rows per flush. Each caller's reports are
// always in one transaction, so a reportLocations call stays all or nothing.
// (Sending several statements per group at once, to queue on the row lock inside
// PostgreSQL, measured slower: smaller batches cost more CPU per report.)
//
// The same statement writes the webhook outbox: one delivery row per new location and
// matching active webhook, so a location is never stored without its deliveries.
//
// The common case is one statement in one round trip (FAST_INSERT). When a report
// repeats a stored clientId, or a concurrent writer stored it first, the write falls
// back to an explicit transaction that takes the lock before looking (SAFE_INSERT).
import type { Sql } from '../db/sql.ts';
import { notFound } from '../errors.ts';
import { isUuid } from '../ids.ts';
import { LOCATION_CREATED, LOCATION_CREATED_BODY } from '../webhooks/events.ts';
import {
  LOCATION_COLUMNS,
  type Location,
  type LocationReport,
  type LocationRow,
  toLocation,
} from './types.ts';

/** What one COMMIT stored. */
export interface Commit {
  groupId: string;
  /** New locations, in sequence order. */
  created: Location[];
  /** Webhook deliveries enqueued with them. */
  deliveries: number;
  /** From sending the write to its COMMIT. */
  durationMs: number;
}

interface PendingWrite {
  reports: readonly LocationReport[];
  resolve(locations: Location[]): void;
  reject(error: unknown): void;
}

interface GroupQueue {
  pending: PendingWrite[];
  inFlight: number;
}

/** Statements per group sent to the database at once (see above for why 1). */
const MAX_IN_FLIGHT = 1;
/** Most rows one coalesced statement takes (a single call may bring up to the batch limit alone). */
const MAX_ROWS_PER_TRANSACTION = 2000;
const UNIQUE_VIOLATION = '23505';

export class LocationWriter {
  private readonly queues = new Map<string, GroupQueue>();

  constructor(
    private readonly sql: Sql,
    /** Called after each COMMIT, one commit at a time. */
    private readonly onCommitted: (commit: Commit) => void = () => {},
  ) {}

  /** Stores all reports of one call atomically; resolves only after COMMIT. */
  write(groupId: string, reports: readonly LocationReport[]): Promise<Location[]> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(groupId);
      if (!queue) {
        queue = { pending: [], inFlight: 0 };
        this.queues.set(groupId, queue);
      }
      queue.pending.push({ reports, resolve, reject });
      this.pump(groupId, queue);
    });
  }

  private pump(groupId: string, queue: GroupQueue): void {
    while (queue.inFlight < MAX_IN_FLIGHT && queue.pending.length > 0) {
      const batch = takeBatch(queue.pending);
      queue.inFlight++;
      void this.flush(groupId, batch).finally(() => {
        queue.inFlight--;
        if (queue.pending.length > 0) this.pump(groupId, queue);
        else if (queue.inFlight === 0) this.queues.delete(groupId);
      });
    }
  }

  private async flush(groupId: string, batch: PendingWrite[]): Promise<void> {
    try {
      const results = await this.commit(groupId, batch);
      for (const [i, write] of batch.entries()) write.resolve(results[i]!);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // Do not let one caller's failure fail the others that happened to share its transaction.
      for (const write of batch) {
        try {
          const [result] = await this.commit(groupId, [write]);
          write.resolve(result!);
        } catch (singleError) {
          write.reject(singleError);
        }
      }
    }
  }

  private async commit(groupId: string, writes: readonly PendingWrite[]): Promise<Location[][]> {
    if (!isUuid(groupId)) throw notFound('This key’s group no longer exists');
    // Within one transaction, a repeated (deviceId, clientId) is stored once.
    const unique: LocationReport[] = [];
    const positions: number[][] = writes.map(() => []);
    const firstByClientId = new Map<string, number>();
    writes.forEach((write, w) => {
      for (const report of write.reports) {
        const key = report.clientId === null ? null : `${report.deviceId}\u0000${report.clientId}`;
        const seen = key === null ? undefined : firstByClientId.get(key);
        if (seen !== undefined) {
          positions[w]!.push(seen);
          continue;
        }
        if (key !== null) firstByClientId.set(key, unique.length);
        positions[w]!.push(unique.length);
        unique.push(report);
      }
    });

    const started = performance.now();
    const { stored, deliveries } =
      (await this.storeFast(groupId, unique)) ?? (await this.storeSafely(groupId, unique));
    // New rows are numbered in input order, so they are already in sequence order.
    this.onCommitted({
      groupId,
      created: stored.filter((s) => s.fresh).map((s) => s.location),
      deliveries,
      durationMs: performance.now() - started,
    });
    return positions.map((indexes) => indexes.map((i) => stored[i]!.location));
  }

  /** One round trip; undefined when some report was stored before (then nothing was written). */
  private async storeFast(groupId: string, reports: readonly LocationReport[]): Promise<Stored | undefined> {
    let rows: StoredRow[];
    try {
      rows = await this.sql.query<StoredRow>(
        FAST_INSERT,
        reportParams(groupId, reports, reports.length),
        'gofindme_fast_insert',
      );
    } catch (error) {
      // A concurrent writer stored the same clientId after our snapshot was taken.
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
      throw error;
    }
    if (rows.length !== reports.length || rows.some((row) => !row.fresh)) return undefined;
    const stored = rows
      .sort((a, b) => Number(a.ord) - Number(b.ord))
      .map((row) => ({ fresh: true, location: toLocation(groupId, row) }));
    return { stored, deliveries: enqueuedBy(rows) };
  }

  /** Locks the group first, so the clientId check sees every earlier writer. */
  private storeSafely(groupId: string, reports: readonly LocationReport[]): Promise<Stored> {
    return this.sql.transaction(async (tx, [group]) => {
      if (!group) throw notFound('This key’s group no longer exists');
      const rows = await tx.query<StoredRow>(
        SAFE_INSERT,
        reportParams(groupId, reports, String(group.last)),
        'gofindme_safe_insert',
      );
      // Fresh rows carry their rank among the new ones; map that back to the input position.
      const existingAt = new Set(rows.filter((r) => !r.fresh).map((r) => Number(r.ord) - 1));
      const freshPositions: number[] = [];
      for (let i = 0; i < reports.length; i++) if (!existingAt.has(i)) freshPositions.push(i);
      const out: StoredReport[] = new Array(reports.length);
      for (const row of rows) {
        const position = row.fresh ? freshPositions[Number(row.ord) - 1]! : Number(row.ord) - 1;
        out[position] = { fresh: row.fresh, location: toLocation(groupId, row) };
      }
      return { stored: out, deliveries: enqueuedBy(rows) };
    }, `SELECT last_sequence::text AS last FROM groups WHERE id = '${groupId}' FOR UPDATE`);
  }
}

interface StoredReport {
  fresh: boolean;
  location: Location;
}

interface Stored {
  stored: StoredReport[];
  /** Webhook deliveries enqueued by the transaction. */
  deliveries: number;
}

function takeBatch(pending: PendingWrite[]): PendingWrite[] {
  let rows = 0;
  let count = 0;
  while (count < pending.length) {
    const size = pending[count]!.reports.length;
    if (count > 0 && rows + size > MAX_ROWS_PER_TRANSACTION) break;
    rows += size;
    count++;
  }
  return pending.splice(0, count);
}

interface StoredRow extends LocationRow {
  ord: string;
  fresh: boolean;
  deliveries: number;
}

function reportParams(groupId: string, reports: readonly LocationReport[], last: number | string): unknown[] {
  const column = <K extends keyof LocationReport>(key: K) => reports.map((r) => r[key]);
  return [
    groupId,
    column('deviceId'),
    column('latitude'),
    column('longitude'),
    column('accuracy'),
    column('altitude'),
    column('speed'),
    column('heading'),
    column('battery'),
    reports.map((r) => r.recordedAt.toISOString()),
    column('clientId'),
    last,
  ];
}

const INPUT_AND_EXISTING = `
WITH input AS (
  SELECT * FROM unnest($2::text[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[],
                       $8::float8[], $9::float8[], $10::timestamptz[], $11::text[])
    WITH ORDINALITY AS t(device_id, latitude, longitude, accuracy, altitude, speed, heading, battery, recorded_at, client_id, ord)
),
existing AS (
  -- LATERAL + LIMIT keeps this an index probe per report, whatever the planner's statistics say.
  SELECT i.ord, l.* FROM input i
  CROSS JOIN LATERAL (
    SELECT * FROM locations l
    WHERE l.group_id = $1::uuid AND l.device_id = i.device_id AND l.client_id = i.client_id
    LIMIT 1
  ) l
  WHERE i.client_id IS NOT NULL
)`;

// One delivery per new location and active webhook of the group whose device filter matches.
const OUTBOX = `
outbox AS (
  INSERT INTO webhook_deliveries (webhook_id, event_type, payload)
  SELECT w.id, '${LOCATION_CREATED}', ${LOCATION_CREATED_BODY('ins')}
  FROM inserted ins
  JOIN webhooks w ON w.group_id = $1::uuid AND w.active
   AND (coalesce(cardinality(w.device_ids), 0) = 0 OR ins.device_id = ANY (w.device_ids))
  ORDER BY ins.sequence
  RETURNING 1
),
enqueued AS (SELECT count(*)::int AS deliveries FROM outbox)`;

const INSERT_COLUMNS =
  'group_id, sequence, device_id, latitude, longitude, accuracy, altitude, speed, heading, battery, recorded_at, client_id';

// $12 is the number of reports. If none of them is stored yet, advance the counter by
// that many (the UPDATE takes the group's row lock, waiting for earlier writers to
// commit), create new devices and insert everything. If one is stored, write nothing
// and return the stored rows: the caller then takes the safe path.
const FAST_INSERT = `${INPUT_AND_EXISTING},
counter AS (
  UPDATE groups SET last_sequence = last_sequence + $12::bigint
  WHERE id = $1::uuid AND NOT EXISTS (SELECT 1 FROM existing)
  RETURNING last_sequence - $12::bigint AS base
),
new_devices AS (
  INSERT INTO devices (group_id, device_id)
  SELECT DISTINCT $1::uuid, i.device_id FROM input i, counter
  ON CONFLICT (group_id, device_id) DO NOTHING
),
inserted AS (
  INSERT INTO locations (${INSERT_COLUMNS})
  SELECT $1::uuid, c.base + i.ord, i.device_id, i.latitude, i.longitude, i.accuracy, i.altitude, i.speed, i.heading,
         i.battery, i.recorded_at, i.client_id
  FROM input i, counter c
  RETURNING *
),${OUTBOX}
SELECT (ins.sequence - c.base)::text AS ord, true AS fresh, ${LOCATION_COLUMNS('ins')}, q.deliveries
FROM inserted ins, counter c, enqueued q
UNION ALL
SELECT e.ord::text, false, ${LOCATION_COLUMNS('e')}, 0 FROM existing e`;

// Runs after the group's row is locked, so it sees every earlier writer. $12 is the
// group's last sequence: skip reports already stored, number the rest after it.
const SAFE_INSERT = `${INPUT_AND_EXISTING},
fresh AS (
  SELECT i.*, $12::bigint + row_number() OVER (ORDER BY i.ord) AS sequence FROM input i
  WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.ord = i.ord)
),
new_devices AS (
  INSERT INTO devices (group_id, device_id)
  SELECT DISTINCT $1::uuid, device_id FROM fresh
  ON CONFLICT (group_id, device_id) DO NOTHING
),
inserted AS (
  INSERT INTO locations (${INSERT_COLUMNS})
  SELECT $1::uuid, sequence, device_id, latitude, longitude, accuracy, altitude, speed, heading, battery, recorded_at, client_id
  FROM fresh
  RETURNING *
),
counter AS (
  UPDATE groups SET last_sequence = $12::bigint + (SELECT count(*) FROM fresh) WHERE id = $1::uuid
),${OUTBOX}
SELECT (ins.sequence - $12::bigint)::text AS ord, true AS fresh, ${LOCATION_COLUMNS('ins')}, q.deliveries
FROM inserted ins, enqueued q
UNION ALL
SELECT e.ord::text, false, ${LOCATION_COLUMNS('e')}, 0 FROM existing e`;

/** Every fresh row carries the statement's delivery count; rows already stored carry 0. */
const enqueuedBy = (rows: readonly StoredRow[]) =>
  rows.reduce((most, row) => Math.max(most, row.deliveries), 0);
