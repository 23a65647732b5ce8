// Reading stored locations: history pages and the devices of a group.

import { deviceCursor, historyCursor } from '../cursors.ts';
import { type Sql, sqlParams } from '../db/sql.ts';
import { InputError } from '../errors.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { checkDeviceId } from '../ids.ts';
import type { PageWindow } from '../paging.ts';
import { LOCATION_COLUMNS, type Location, type LocationRow, toLocation } from './record.ts';

export interface HistoryFilter {
  deviceId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

export interface Device {
  id: string;
  groupId: string;
  deviceId: string;
  createdAt: Date;
  /** Its newest location, when read with the device (undefined: not read). */
  lastLocation?: Location | null;
}

type DevicePageRow = { device_row_id: string; device_key: string; device_created_at: Date };

/** The newest location (by recordedAt, then sequence) of the device `deviceId` names, in group $1. */
const LATEST_OF = (deviceId: string) =>
  `SELECT * FROM locations WHERE group_id = $1::uuid AND device_id = ${deviceId}
   ORDER BY recorded_at DESC, sequence DESC LIMIT 1`;

type DeviceRow = Prisma.DeviceGetPayload<object>;

/** The cursor of a location in history pages (ordered by the device's clock, then sequence). */
export const historyCursorOf = (location: Location) =>
  historyCursor.encode({ recordedAt: location.recordedAt, sequence: location.sequence });

/** The cursor of a device in device pages. */
export const deviceCursorOf = (device: Device) => deviceCursor.encode(device.deviceId);

export class LocationHistory {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: Sql,
  ) {}

  /** A page of history, ordered by recordedAt then sequence (`inverted`: from the newest). */
  async locations(groupId: string, filter: HistoryFilter, window: PageWindow): Promise<Location[]> {
    if (filter.deviceId != null) checkDeviceId(filter.deviceId, ['deviceId']);
    if (filter.from && filter.to && filter.from > filter.to)
      throw InputError.at(['from'], 'must not be after `to`');
    const { params, param } = sqlParams(groupId);
    const where = ['l.group_id = $1::uuid'];
    if (filter.deviceId != null) where.push(`l.device_id = ${param(filter.deviceId, 'text')}`);
    if (filter.from) where.push(`l.recorded_at >= ${param(filter.from.toISOString(), 'timestamptz')}`);
    if (filter.to) where.push(`l.recorded_at <= ${param(filter.to.toISOString(), 'timestamptz')}`);
    // Keyset bounds on (recorded_at, sequence), the order of the history indexes.
    for (const [token, argument, op] of [
      [window.after, 'after', '>'],
      [window.before, 'before', '<'],
    ] as const) {
      if (!token) continue;
      const c = historyCursor.parse(token, argument);
      where.push(
        `(l.recorded_at, l.sequence) ${op} (${param(c.recordedAt.toISOString(), 'timestamptz')}, ${param(c.sequence.toString(), 'bigint')})`,
      );
    }
    const direction = window.inverted ? 'DESC' : 'ASC';
    const rows = await this.sql.query<LocationRow>(
      `SELECT ${LOCATION_COLUMNS('l')} FROM locations l WHERE ${where.join(' AND ')}
       ORDER BY l.recorded_at ${direction}, l.sequence ${direction} LIMIT ${param(window.limit, 'int')}`,
      params,
    );
    return rows.map((row) => toLocation(groupId, row));
  }

  /**
   * A page of the group's devices, ordered by deviceId. `withLastLocation` reads each one's
   * newest location in the same statement (one index probe per device, as latestLocations).
   */
  async devices(groupId: string, window: PageWindow, withLastLocation = false): Promise<Device[]> {
    const { params, param } = sqlParams(groupId);
    const where = ['d.group_id = $1::uuid'];
    for (const [token, argument, op] of [
      [window.after, 'after', '>'],
      [window.before, 'before', '<'],
    ] as const) {
      if (token) where.push(`d.device_id ${op} ${param(deviceCursor.parse(token, argument), 'text')}`);
    }
    const rows = await this.sql.query<LocationRow & DevicePageRow>(
      `SELECT d.id AS device_row_id, d.device_id AS device_key, d.created_at AS device_created_at
              ${withLastLocation ? `, ${LOCATION_COLUMNS('l')}` : ''}
       FROM devices d
       ${withLastLocation ? `LEFT JOIN LATERAL (${LATEST_OF('d.device_id')}) l ON true` : ''}
       WHERE ${where.join(' AND ')}
       ORDER BY d.device_id ${window.inverted ? 'DESC' : 'ASC'} LIMIT ${param(window.limit, 'int')}`,
      params,
    );
    return rows.map((row) => {
      const device: Device = {
        id: row.device_row_id,
        groupId,
        deviceId: row.device_key,
        createdAt: row.device_created_at,
      };
      if (withLastLocation) device.lastLocation = row.sequence == null ? null : toLocation(groupId, row);
      return device;
    });
  }

  async device(groupId: string, deviceId: string): Promise<Device | null> {
    checkDeviceId(deviceId, ['deviceId']);
    const row = await this.prisma.device.findUnique({ where: { groupId_deviceId: { groupId, deviceId } } });
    return row ? fromDeviceRow(row) : null;
  }

  /** Devices by app id, in the order asked (null where missing); for batching per request. */
  async devicesByIds(groupId: string, deviceIds: readonly string[]): Promise<(Device | null)[]> {
    const rows = await this.prisma.device.findMany({ where: { groupId, deviceId: { in: [...deviceIds] } } });
    const byId = new Map(rows.map((row) => [row.deviceId, fromDeviceRow(row)]));
    return deviceIds.map((id) => byId.get(id) ?? null);
  }

  /**
   * The newest location of each of the group's most recently active devices (found among
   * its newest `scan` locations), newest first, at most `limit`.
   */
  async recentDevices(groupId: string, limit: number, scan = 1000): Promise<Location[]> {
    const rows = await this.sql.query<LocationRow>(
      `SELECT ${LOCATION_COLUMNS('l')} FROM (
         SELECT DISTINCT ON (r.device_id) r.* FROM (
           SELECT * FROM locations WHERE group_id = $1::uuid ORDER BY recorded_at DESC, sequence DESC LIMIT $3
         ) r ORDER BY r.device_id, r.recorded_at DESC, r.sequence DESC
       ) l ORDER BY l.recorded_at DESC LIMIT $2`,
      [groupId, limit, scan],
    );
    return rows.map((row) => toLocation(groupId, row));
  }

  /** The newest location (by recordedAt) of each device, in the order asked; one index probe per device. */
  async latestLocations(groupId: string, deviceIds: readonly string[]): Promise<(Location | null)[]> {
    const rows = await this.sql.query<LocationRow>(
      `SELECT ${LOCATION_COLUMNS('l')} FROM unnest($2::text[]) AS d(device_id)
       CROSS JOIN LATERAL (${LATEST_OF('d.device_id')}) l`,
      [groupId, deviceIds],
    );
    const byDevice = new Map(rows.map((row) => [row.device_id, toLocation(groupId, row)]));
    return deviceIds.map((id) => byDevice.get(id) ?? null);
  }
}

function fromDeviceRow(row: DeviceRow): Device {
  return {
    id: row.id,
    groupId: row.groupId,
    deviceId: row.deviceId,
    createdAt: row.createdAt,
  };
}
