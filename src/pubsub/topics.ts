// The topics the PubSub carries and their payloads. Payloads cross Redis as JSON, so
// they hold only JSON values (no bigint, no Date).
import type { Location } from '../locations/types.ts';

/** A location as it travels between instances: JSON only, so bigint and dates become strings. */
export type WireLocation = Omit<Location, 'groupId' | 'sequence' | 'recordedAt' | 'receivedAt'> & {
  /** The group sequence, as a decimal string. */
  sequence: string;
  recordedAt: string;
  receivedAt: string;
};

export interface Topics {
  /** Locations a transaction of the group committed, in sequence order. Keyed by group id. */
  'group.locations': { groupId: string; locations: WireLocation[] };
  /**
   * A key was revoked or its expiry moved (rotation): every instance drops it from its
   * cache and, if revoked, ends what it holds open. Keyed by "all".
   */
  'keys.changed': { keyId: string; revoked: boolean };
}

export type Topic = keyof Topics;
