// What a COMMIT of locations sets off, in one place. The writer calls it after each
// commit, one commit at a time, in sequence order; nothing here may fail the report,
// which is already stored.
import type { Location } from './record.ts';

/** What one COMMIT stored. */
export interface Commit {
  groupId: string;
  /** New locations, in sequence order. */
  created: Location[];
  /** Webhook deliveries enqueued with them (in the same statement). */
  deliveries: number;
  /** From sending the write to its COMMIT. */
  durationMs: number;
  /** What else the transaction stored announces itself (geofence events). */
  after?: () => void;
}

export interface AfterCommitDeps {
  /** Announces new locations to live subscribers on every instance. */
  publish(groupId: string, created: readonly Location[]): void;
  /** Tells the local webhook worker that deliveries are due. */
  wakeOutbox(): void;
  /** Counts what was stored (metrics). */
  observe(commit: Commit): void;
}

/** After COMMIT: count, publish to live subscribers (locations, then their geofence events), wake the outbox. */
export function afterCommit(deps: AfterCommitDeps): (commit: Commit) => void {
  return (commit) => {
    deps.observe(commit);
    deps.publish(commit.groupId, commit.created);
    commit.after?.();
    if (commit.deliveries > 0) deps.wakeOutbox();
  };
}
