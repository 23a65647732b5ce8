// Stores location reports. This is the product's write path, and it carries two guarantees:
//
// 1. Commit-ordered, hole-free sequences. Each transaction first locks its group's
//    row (groups.last_sequence) and holds the lock until COMMIT, so the group's
//    writers commit one after another and sequence N+1 is never visible before N.
//    A serial id cannot promise that: concurrent transactions commit out of order.
// 2. Idempotent retries. A report whose (deviceId, clientId) is already stored returns
//    the stored row and creates nothing; the check runs after the lock is taken, so it
//    sees every earlier writer of the group.
//
// Holding a lock through COMMIT caps one group at one transaction per disk flush, so
// concurrent reports of a group are coalesced (group commit): while one transaction is
// in flight, new reports queue and go together in the next one. An idle server adds no
// delay; a busy one writes many rows per flush. Each caller's reports still commit
// atomically, because they are always in the same transaction.

import type { Sql, SqlClient } from '../db/sql.ts';
import { notFound } from '../errors.ts';
import type { Location, LocationReport } from './types.ts';

export interface WriteResult {
  /** One per report, in input order: the stored location (new, or the earlier one with the same clientId). */
  locations: Location[];
  /** The locations this call created, in sequence order (what should be announced). */
  created: Location[];
}

interface PendingWrite {
  reports: readonly LocationReport[];
  resolve(result: WriteResult): void;
  reject(error: unknown): void;
}

interface GroupQueue {
  pending: PendingWrite[];
  running: boolean;
}

/** Most rows one coalesced transaction takes (a single call may bring up to the batch limit alone). */
const MAX_ROWS_PER_TRANSACTION = 2000;

export class LocationWriter {
  private readonly queues = new Map<string, GroupQueue>();

  constructor(private readonly sql: Sql) {}

  /** Stores all reports of one call atomically; resolves only after COMMIT. */
  write(groupId: string, reports: readonly LocationReport[]): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(groupId);
      if (!queue) {
        queue = { pending: [], running: false };
        this.queues.set(groupId, queue);
      }
      queue.pending.push({ reports, resolve, reject });
      if (!queue.running) void this.drain(groupId, queue);
    });
  }

  private async drain(groupId: string, queue: GroupQueue): Promise<void> {
    queue.running = true;
    while (queue.pending.length > 0) {
      const batch = takeBatch(queue.pending);
      try {
        const results = await this.commit(groupId, batch);
        for (const [i, write] of batch.entries()) write.resolve(results[i]!);
      } catch (error) {
        if (batch.length === 1) {
          batch[0]!.reject(error);
          continue;
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
    queue.running = false;
    this.queues.delete(groupId);
  }

  private async commit(groupId: string, writes: readonly PendingWrite[]): Promise<WriteResult[]> {
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

    const stored = await this.sql.transaction(async (tx) => {
      const [group] = await tx.query<{ last: string }>(
        'SELECT last_sequence::text AS last FROM groups WHERE id = $1::uuid FOR UPDATE',
        [groupId],
      );
      if (!group) throw notFound('This key’s group no longer exists');
      return insertReports(tx, groupId, group.last, unique);
    });

    const claimed = new Set<number>();
    return positions.map((indexes) => {
      const locations = indexes.map((i) => stored[i]!.location);
      const created: Location[] = [];
      for (const i of indexes) {
        if (stored[i]!.fresh && !claimed.has(i)) {
          claimed.add(i);
          created.push(stored[i]!.location);
        }
      }
      created.sort((a, b) => (a.sequence < b.sequence ? -1 : 1));
      return { locations, created };
    });
  }
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

interface StoredRow {
  ord: string;
  fresh: boolean;
  id: string;
  device_id: string;
  sequence: string;
  latitude: number;
  longitude: number;
  accuracy: number | null;
  altitude: number | null;
  speed: number | null;
  heading: number | null;
  battery: number | null;
  recorded_at: Date;
  received_at: Date;
  client_id: string | null;
}

const COLUMNS =
  'id, device_id, sequence, latitude, longitude, accuracy, altitude, speed, heading, battery, recorded_at, received_at, client_id';
/** The columns of a stored location as the domain reads them (bigints as text). */
export const locationOutput = (alias: string) =>
  `${alias}.id::text AS id, ${alias}.device_id, ${alias}.sequence::text AS sequence, ${alias}.latitude, ${alias}.longitude,
   ${alias}.accuracy, ${alias}.altitude, ${alias}.speed, ${alias}.heading, ${alias}.battery, ${alias}.recorded_at,
   ${alias}.received_at, ${alias}.client_id`;

// One statement: skip reports whose clientId is stored, number the rest after the
// group's last sequence, insert them, advance the counter, and point each device at
// its newest fix by recordedAt (apps upload buffered fixes late and out of order).
const INSERT_REPORTS = `
WITH input AS (
  SELECT * FROM unnest($2::text[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[],
                       $8::float8[], $9::float8[], $10::timestamptz[], $11::text[])
    WITH ORDINALITY AS t(device_id, latitude, longitude, accuracy, altitude, speed, heading, battery, recorded_at, client_id, ord)
),
existing AS (
  SELECT i.ord, l.* FROM input i
  JOIN locations l ON l.group_id = $1::uuid AND l.device_id = i.device_id AND l.client_id = i.client_id
),
fresh AS (
  SELECT i.*, $12::bigint + row_number() OVER (ORDER BY i.ord) AS sequence FROM input i
  WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.ord = i.ord)
),
inserted AS (
  INSERT INTO locations (group_id, device_id, sequence, latitude, longitude, accuracy, altitude, speed, heading, battery, recorded_at, client_id)
  SELECT $1::uuid, device_id, sequence, latitude, longitude, accuracy, altitude, speed, heading, battery, recorded_at, client_id
  FROM fresh
  RETURNING ${COLUMNS}
),
counter AS (
  UPDATE groups SET last_sequence = $12::bigint + (SELECT count(*) FROM fresh) WHERE id = $1::uuid
),
newest AS (
  SELECT DISTINCT ON (device_id) device_id, id, recorded_at FROM inserted ORDER BY device_id, recorded_at DESC, sequence DESC
),
devices_touched AS (
  INSERT INTO devices (group_id, device_id, last_location_id, last_recorded_at, last_seen_at)
  SELECT $1::uuid, device_id, id, recorded_at, now() FROM newest
  ON CONFLICT (group_id, device_id) DO UPDATE SET
    last_seen_at = excluded.last_seen_at,
    last_location_id = CASE WHEN devices.last_recorded_at IS NULL OR excluded.last_recorded_at >= devices.last_recorded_at
                            THEN excluded.last_location_id ELSE devices.last_location_id END,
    last_recorded_at = GREATEST(devices.last_recorded_at, excluded.last_recorded_at)
)
SELECT (ins.sequence - $12::bigint)::text AS ord, true AS fresh, ${locationOutput('ins')} FROM inserted ins
UNION ALL
SELECT e.ord::text, false, ${locationOutput('e')} FROM existing e`;

async function insertReports(
  tx: SqlClient,
  groupId: string,
  lastSequence: string,
  reports: readonly LocationReport[],
): Promise<{ fresh: boolean; location: Location }[]> {
  const column = <K extends keyof LocationReport>(key: K) => reports.map((r) => r[key]);
  const rows = await tx.query<StoredRow>(INSERT_REPORTS, [
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
    lastSequence,
  ]);
  // Fresh rows report their rank among the new ones; map that back to the input position.
  const freshPositions: number[] = [];
  const existingAt = new Set(rows.filter((r) => !r.fresh).map((r) => Number(r.ord) - 1));
  for (let i = 0; i < reports.length; i++) if (!existingAt.has(i)) freshPositions.push(i);
  const out: { fresh: boolean; location: Location }[] = new Array(reports.length);
  for (const row of rows) {
    const position = row.fresh ? freshPositions[Number(row.ord) - 1]! : Number(row.ord) - 1;
    out[position] = { fresh: row.fresh, location: toLocation(groupId, row) };
  }
  return out;
}

export function toLocation(groupId: string, row: Omit<StoredRow, 'ord' | 'fresh'>): Location {
  return {
    id: row.id,
    groupId,
    deviceId: row.device_id,
    sequence: BigInt(row.sequence),
    latitude: row.latitude,
    longitude: row.longitude,
    accuracy: row.accuracy,
    altitude: row.altitude,
    speed: row.speed,
    heading: row.heading,
    battery: row.battery,
    recordedAt: row.recorded_at,
    receivedAt: row.received_at,
    clientId: row.client_id,
  };
}
