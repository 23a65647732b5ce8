// The topics the PubSub carries and their payloads. Payloads cross Redis as JSON, so
// they hold only JSON values (no bigint, no Date).

/** A streamed item as it travels between instances (see each stream source's toWire). */
export type WireItem = Record<string, string | number | boolean | null | Record<string, unknown>>;

export interface Topics {
  /** Locations a transaction of the group committed, in sequence order. Keyed by group id. */
  'group.locations': { groupId: string; items: WireItem[] };
  /** Geofence events a transaction of the group committed, in event-sequence order. Keyed by group id. */
  'group.geofenceEvents': { groupId: string; items: WireItem[] };
  /**
   * A key was revoked or its expiry moved (rotation): every instance drops it from its
   * cache and, if revoked, ends what it holds open. Keyed by "all".
   */
  'keys.changed': { keyId: string; revoked: boolean };
  /** A group's geofences changed: every instance reloads them before their next use. Keyed by "all". */
  'geofences.changed': { groupId: string };
}

export type Topic = keyof Topics;

/** The topics live streams are made of. */
export type StreamTopic = 'group.locations' | 'group.geofenceEvents';
