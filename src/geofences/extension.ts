// Geofences in the location write path. For a group that has geofences, the new fixes
// are evaluated (rules.ts) against each device's state, and the events and state changes
// are stored by the statement that stores the fixes, so an acknowledged report has its
// events stored and a refused one has none. The events are announced after COMMIT.
//
// The common case is still one statement. The writer keeps each group's device states in
// memory, as of the group's last sequence and state version (a geofence deleted or
// narrowed bumps the version). It plans the fixes against them as if numbered right
// after that sequence, and the statement's guard writes nothing unless the group's row
// still says so, every geofence it names still exists, and no fix was stored before:
// nothing was written meanwhile by another instance, a geofence change or a retry.
// Then, and when the states of a batch's devices are not in memory yet (one more
// statement reads them, without a lock), the write takes the locked path: BEGIN, the lock
// and the states read in one round trip, the insert, the events (a statement only when
// there are some), COMMIT; and the group's states in memory are dropped.
import { LRUCache } from 'lru-cache';
import { arrayParam, type Sql, unnestParams } from '../db/sql.ts';
import { type Location, locationJsonSql, timestampSql } from '../locations/record.ts';
import type { AfterCommitWork, StatementExtension, WriteExtension } from '../locations/writer.ts';
import { eventBodySql } from '../webhooks/events.ts';
import { enqueueSql } from '../webhooks/outbox.ts';
import type { GeofenceCache } from './cache.ts';
import type { GeofenceEvent } from './events.ts';
import { type DeviceState, evaluate, type GeofenceRules } from './rules.ts';
import {
  changeParams,
  diffStates,
  eventJsonSql,
  statesFrom,
  statesSql,
  storeChange,
  WEBHOOK_TYPE,
} from './store.ts';

/** A group's device states, as of its last sequence and state version. */
interface KnownStates {
  lastSequence: bigint;
  stateVersion: bigint;
  devices: Map<string, DeviceState>;
}

/** Groups whose states are kept, and devices per group (beyond that, a group starts over). */
const MAX_GROUPS = 1000;
const MAX_DEVICES_PER_GROUP = 100_000;

export function geofenceWrites(
  sql: Sql,
  cache: GeofenceCache,
  rules: GeofenceRules,
  announce: (groupId: string, events: GeofenceEvent[]) => void,
): WriteExtension {
  const known = new LRUCache<string, KnownStates>({ max: MAX_GROUPS });

  /** The states of `deviceIds`, from memory when they are all there, else read (and kept). */
  async function statesOf(groupId: string, deviceIds: string[]): Promise<KnownStates | undefined> {
    const kept = known.get(groupId);
    if (kept && deviceIds.every((id) => kept.devices.has(id))) return kept;
    const read = await readStates(sql, groupId, deviceIds);
    if (!read) return undefined;
    if (kept && kept.lastSequence === read.lastSequence && kept.stateVersion === read.stateVersion) {
      if (kept.devices.size + deviceIds.length > MAX_DEVICES_PER_GROUP) kept.devices.clear();
      for (const [id, state] of read.devices) kept.devices.set(id, state);
      return kept;
    }
    known.set(groupId, read);
    return read;
  }

  return {
    known(groupId) {
      const set = cache.peek(groupId);
      if (set) return set.size > 0;
      // Loaded for the group's next reports; this one's statement checks for itself.
      cache.get(groupId).catch(() => {});
      return undefined;
    },
    async applies(groupId, reload = false) {
      if (reload) cache.invalidate(groupId);
      return (await cache.get(groupId)).size > 0;
    },
    statements: [QUIET, CHANGES, NONE],
    idle: NONE.name,

    async plan(groupId, reports) {
      const set = await cache.get(groupId);
      const deviceIds = [...new Set(reports.map((report) => report.deviceId))];
      const group = await statesOf(groupId, deviceIds);
      if (!group) return undefined;
      const base = group.lastSequence;
      // As the statement will number them, if it writes them.
      const fixes = reports.map(
        (report, i) =>
          ({ ...report, groupId, sequence: base + BigInt(i + 1), receivedAt: new Date() }) as Location,
      );
      const before = new Map(deviceIds.map((id) => [id, group.devices.get(id)!]));
      const outcome = evaluate(set, fixes, before, rules);
      const events = outcome.events;
      const changes = diffStates(before, outcome.devices);
      const quiet = events.length === 0 && changes.upserts.length === 0 && changes.deletes.length === 0;
      return {
        statement: quiet ? QUIET.name : CHANGES.name,
        lastSequence: base,
        params: quiet
          ? [base.toString(), group.stateVersion.toString()]
          : [
              base.toString(),
              group.stateVersion.toString(),
              events.length,
              // Events name their fix by its position in the batch.
              ...changeParams(events, (e) => e.location.sequence - base, changes),
            ],
        committed(created: readonly Location[], row): AfterCommitWork {
          group.lastSequence = base + BigInt(created.length);
          for (const [id, state] of outcome.devices) group.devices.set(id, state);
          if (quiet) return { deliveries: 0, publish: () => {} };
          const eventBase = BigInt(row.event_base as string);
          const stored: GeofenceEvent[] = events.map((event, i) => ({
            ...event,
            groupId,
            sequence: eventBase + BigInt(i + 1),
            location: created[Number(event.location.sequence - base) - 1]!,
            removed: false,
            createdAt: created[0]!.receivedAt,
          }));
          return {
            deliveries: Number(row.event_deliveries ?? 0),
            publish: () => announce(groupId, stored),
          };
        },
      };
    },

    read: (groupId, reports) =>
      statesSql(
        groupId,
        reports.map((report) => report.deviceId),
      ),

    async run(tx, groupId, created: readonly Location[], read): Promise<AfterCommitWork> {
      const set = await cache.get(groupId);
      const before = statesFrom(read);
      const outcome = evaluate(set, created, before, rules);
      const { events, deliveries } = await storeChange(tx, groupId, {
        events: outcome.events,
        before,
        after: outcome.devices,
      });
      return { deliveries, publish: () => announce(groupId, events) };
    },

    forget: (groupId) => {
      known.delete(groupId);
    },
  };
}

/** The group's last sequence, state version and the states of `deviceIds`, read in one statement. */
async function readStates(sql: Sql, groupId: string, deviceIds: string[]): Promise<KnownStates | undefined> {
  const rows = await sql.query<Record<string, unknown> & { last_sequence: string; state_version: string }>(
    `SELECT g.last_sequence::text AS last_sequence, g.state_version::text AS state_version, x.device_id,
       s.geofence_id, s.entered_at, s.dwelled,
       (SELECT max(l.recorded_at) FROM locations l WHERE l.group_id = g.id AND l.device_id = x.device_id) AS clock
     FROM groups g
     CROSS JOIN ${unnestParams(2, 'text')} AS x(device_id)
     LEFT JOIN geofence_states s ON s.group_id = g.id AND s.device_id = x.device_id
     WHERE g.id = $1::uuid`,
    [groupId, deviceIds],
    'gofindme_geofence_read_states',
  );
  if (rows.length === 0) return undefined;
  return {
    lastSequence: BigInt(rows[0]!.last_sequence),
    stateVersion: BigInt(rows[0]!.state_version),
    devices: statesFrom(rows),
  };
}

// The geofence parts of the one-statement write (see locations/writer.ts). Parameters from $p:
// p: the last sequence planned on; p+1: the state version; then, with changes: p+2: the
// number of events; p+3..p+8: events (type, geofence id, geofence name, device id, the
// fix's position in the batch, occurredAt); p+9..p+12: states entered or changed;
// p+13..p+14: states left.
const unchanged = (p: number) => `last_sequence = $${p}::bigint AND state_version = $${p + 1}::bigint`;

/**
 * A group without geofences, as far as this instance knows (or it does not know yet): the
 * plain statement, which writes only if the group has none (one index probe), so that a
 * report need not wait for the group's geofences to be loaded, and a geofence created on
 * another instance counts from the next report even if its announcement was lost.
 */
const NONE: StatementExtension = {
  name: 'geofences_none',
  guard: () => 'NOT EXISTS (SELECT 1 FROM geofences f WHERE f.group_id = $1::uuid)',
  set: () => '',
  returning: () => '',
  ctes: () => '',
  columns: () => [],
};

/** Fixes that change no state: only the guard (the common case: a small addition to the plain statement). */
const QUIET: StatementExtension = {
  name: 'geofences_quiet',
  guard: unchanged,
  set: () => '',
  returning: () => '',
  ctes: () => '',
  columns: () => [],
};

/** Fixes with events or state changes: stored with them, and their webhook deliveries. */
const CHANGES: StatementExtension = {
  name: 'geofences',
  guard: (p) => `${unchanged(p)}
    AND NOT EXISTS (
      SELECT 1 FROM unnest(${arrayParam(p + 4, 'uuid')} || ${arrayParam(p + 9, 'uuid')}) AS named(id)
      WHERE NOT EXISTS (SELECT 1 FROM geofences f WHERE f.id = named.id AND f.group_id = $1::uuid))`,
  set: (p) => `, last_event_sequence = last_event_sequence + $${p + 2}::int`,
  returning: (p) => `, last_event_sequence - $${p + 2}::int AS event_base`,
  ctes: (p) => `g_events AS (
  INSERT INTO geofence_events (group_id, sequence, type, geofence_id, geofence_name, device_id, location_sequence,
                               location, occurred_at, removed)
  SELECT $1::uuid, c.event_base + e.ord, e.type, e.geofence_id, e.geofence_name, e.device_id, c.base + e.fix,
         (SELECT (${locationJsonSql('l')})::jsonb FROM inserted l WHERE l.sequence = c.base + e.fix),
         e.occurred_at, false
  FROM ${unnestParams(p + 3, 'text', 'uuid', 'text', 'text', 'bigint', 'timestamptz')}
       WITH ORDINALITY AS e(type, geofence_id, geofence_name, device_id, fix, occurred_at, ord),
       counter c
  RETURNING *
),
g_upserted AS (
  INSERT INTO geofence_states (geofence_id, group_id, device_id, entered_at, dwelled)
  SELECT u.geofence_id, $1::uuid, u.device_id, u.entered_at, u.dwelled
  FROM ${unnestParams(p + 9, 'uuid', 'text', 'timestamptz', 'bool')}
       AS u(geofence_id, device_id, entered_at, dwelled), counter
  ON CONFLICT (geofence_id, device_id) DO UPDATE SET entered_at = excluded.entered_at, dwelled = excluded.dwelled
),
g_deleted AS (
  DELETE FROM geofence_states s USING ${unnestParams(p + 13, 'uuid', 'text')} AS x(geofence_id, device_id), counter
  WHERE s.geofence_id = x.geofence_id AND s.device_id = x.device_id
),
${enqueueSql({
  prefix: 'g_',
  eventType: WEBHOOK_TYPE,
  from: 'g_events ins',
  deviceId: 'ins.device_id',
  body: eventBodySql(WEBHOOK_TYPE, timestampSql('ins.created_at'), eventJsonSql('ins')),
  orderBy: 'ins.sequence',
})},
`,
  columns: () => [
    'c.event_base::text AS event_base',
    '(SELECT deliveries FROM g_enqueued) AS event_deliveries',
  ],
};
