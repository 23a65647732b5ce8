// The topics the PubSub carries and their payloads. Payloads cross Redis as JSON, so
// they hold only JSON values (no bigint, no Date).
import type { WireLocation } from '../locations/record.ts';

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
