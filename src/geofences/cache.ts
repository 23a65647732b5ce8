// Each group's geofences, loaded once and kept with their spatial index, so that a report
// costs no geofence query. A change on any instance is announced on the PubSub and every
// instance drops the group's set (reloaded on its next use); the set also expires after a
// minute, in case an announcement was lost while Redis was down.
import { LRUCache } from 'lru-cache';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { fromRow } from './model.ts';
import { GeofenceSet } from './set.ts';

const TTL_MS = 60_000;

export class GeofenceCache {
  private readonly sets = new LRUCache<string, Promise<GeofenceSet>>({ max: 10_000, ttl: TTL_MS });

  constructor(private readonly prisma: PrismaClient) {}

  /** The group's geofences (an empty set when it has none). */
  get(groupId: string): Promise<GeofenceSet> {
    let set = this.sets.get(groupId);
    if (!set) {
      set = this.load(groupId);
      this.sets.set(groupId, set);
      set.catch(() => this.sets.delete(groupId));
    }
    return set;
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
