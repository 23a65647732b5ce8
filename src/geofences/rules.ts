// When a device enters, leaves or dwells in a geofence: pure functions over its fixes and
// its current state, with no I/O (the writer reads the state and stores the outcome in the
// transaction of the locations).
//
// - State per (device, geofence) follows the device's newest fix by recordedAt. A fix older
//   than the device's newest stored fix changes nothing (it is stored like any other).
// - Hysteresis from the fix's own accuracy: a fix counts as inside only when it is inside by
//   at least its accuracy (capped at half the geofence's size), as outside only when it is
//   outside by at least its accuracy plus a margin (GEOFENCE_EXIT_MARGIN). In between the
//   state does not change, so a device parked at the boundary does not flap. A fix less
//   accurate than GEOFENCE_MAX_ACCURACY never changes state. A fix without accuracy is
//   taken as exact. One clear fix is enough.
// - ENTER when a fix is inside and the device was not (outside, or never seen); EXIT when a
//   fix is outside and the device was inside; nothing for a first fix outside. DWELL once
//   per visit, on the first fix (inside or uncertain) at least `dwellSeconds` after the
//   ENTER. For one fix, EXITs come before ENTERs, then DWELLs.
import type { Location } from '../locations/record.ts';
import { appliesTo } from './model.ts';
import type { GeofenceSet, IndexedGeofence } from './set.ts';

export interface GeofenceRules {
  /** Metres beyond accuracy a fix must be outside to count as outside. */
  exitMarginMeters: number;
  /** Fixes less accurate than this (metres) never change state. */
  maxAccuracyMeters: number;
}

export type Side = 'inside' | 'outside' | 'uncertain';

/** Which side of a geofence a fix is on, as far as it can tell. */
export function classify(
  geofence: IndexedGeofence,
  fix: Pick<Location, 'latitude' | 'longitude' | 'accuracy'>,
  rules: GeofenceRules,
): Side {
  const accuracy = fix.accuracy ?? 0;
  if (accuracy > rules.maxAccuracyMeters) return 'uncertain';
  const distance = geofence.prepared.signedDistance(fix.latitude, fix.longitude);
  if (distance >= Math.min(accuracy, geofence.prepared.size / 2)) return 'inside';
  if (distance <= -(accuracy + rules.exitMarginMeters)) return 'outside';
  return 'uncertain';
}

/** A device inside a geofence. */
export interface InsideState {
  enteredAt: Date;
  dwelled: boolean;
}

export type GeofenceEventType = 'ENTER' | 'EXIT' | 'DWELL';

export interface PendingEvent {
  type: GeofenceEventType;
  geofenceId: string;
  /** The geofence's name when it happened. */
  geofenceName: string;
  deviceId: string;
  /** The fix that caused it. */
  location: Location;
  /** The fix's recordedAt (for a removal, when the geofence changed). */
  occurredAt: Date;
}

/** What a device's states look like before, and what is to be stored after. */
export interface DeviceState {
  /** Geofence id -> inside since. */
  inside: Map<string, InsideState>;
  /** recordedAt of the device's newest fix: stored before these (as read), then evaluated (null: none). */
  clock: Date | null;
}

export interface Outcome {
  events: PendingEvent[];
  /** Per device that had a fix evaluated: its states after these fixes. */
  devices: Map<string, DeviceState>;
}

/**
 * Evaluates new fixes (any devices, any order) against a group's geofences, starting from
 * each device's state. `states` is not modified.
 */
export function evaluate(
  set: GeofenceSet,
  fixes: readonly Location[],
  states: ReadonlyMap<string, DeviceState>,
  rules: GeofenceRules,
): Outcome {
  const events: PendingEvent[] = [];
  const devices = new Map<string, DeviceState>();
  const byDevice = new Map<string, Location[]>();
  for (const fix of fixes) {
    const list = byDevice.get(fix.deviceId);
    if (list) list.push(fix);
    else byDevice.set(fix.deviceId, [fix]);
  }
  for (const [deviceId, deviceFixes] of byDevice) {
    const before = states.get(deviceId);
    const state: DeviceState = { inside: new Map(before?.inside ?? []), clock: before?.clock ?? null };
    let changed = false;
    // In the device's own time order (a batch may hold fixes in any order); sequence breaks ties.
    deviceFixes.sort(
      (a, b) => a.recordedAt.getTime() - b.recordedAt.getTime() || Number(a.sequence - b.sequence),
    );
    for (const fix of deviceFixes) {
      if (state.clock && fix.recordedAt < state.clock) continue; // late: changes nothing
      state.clock = fix.recordedAt;
      changed = true;
      const reach = Math.min(fix.accuracy ?? 0, rules.maxAccuracyMeters) + rules.exitMarginMeters;
      // Only geofences near the fix, or that the device is inside, can change.
      const relevant = new Map<string, IndexedGeofence>();
      for (const geofence of set.near(fix.latitude, fix.longitude, reach))
        relevant.set(geofence.id, geofence);
      for (const id of state.inside.keys()) {
        const geofence = set.get(id);
        if (geofence) relevant.set(id, geofence);
      }
      const exits: PendingEvent[] = [];
      const enters: PendingEvent[] = [];
      const dwells: PendingEvent[] = [];
      const event = (type: GeofenceEventType, geofence: IndexedGeofence): PendingEvent => ({
        type,
        geofenceId: geofence.id,
        geofenceName: geofence.name,
        deviceId,
        location: fix,
        occurredAt: fix.recordedAt,
      });
      for (const geofence of relevant.values()) {
        if (!appliesTo(geofence, deviceId)) continue;
        const side = classify(geofence, fix, rules);
        const inside = state.inside.get(geofence.id);
        if (!inside && side === 'inside') {
          state.inside.set(geofence.id, { enteredAt: fix.recordedAt, dwelled: false });
          enters.push(event('ENTER', geofence));
        } else if (inside && side === 'outside') {
          state.inside.delete(geofence.id);
          exits.push(event('EXIT', geofence));
          continue;
        }
        const now = state.inside.get(geofence.id);
        if (
          now &&
          !now.dwelled &&
          geofence.dwellSeconds != null &&
          fix.recordedAt.getTime() - now.enteredAt.getTime() >= geofence.dwellSeconds * 1000
        ) {
          state.inside.set(geofence.id, { ...now, dwelled: true });
          dwells.push(event('DWELL', geofence));
        }
      }
      events.push(...exits, ...enters, ...dwells);
    }
    if (changed) devices.set(deviceId, state);
  }
  return { events, devices };
}
