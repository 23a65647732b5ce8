// Each group's geofences, loaded once and kept with their spatial index, so that a report
// costs no geofence query. A change on any instance is announced on the PubSub and every
// instance drops the group's set (reloaded on its next use); the set also expires after a
// minute, in case an announcement was lost while Redis was down. A set in use is loaded
// again in the background before it expires, so a report seldom waits for the load.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { RefreshAheadCache } from '../refreshAheadCache.ts';
import { fromRow } from './model.ts';
import { GeofenceSet } from './set.ts';

const TTL_MS = 60_000;

export class GeofenceCache {
  private readonly sets: RefreshAheadCache<string, GeofenceSet>;

  constructor(
    private readonly prisma: PrismaClient,
    ttlMs = TTL_MS,
  ) {
    this.sets = new RefreshAheadCache({ ttlMs, max: 10_000, load: (groupId) => this.load(groupId) });
  }

  /** The group's geofences (an empty set when it has none: `load` always returns a set). */
  async get(groupId: string): Promise<GeofenceSet> {
    return (await this.sets.get(groupId))!;
  }

  /** The group's geofences if they are loaded, without waiting for a load. */
  peek(groupId: string): GeofenceSet | undefined {
    return this.sets.peek(groupId);
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
