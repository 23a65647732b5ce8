// Reading stored locations: history pages and the devices of a group.

import type { Sql } from '../db/sql.ts';
import { InputError } from '../errors.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { LOCATION_COLUMNS, type Location, type LocationRow, toLocation } from './types.ts';
import { checkDeviceId, isDeviceId } from './validation.ts';

export const MAX_PAGE_SIZE = 1000;

/** A keyset window as produced by Relay arguments (see resolveCursorConnection). */
export interface PageWindow {
  after?: string;
  before?: string;
  limit: number;
  /** Read backwards from `before` (or from the end), e.g. for `last: 10`. */
  inverted: boolean;
}

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
}

type PrismaLocation = Prisma.LocationGetPayload<object>;
type DeviceRow = Prisma.DeviceGetPayload<object>;

/** History is ordered by the device's clock (recordedAt), then by sequence. */
export function historyCursor(location: Location): string {
  return Buffer.from(`t:${location.recordedAt.getTime()}:${location.sequence}`).toString('base64url');
}

function parseHistoryCursor(cursor: string, argument: string): { recordedAt: Date; sequence: bigint } {
  // At most 15 digits of milliseconds (always a valid date) and 18 of sequence (within bigint).
  const match = /^t:(-?\d{1,15}):(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw InputError.at([argument], 'is not a cursor returned by this connection');
  return { recordedAt: new Date(Number(match[1])), sequence: BigInt(match[2]!) };
}

export function deviceCursor(device: Device): string {
  return Buffer.from(`d:${device.deviceId}`).toString('base64url');
}

function parseDeviceCursor(cursor: string, argument: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('d:') || !isDeviceId(text.slice(2))) {
    throw InputError.at([argument], 'is not a cursor returned by this connection');
  }
  return text.slice(2);
}

export function checkPageSize(args: { first?: number | null; last?: number | null }): void {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value != null && (value < 0 || value > MAX_PAGE_SIZE)) {
      throw InputError.at([name], `must be between 0 and ${MAX_PAGE_SIZE}`);
    }
  }
}

export class LocationHistory {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: Sql,
  ) {}

  async locations(groupId: string, filter: HistoryFilter, window: PageWindow): Promise<Location[]> {
    if (filter.deviceId != null) checkDeviceId(filter.deviceId, ['deviceId']);
    if (filter.from && filter.to && filter.from > filter.to)
      throw InputError.at(['from'], 'must not be after `to`');
    const keyset: Prisma.LocationWhereInput[] = [];
    if (window.after) {
      const c = parseHistoryCursor(window.after, 'after');
      keyset.push({
        OR: [
          { recordedAt: { gt: c.recordedAt } },
          { recordedAt: c.recordedAt, sequence: { gt: c.sequence } },
        ],
      });
    }
    if (window.before) {
      const c = parseHistoryCursor(window.before, 'before');
      keyset.push({
        OR: [
          { recordedAt: { lt: c.recordedAt } },
          { recordedAt: c.recordedAt, sequence: { lt: c.sequence } },
        ],
      });
    }
    const direction = window.inverted ? 'desc' : 'asc';
    const rows = await this.prisma.location.findMany({
      where: {
        groupId,
        ...(filter.deviceId != null ? { deviceId: filter.deviceId } : {}),
        recordedAt: {
          ...(filter.from ? { gte: filter.from } : {}),
          ...(filter.to ? { lte: filter.to } : {}),
        },
        AND: keyset,
      },
      orderBy: [{ recordedAt: direction }, { sequence: direction }],
      take: window.limit,
    });
    return rows.map(fromRow);
  }

  async devices(groupId: string, window: PageWindow): Promise<Device[]> {
    const range: Prisma.StringFilter = {};
    if (window.after) range.gt = parseDeviceCursor(window.after, 'after');
    if (window.before) range.lt = parseDeviceCursor(window.before, 'before');
    const rows = await this.prisma.device.findMany({
      where: { groupId, deviceId: range },
      orderBy: { deviceId: window.inverted ? 'desc' : 'asc' },
      take: window.limit,
    });
    return rows.map(fromDeviceRow);
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

  /** The newest location (by recordedAt) of each device, in the order asked; one index probe per device. */
  async latestLocations(groupId: string, deviceIds: readonly string[]): Promise<(Location | null)[]> {
    const rows = await this.sql.query<LocationRow>(
      `SELECT ${LOCATION_COLUMNS('l')} FROM unnest($2::text[]) AS d(device_id)
       CROSS JOIN LATERAL (
         SELECT * FROM locations
         WHERE group_id = $1::uuid AND device_id = d.device_id
         ORDER BY recorded_at DESC, sequence DESC LIMIT 1
       ) l`,
      [groupId, deviceIds],
    );
    const byDevice = new Map(rows.map((row) => [row.device_id, toLocation(groupId, row)]));
    return deviceIds.map((id) => byDevice.get(id) ?? null);
  }
}

function fromRow(row: PrismaLocation): Location {
  return {
    groupId: row.groupId,
    deviceId: row.deviceId,
    sequence: row.sequence,
    latitude: row.latitude,
    longitude: row.longitude,
    accuracy: row.accuracy,
    altitude: row.altitude,
    speed: row.speed,
    heading: row.heading,
    battery: row.battery,
    recordedAt: row.recordedAt,
    receivedAt: row.receivedAt,
    clientId: row.clientId,
  };
}

function fromDeviceRow(row: DeviceRow): Device {
  return {
    id: row.id,
    groupId: row.groupId,
    deviceId: row.deviceId,
    createdAt: row.createdAt,
  };
}
