// Geofence events: what they are, how they are stored and read, and how they stream live
// (a StreamSource with its own dense, commit-ordered per-group sequence).
import { geofenceEventCursor, geofenceEventIdToken } from '../cursors.ts';
import { type SqlClient, sqlParams } from '../db/sql.ts';
import { AppError } from '../errors.ts';
import { deviceIdError, isUuid } from '../ids.ts';
import type { StreamSource } from '../live/streams.ts';
import { fromWire as locationFromWire, toWire as locationToWire } from '../locations/record.ts';
import type { WireItem } from '../pubsub/topics.ts';
import type { GeofenceEventType, PendingEvent } from './rules.ts';

/** A stored event: what the rules decided (for a removal, with the device's latest fix), numbered. */
export interface GeofenceEvent extends PendingEvent {
  groupId: string;
  /** Per-group, dense and commit-ordered. */
  sequence: bigint;
  /** An EXIT because the geofence was deleted, or no longer applies to the device. */
  removed: boolean;
  createdAt: Date;
}

/** A geofence_events row as raw SQL returns it (select it with EVENT_COLUMNS). */
export interface GeofenceEventRow {
  sequence: string;
  type: GeofenceEventType;
  geofence_id: string;
  geofence_name: string;
  device_id: string;
  location: Record<string, unknown> | string;
  occurred_at: Date;
  removed: boolean;
  created_at: Date;
}

export const EVENT_COLUMNS = (e: string) =>
  `${e}.sequence::text AS sequence, ${e}.type, ${e}.geofence_id, ${e}.geofence_name, ${e}.device_id, ${e}.location,
   ${e}.occurred_at, ${e}.removed, ${e}.created_at`;

export function toEvent(groupId: string, row: GeofenceEventRow): GeofenceEvent {
  const json = typeof row.location === 'string' ? JSON.parse(row.location) : row.location;
  return {
    groupId,
    sequence: BigInt(row.sequence),
    type: row.type,
    geofenceId: row.geofence_id,
    geofenceName: row.geofence_name,
    deviceId: row.device_id,
    // The stored JSON is the API's, whose fields the wire form shares (sequence a number there).
    location: locationFromWire(groupId, json as Parameters<typeof locationFromWire>[1]),
    occurredAt: row.occurred_at,
    removed: row.removed,
    createdAt: row.created_at,
  };
}

export const geofenceEventId = (event: Pick<GeofenceEvent, 'groupId' | 'sequence'>) =>
  geofenceEventIdToken.encode({ groupId: event.groupId, sequence: event.sequence });

function toWire(event: GeofenceEvent): WireItem {
  return {
    sequence: event.sequence.toString(),
    type: event.type,
    geofenceId: event.geofenceId,
    geofenceName: event.geofenceName,
    deviceId: event.deviceId,
    location: locationToWire(event.location),
    occurredAt: event.occurredAt.toISOString(),
    removed: event.removed,
    createdAt: event.createdAt.toISOString(),
  };
}

function fromWire(groupId: string, wire: WireItem): GeofenceEvent {
  return {
    groupId,
    sequence: BigInt(wire.sequence as string),
    type: wire.type as GeofenceEventType,
    geofenceId: wire.geofenceId as string,
    geofenceName: wire.geofenceName as string,
    deviceId: wire.deviceId as string,
    location: locationFromWire(groupId, wire.location as Parameters<typeof locationFromWire>[1]),
    occurredAt: new Date(wire.occurredAt as string),
    removed: wire.removed as boolean,
    createdAt: new Date(wire.createdAt as string),
  };
}

/** The `geofenceEvents` subscription's source. */
export const geofenceEventSource: StreamSource<GeofenceEvent> = {
  name: 'geofence event',
  topic: 'group.geofenceEvents',
  cursor: geofenceEventCursor,
  toWire,
  fromWire,
  checkFilter: (filter) => {
    if (filter.deviceId != null) {
      const error = deviceIdError(filter.deviceId, ['deviceId']);
      if (error) return error;
    }
    // An id no geofence can have: nothing would ever match.
    if (filter.geofenceId != null && !isUuid(filter.geofenceId)) {
      return new AppError('NOT_FOUND', `No geofence with id "${filter.geofenceId}" in this group`);
    }
    return undefined;
  },
  matches: (event, filter) =>
    (filter.deviceId == null || event.deviceId === filter.deviceId) &&
    (filter.geofenceId == null || event.geofenceId === filter.geofenceId),
  async lastSequence(sql, groupId) {
    const [row] = await sql.query<{ last: string }>(
      'SELECT last_event_sequence::text AS last FROM groups WHERE id = $1::uuid',
      [groupId],
    );
    return BigInt(row?.last ?? '0');
  },
  async oldestSequence(sql, groupId) {
    const [row] = await sql.query<{ first: string | null }>(
      'SELECT min(sequence)::text AS first FROM geofence_events WHERE group_id = $1::uuid',
      [groupId],
    );
    return row?.first != null ? BigInt(row.first) : null;
  },
  range: (sql, groupId, filter, from, to, limit) =>
    readEvents(sql, groupId, { ...filter, afterSequence: from, toSequence: to }, limit, 'ASC'),
  storedAt: (event) => event.createdAt,
};

export interface EventFilter {
  deviceId?: string | null;
  geofenceId?: string | null;
  from?: Date | null;
  to?: Date | null;
  afterSequence?: bigint;
  toSequence?: bigint;
  beforeSequence?: bigint;
}

/** Events of a group in sequence order (or newest first), filtered. */
export async function readEvents(
  sql: SqlClient,
  groupId: string,
  filter: EventFilter,
  limit: number,
  direction: 'ASC' | 'DESC',
): Promise<GeofenceEvent[]> {
  const { params, param } = sqlParams(groupId);
  const where = ['e.group_id = $1::uuid'];
  if (filter.deviceId != null) where.push(`e.device_id = ${param(filter.deviceId, 'text')}`);
  if (filter.geofenceId != null) where.push(`e.geofence_id = ${param(filter.geofenceId, 'uuid')}`);
  if (filter.from) where.push(`e.occurred_at >= ${param(filter.from.toISOString(), 'timestamptz')}`);
  if (filter.to) where.push(`e.occurred_at <= ${param(filter.to.toISOString(), 'timestamptz')}`);
  if (filter.afterSequence !== undefined)
    where.push(`e.sequence > ${param(filter.afterSequence.toString(), 'bigint')}`);
  if (filter.toSequence !== undefined)
    where.push(`e.sequence <= ${param(filter.toSequence.toString(), 'bigint')}`);
  if (filter.beforeSequence !== undefined)
    where.push(`e.sequence < ${param(filter.beforeSequence.toString(), 'bigint')}`);
  const rows = await sql.query<GeofenceEventRow>(
    `SELECT ${EVENT_COLUMNS('e')} FROM geofence_events e WHERE ${where.join(' AND ')}
     ORDER BY e.sequence ${direction} LIMIT ${param(limit, 'int')}`,
    params,
  );
  return rows.map((row) => toEvent(groupId, row));
}
