// A group's geofences in memory, with a spatial index (Flatbush: a static packed R-tree,
// rebuilt when the geofences change) over their bounding boxes. A fix is tested exactly
// only against the geofences whose box comes within reach of it.
import Flatbush from 'flatbush';
import { type PreparedShape, prepare } from './geometry.ts';
import type { Geofence } from './model.ts';

export interface IndexedGeofence extends Geofence {
  prepared: PreparedShape;
}

const METRES_PER_DEGREE = 111_195;

export class GeofenceSet {
  readonly geofences: readonly IndexedGeofence[];
  private readonly byId: Map<string, IndexedGeofence>;
  private readonly index: Flatbush | undefined;

  constructor(geofences: readonly Geofence[]) {
    this.geofences = geofences.map((g) => ({ ...g, prepared: prepare(g.shape) }));
    this.byId = new Map(this.geofences.map((g) => [g.id, g]));
    if (this.geofences.length > 0) {
      this.index = new Flatbush(this.geofences.length);
      for (const { prepared } of this.geofences) this.index.add(...prepared.bbox);
      this.index.finish();
    }
  }

  get size(): number {
    return this.geofences.length;
  }

  get(id: string): IndexedGeofence | undefined {
    return this.byId.get(id);
  }

  /** The geofences whose bounding box comes within `reachMeters` of the point. */
  near(latitude: number, longitude: number, reachMeters: number): IndexedGeofence[] {
    if (!this.index) return [];
    const dLat = reachMeters / METRES_PER_DEGREE;
    const cos = Math.cos((latitude * Math.PI) / 180);
    const dLon = cos > 1e-6 ? Math.min(360, reachMeters / (METRES_PER_DEGREE * cos)) : 360;
    const [south, north] = [latitude - dLat, latitude + dLat];
    const found = new Set(this.index.search(longitude - dLon, south, longitude + dLon, north));
    // Reach across the antimeridian: the other side's longitudes are 360° away.
    if (longitude - dLon < -180)
      for (const i of this.index.search(longitude - dLon + 360, south, 180, north)) found.add(i);
    if (longitude + dLon > 180)
      for (const i of this.index.search(-180, south, longitude + dLon - 360, north)) found.add(i);
    return [...found].map((i) => this.geofences[i]!);
  }
}
