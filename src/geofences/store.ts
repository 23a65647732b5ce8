// Geofence state and events in the database. Everything here runs inside a transaction
// that holds the group's row lock (the location writer's, or a geofence change's), so
// event sequences are dense and commit-ordered, like locations'.
import { cursorSql, geofenceEventCursor, geofenceEventIdToken } from '../cursors.ts';
import { type SqlClient, sqlLiteral, unnestParams } from '../db/sql.ts';
import { jsonObjectSql, locationJsonSql, timestampSql } from '../locations/record.ts';
import { EVENT_TYPES, eventBodySql } from '../webhooks/events.ts';
import { enqueueSql } from '../webhooks/outbox.ts';
import { EVENT_COLUMNS, type GeofenceEvent, type GeofenceEventRow, toEvent } from './events.ts';
import type { DeviceState, PendingEvent } from './rules.ts';

/**
 * The statement that reads the current state of these devices (the geofences each is
 * inside) and each one's clock: the recordedAt of its newest stored fix. It has no
 * parameters: it is sent with BEGIN and the group's lock, in one round trip.
 */
export function statesSql(groupId: string, deviceIds: readonly string[]): string {
  const ids = [...new Set(deviceIds)].map(sqlLiteral).join(', ');
  return `SELECT d.device_id, s.geofence_id, s.entered_at, s.dwelled,
    (SELECT max(l.recorded_at) FROM locations l WHERE l.group_id = d.group_id AND l.device_id = d.device_id) AS clock
  FROM devices d LEFT JOIN geofence_states s ON s.group_id = d.group_id AND s.device_id = d.device_id
  WHERE d.group_id = '${groupId}'::uuid AND d.device_id = ANY (ARRAY[${ids}]::text[])`;
}

/** The rows of statesSql as each device's state. */
export function statesFrom(rows: readonly Record<string, unknown>[]): Map<string, DeviceState> {
  const states = new Map<string, DeviceState>();
  for (const row of rows as readonly unknown[] as readonly StateRow[]) {
    let state = states.get(row.device_id);
    if (!state) {
      state = { inside: new Map(), clock: row.clock == null ? null : new Date(row.clock) };
      states.set(row.device_id, state);
    }
    if (row.geofence_id)
      state.inside.set(row.geofence_id, { enteredAt: new Date(row.entered_at!), dwelled: row.dwelled! });
  }
  return states;
}

interface StateRow {
  device_id: string;
  geofence_id: string | null;
  entered_at: Date | string | null;
  dwelled: boolean | null;
  clock: Date | string | null;
}

/** The state rows to write: (device, geofence) pairs entered or changed, and those left. */
export function diffStates(
  before: ReadonlyMap<string, DeviceState>,
  after: ReadonlyMap<string, DeviceState>,
) {
  const upserts: { geofenceId: string; deviceId: string; enteredAt: Date; dwelled: boolean }[] = [];
  const deletes: { geofenceId: string; deviceId: string }[] = [];
  for (const [deviceId, now] of after) {
    const was = before.get(deviceId);
    for (const [geofenceId, state] of now.inside) {
      const old = was?.inside.get(geofenceId);
      if (!old || old.enteredAt.getTime() !== state.enteredAt.getTime() || old.dwelled !== state.dwelled) {
        upserts.push({ geofenceId, deviceId, ...state });
      }
    }
    for (const geofenceId of was?.inside.keys() ?? []) {
      if (!now.inside.has(geofenceId)) deletes.push({ geofenceId, deviceId });
    }
  }
  return { upserts, deletes };
}

/**
 * The parameter arrays of events (type, geofence id and name, device id, `fix` of the
 * location, occurredAt), states entered or changed, and states left.
 */
export function changeParams(
  events: readonly PendingEvent[],
  fix: (event: PendingEvent) => bigint,
  { upserts, deletes }: ReturnType<typeof diffStates>,
): unknown[] {
  return [
    events.map((e) => e.type),
    events.map((e) => e.geofenceId),
    events.map((e) => e.geofenceName),
    events.map((e) => e.deviceId),
    events.map((e) => fix(e).toString()),
    events.map((e) => e.occurredAt.toISOString()),
    upserts.map((u) => u.geofenceId),
    upserts.map((u) => u.deviceId),
    upserts.map((u) => u.enteredAt.toISOString()),
    upserts.map((u) => u.dwelled),
    deletes.map((d) => d.geofenceId),
    deletes.map((d) => d.deviceId),
  ];
}

/** What to store: new events, and the devices' states before and after (only differences are written). */
export interface StateChange {
  events: readonly PendingEvent[];
  before: ReadonlyMap<string, DeviceState>;
  after: ReadonlyMap<string, DeviceState>;
  /** Events of geofences being removed (EXIT flagged removed) do not need their geofence to exist. */
  removal?: boolean;
}

/**
 * Stores events (numbered after the group's last event sequence, each with the location
 * that caused it) and state changes in one statement, and enqueues the
 * events' webhook deliveries. Returns the stored events and the deliveries enqueued.
 */
export async function storeChange(
  tx: SqlClient,
  groupId: string,
  change: StateChange,
): Promise<{ events: GeofenceEvent[]; deliveries: number }> {
  const { upserts, deletes } = diffStates(change.before, change.after);
  // The common case: fixes that change nothing cost no statement.
  if (change.events.length === 0 && upserts.length === 0 && deletes.length === 0) {
    return { events: [], deliveries: 0 };
  }
  const events = change.events;
  const rows = await tx.query<GeofenceEventRow & { deliveries: number }>(
    change.removal ? STORE_REMOVAL : STORE,
    [groupId, ...changeParams(events, (e) => e.location.sequence, { upserts, deletes })],
    change.removal ? 'gofindme_geofence_removal' : 'gofindme_geofence_store',
  );
  const stored = rows.map((row) => toEvent(groupId, row));
  return { events: stored, deliveries: rows.reduce((most, row) => Math.max(most, row.deliveries ?? 0), 0) };
}

/** An event's API JSON as `data` of its webhook: as the GraphQL API shows it, plus its `sequence` (as locations'). */
export const eventJsonSql = (e: string) =>
  jsonObjectSql([
    ['id', cursorSql(geofenceEventIdToken, `${e}.group_id::text`, `${e}.sequence::text`)],
    ['cursor', cursorSql(geofenceEventCursor, `${e}.sequence::text`)],
    ['sequence', `${e}.sequence`],
    ['type', `${e}.type`],
    ['geofenceId', `${e}.geofence_id`],
    ['geofenceName', `${e}.geofence_name`],
    ['deviceId', `${e}.device_id`],
    ['occurredAt', timestampSql(`${e}.occurred_at`)],
    ['removed', `${e}.removed`],
    ['location', `${e}.location::text`, 'raw'],
    [
      'geofence',
      jsonObjectSql([
        ['id', `${e}.geofence_id`],
        ['name', `${e}.geofence_name`],
      ]),
      'raw',
    ],
  ]);

/** A stored event's webhook type (`geofence.entered`, …) from its row `ins`. */
export const WEBHOOK_TYPE = `CASE ins.type WHEN 'ENTER' THEN '${EVENT_TYPES.geofenceEntered}' WHEN 'EXIT' THEN '${EVENT_TYPES.geofenceExited}' ELSE '${EVENT_TYPES.geofenceDwelled}' END`;

// $2..$7: events; $8..$11: states entered or changed; $12..$13: states left.
// Events of a geofence deleted meanwhile are dropped (and numbered without them); a removal
// stores its EXITs although the geofence is being deleted. (Every part of a statement's WITH
// runs to completion, whether or not the final SELECT reads it.)
const statement = (removal: boolean) => `
WITH e AS (
  SELECT * FROM ${unnestParams(2, 'text', 'uuid', 'text', 'text', 'bigint', 'timestamptz')}
    WITH ORDINALITY AS e(type, geofence_id, geofence_name, device_id, location_sequence, occurred_at, ord)
),
kept AS (
  SELECT e.*, row_number() OVER (ORDER BY e.ord) AS n FROM e
  ${removal ? '' : 'WHERE EXISTS (SELECT 1 FROM geofences g WHERE g.id = e.geofence_id)'}
),
counter AS (
  UPDATE groups SET last_event_sequence = last_event_sequence + (SELECT count(*) FROM kept)
  WHERE id = $1::uuid
  RETURNING last_event_sequence - (SELECT count(*) FROM kept) AS base
),
inserted AS (
  INSERT INTO geofence_events (group_id, sequence, type, geofence_id, geofence_name, device_id, location_sequence,
                               location, occurred_at, removed)
  SELECT $1::uuid, c.base + k.n, k.type, k.geofence_id, k.geofence_name, k.device_id, k.location_sequence,
         (SELECT (${locationJsonSql('l')})::jsonb FROM locations l
           WHERE l.group_id = $1::uuid AND l.sequence = k.location_sequence),
         k.occurred_at, ${removal ? 'true' : 'false'}
  FROM kept k, counter c
  RETURNING *
),
upserted AS (
  INSERT INTO geofence_states (geofence_id, group_id, device_id, entered_at, dwelled)
  SELECT u.geofence_id, $1::uuid, u.device_id, u.entered_at, u.dwelled
  FROM ${unnestParams(8, 'uuid', 'text', 'timestamptz', 'bool')} AS u(geofence_id, device_id, entered_at, dwelled)
  WHERE EXISTS (SELECT 1 FROM geofences g WHERE g.id = u.geofence_id)
  ON CONFLICT (geofence_id, device_id) DO UPDATE SET entered_at = excluded.entered_at, dwelled = excluded.dwelled
),
deleted AS (
  DELETE FROM geofence_states s USING ${unnestParams(12, 'uuid', 'text')} AS x(geofence_id, device_id)
  WHERE s.geofence_id = x.geofence_id AND s.device_id = x.device_id
),
${enqueueSql({
  eventType: WEBHOOK_TYPE,
  from: 'inserted ins',
  deviceId: 'ins.device_id',
  body: eventBodySql(WEBHOOK_TYPE, timestampSql('ins.created_at'), eventJsonSql('ins')),
  orderBy: 'ins.sequence',
})}
SELECT ${EVENT_COLUMNS('ins')}, q.deliveries FROM inserted ins, enqueued q ORDER BY ins.sequence`;

const STORE = statement(false);
const STORE_REMOVAL = statement(true);
