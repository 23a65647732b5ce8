// The topics the PubSub carries and their payloads. Payloads cross Redis as JSON, so
// they hold only JSON values (no bigint, no Date).

/** A location as it travels between instances. */
export interface WireLocation {
  deviceId: string;
  /** The group sequence, as a decimal string. */
  sequence: string;
  latitude: number;
  longitude: number;
  accuracy: number | null;
  altitude: number | null;
  speed: number | null;
  heading: number | null;
  battery: number | null;
  recordedAt: string;
  receivedAt: string;
  clientId: string | null;
}

export interface Topics {
  /** Locations a transaction of the group committed, in sequence order. Keyed by group id. */
  'group.locations': { groupId: string; locations: WireLocation[] };
}

export type Topic = keyof Topics;
