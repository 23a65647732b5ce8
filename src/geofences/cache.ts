// Each group's geofences, loaded once and kept with their spatial index, so that a report
// costs no geofence query. A change on any instance is announced on the PubSub and every
// instance drops the group's set (reloaded on its next use); the set also expires after a
// minute, in case an announcement was lost while Redis was down. A set in use is loaded
// again in the background before it expires, so a report seldom waits for the load.
import { LRUCache } from 'lru-cache';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { fromRow } from './model.ts';
import { GeofenceSet } from './set.ts';

const TTL_MS = 60_000;

export class GeofenceCache {
  private readonly sets: LRUCache<string, Promise<GeofenceSet>>;
  /** Groups whose set is being loaded again in the background. */
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly ttlMs = TTL_MS,
  ) {
    this.sets = new LRUCache({ max: 10_000, ttl: ttlMs });
  }

  /** The group's geofences (an empty set when it has none). */
  get(groupId: string): Promise<GeofenceSet> {
    let set = this.sets.get(groupId);
    if (!set) {
      set = this.load(groupId);
      this.sets.set(groupId, set);
      set.catch(() => this.sets.delete(groupId));
    } else if (this.sets.getRemainingTTL(groupId) < this.ttlMs / 2) {
      this.refresh(groupId, set);
    }
    return set;
  }

  /** Loads a set in use again before it expires; dropped if it was invalidated meanwhile. */
  private refresh(groupId: string, current: Promise<GeofenceSet>): void {
    if (this.refreshing.has(groupId)) return;
    this.refreshing.add(groupId);
    const next = this.load(groupId);
    next
      .then(
        () => {
          if (this.sets.peek(groupId) === current) this.sets.set(groupId, next);
        },
        () => {}, // the current set stays until it expires; its next use loads again
      )
      .finally(() => this.refreshing.delete(groupId));
  }

  /** The group's geofences changed: load them again on next use. */
  invalidate(groupId: string): void {
    this.sets.delete(groupId);
  }

  private async load(groupId: string): Promise<GeofenceSet> {
    const rows = await this.prisma.geofence.findMany({
      where: { groupId },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return new GeofenceSet(rows.map(fromRow));
  }
}
