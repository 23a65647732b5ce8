// A geofence as the domain sees it, and how it is stored.
import type { Polygon } from 'geojson';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Shape } from './geometry.ts';

export interface Geofence {
  id: string;
  groupId: string;
  name: string;
  description: string | null;
  shape: Shape;
  /** Empty: every device of the group. */
  deviceIds: string[];
  /** A DWELL event once a device has been inside this long; null: no DWELL. */
  dwellSeconds: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export type GeofenceRow = Prisma.GeofenceGetPayload<object>;

export function fromRow(row: GeofenceRow): Geofence {
  return {
    id: row.id,
    groupId: row.groupId,
    name: row.name,
    description: row.description,
    shape:
      row.polygon != null
        ? { kind: 'polygon', polygon: row.polygon as unknown as Polygon }
        : {
            kind: 'circle',
            circle: {
              latitude: row.circleLatitude!,
              longitude: row.circleLongitude!,
              radiusMeters: row.radiusMeters!,
            },
          },
    deviceIds: row.deviceIds ?? [],
    dwellSeconds: row.dwellSeconds,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The columns a shape is stored in (the other kind's are null). */
export function shapeColumns(shape: Shape) {
  return shape.kind === 'circle'
    ? {
        circleLatitude: shape.circle.latitude,
        circleLongitude: shape.circle.longitude,
        radiusMeters: shape.circle.radiusMeters,
        polygon: null as never,
      }
    : {
        circleLatitude: null,
        circleLongitude: null,
        radiusMeters: null,
        polygon: shape.polygon as unknown as Prisma.InputJsonValue,
      };
}

/** Whether a geofence applies to a device. */
export const appliesTo = (geofence: Pick<Geofence, 'deviceIds'>, deviceId: string) =>
  geofence.deviceIds.length === 0 || geofence.deviceIds.includes(deviceId);
