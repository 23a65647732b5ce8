// Locations as a live stream source: `locationUpdates`, resumed after a `Location.cursor`.
import { streamCursor } from '../cursors.ts';
import { deviceIdError } from '../ids.ts';
import {
  fromWire,
  LOCATION_COLUMNS,
  type Location,
  type LocationRow,
  toLocation,
  toWire,
} from '../locations/record.ts';
import type { WireItem } from '../pubsub/topics.ts';
import type { StreamSource } from './streams.ts';

export const locationSource: StreamSource<Location> = {
  name: 'location',
  topic: 'group.locations',
  cursor: streamCursor,
  toWire: (location) => toWire(location) as WireItem,
  fromWire: (groupId, wire) => fromWire(groupId, wire as Parameters<typeof fromWire>[1]),
  checkFilter: (filter) =>
    filter.deviceId == null ? undefined : deviceIdError(filter.deviceId, ['deviceId']),
  matches: (location, filter) => filter.deviceId == null || location.deviceId === filter.deviceId,
  async lastSequence(sql, groupId) {
    const [row] = await sql.query<{ last: string }>(
      'SELECT last_sequence::text AS last FROM groups WHERE id = $1::uuid',
      [groupId],
    );
    return BigInt(row?.last ?? '0');
  },
  async oldestSequence(sql, groupId) {
    const [row] = await sql.query<{ first: string | null }>(
      'SELECT min(sequence)::text AS first FROM locations WHERE group_id = $1::uuid',
      [groupId],
    );
    return row?.first != null ? BigInt(row.first) : null;
  },
  async range(sql, groupId, filter, from, to, limit) {
    const rows = await sql.query<LocationRow>(
      `SELECT ${LOCATION_COLUMNS('l')} FROM locations l
       WHERE l.group_id = $1::uuid AND l.sequence > $2::bigint AND l.sequence <= $3::bigint
         AND ($4::text IS NULL OR l.device_id = $4::text)
       ORDER BY l.sequence LIMIT $5`,
      [groupId, from.toString(), to.toString(), filter.deviceId ?? null, limit],
    );
    return rows.map((row) => toLocation(groupId, row));
  },
  storedAt: (location) => location.receivedAt,
};
