// Managing geofences, and reading them and their events. Changes are announced to every
// instance (their cached sets are dropped). Deleting a geofence, or narrowing its
// `deviceIds`, ends the visits of the devices inside it: each gets an EXIT flagged
// `removed`, stored in the same transaction under the group's lock, like every event.
import { geofenceCursor, geofenceEventCursor } from '../cursors.ts';
import { type GroupLimit, withinLimit } from '../db/limits.ts';
import type { Sql, SqlClient } from '../db/sql.ts';
import { InputError, type InputIssue, notFound } from '../errors.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { checkDeviceId, type InGroup, isUuid, NOT_PRINTABLE_1_TO_128, PRINTABLE_1_TO_128 } from '../ids.ts';
import { LOCATION_COLUMNS, type LocationRow, toLocation } from '../locations/record.ts';
import type { PageWindow } from '../paging.ts';
import type { GeofenceCache } from './cache.ts';
import { type GeofenceEvent, readEvents } from './events.ts';
import { type Circle, checkShape, type Shape } from './geometry.ts';
import { appliesTo, fromRow, type Geofence, shapeColumns } from './model.ts';
import type { DeviceState, PendingEvent } from './rules.ts';
import { storeChange } from './store.ts';

const MAX_NAME = 100;
const MAX_DESCRIPTION = 500;
const MAX_DEVICE_IDS = 1000;
const MAX_DWELL_SECONDS = 30 * 86_400;

export interface GeofenceInput {
  name?: string | null;
  description?: string | null;
  circle?: Partial<Circle> | null;
  polygon?: unknown;
  deviceIds?: readonly string[] | null;
  dwellSeconds?: number | null;
}

export interface GeofenceEventFilter {
  deviceId?: string | null;
  geofenceId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

export interface GeofenceServiceDeps {
  maxPerGroup: number;
  /** Tells every instance that a group's geofences changed. */
  announceChange(groupId: string): Promise<void>;
  /** Announces stored events to live subscribers (after COMMIT). */
  publishEvents(groupId: string, events: GeofenceEvent[]): void;
  /** Webhook deliveries became due. */
  wakeOutbox(): void;
}

export class GeofenceService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: Sql,
    private readonly cache: GeofenceCache,
    private readonly deps: GeofenceServiceDeps,
  ) {}

  /** A page of the group's geofences, oldest first. */
  async list(groupId: string, window: PageWindow): Promise<Geofence[]> {
    const bounds = [];
    if (window.after) {
      const c = geofenceCursor.parse(window.after, 'after');
      bounds.push({ OR: [{ createdAt: { gt: c.createdAt } }, { createdAt: c.createdAt, id: { gt: c.id } }] });
    }
    if (window.before) {
      const c = geofenceCursor.parse(window.before, 'before');
      bounds.push({ OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] });
    }
    const direction = window.inverted ? 'desc' : 'asc';
    const rows = await this.prisma.geofence.findMany({
      where: { groupId, AND: bounds },
      orderBy: [{ createdAt: direction }, { id: direction }],
      take: window.limit,
    });
    return rows.map(fromRow);
  }

  async get(ref: InGroup): Promise<Geofence> {
    const geofence = await this.find(ref);
    if (!geofence) throw notFound(`No geofence with id "${ref.id}" in this group`);
    return geofence;
  }

  async find({ groupId, id }: InGroup): Promise<Geofence | null> {
    if (!isUuid(id)) return null;
    const row = await this.prisma.geofence.findFirst({ where: { id, groupId } });
    return row ? fromRow(row) : null;
  }

  /** Geofences by id, in the order asked (null where missing or deleted); for batching per request. */
  async byIds(groupId: string, ids: readonly string[]): Promise<(Geofence | null)[]> {
    const rows = await this.prisma.geofence.findMany({ where: { groupId, id: { in: ids.filter(isUuid) } } });
    const byId = new Map(rows.map((row) => [row.id, fromRow(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** For each device (in the order asked), the geofences it is inside now, oldest first. */
  async insideOf(groupId: string, deviceIds: readonly string[]): Promise<Geofence[][]> {
    const states = await this.prisma.geofenceState.findMany({
      where: { groupId, deviceId: { in: [...deviceIds] } },
      include: { geofence: true },
      orderBy: [{ geofence: { createdAt: 'asc' } }, { geofenceId: 'asc' }],
    });
    const byDevice = new Map<string, Geofence[]>();
    for (const state of states) {
      const list = byDevice.get(state.deviceId) ?? [];
      list.push(fromRow(state.geofence));
      byDevice.set(state.deviceId, list);
    }
    return deviceIds.map((deviceId) => byDevice.get(deviceId) ?? []);
  }

  async create(groupId: string, input: GeofenceInput): Promise<Geofence> {
    const data = this.validate(input, true);
    const limit: GroupLimit = {
      what: 'geofences',
      max: this.deps.maxPerGroup,
      setting: 'GEOFENCES_MAX_PER_GROUP',
      count: (tx) => tx.geofence.count({ where: { groupId } }),
    };
    const row = await withinLimit(this.prisma, groupId, limit, (tx) =>
      tx.geofence.create({
        data: {
          groupId,
          name: data.name!,
          description: data.description ?? null,
          ...shapeColumns(data.shape!),
          deviceIds: data.deviceIds ?? [],
          dwellSeconds: data.dwellSeconds ?? null,
        },
      }),
    );
    await this.changed(groupId);
    return fromRow(row);
  }

  /**
   * Changes what is given. Devices inside it stay inside until their next fix says
   * otherwise; devices it no longer applies to (`deviceIds`) get an EXIT flagged `removed`.
   */
  async update(ref: InGroup, input: GeofenceInput): Promise<Geofence> {
    const current = await this.get(ref);
    const data = this.validate(input, false);
    const deviceIds = data.deviceIds ?? current.deviceIds;
    const stored = await this.withGroupLock(ref.groupId, async (tx) => {
      const ended = await this.endVisits(tx, current, (deviceId) => !appliesTo({ deviceIds }, deviceId));
      const [row] = await tx.query<{ id: string }>(
        `UPDATE geofences SET
           name = coalesce($2, name),
           description = CASE WHEN $3::boolean THEN $4 ELSE description END,
           circle_latitude = CASE WHEN $5::boolean THEN $6::float8 ELSE circle_latitude END,
           circle_longitude = CASE WHEN $5::boolean THEN $7::float8 ELSE circle_longitude END,
           radius_meters = CASE WHEN $5::boolean THEN $8::float8 ELSE radius_meters END,
           polygon = CASE WHEN $5::boolean THEN $9::jsonb ELSE polygon END,
           device_ids = $10::text[],
           dwell_seconds = CASE WHEN $11::boolean THEN $12::int ELSE dwell_seconds END,
           updated_at = now()
         WHERE id = $1::uuid RETURNING id`,
        [
          current.id,
          data.name ?? null,
          input.description !== undefined,
          data.description ?? null,
          data.shape !== undefined,
          data.shape?.kind === 'circle' ? data.shape.circle.latitude : null,
          data.shape?.kind === 'circle' ? data.shape.circle.longitude : null,
          data.shape?.kind === 'circle' ? data.shape.circle.radiusMeters : null,
          data.shape?.kind === 'polygon' ? JSON.stringify(data.shape.polygon) : null,
          deviceIds,
          input.dwellSeconds !== undefined,
          data.dwellSeconds ?? null,
        ],
      );
      if (!row) throw notFound(`No geofence with id "${ref.id}" in this group`);
      return ended;
    });
    await this.changed(ref.groupId);
    this.announce(ref.groupId, stored);
    return this.get(ref);
  }

  /** Deletes it; every device inside it gets an EXIT flagged `removed`. Its past events stay. */
  async delete(ref: InGroup): Promise<Geofence> {
    const current = await this.get(ref);
    const stored = await this.withGroupLock(ref.groupId, async (tx) => {
      const ended = await this.endVisits(tx, current, () => true);
      await tx.query('DELETE FROM geofences WHERE id = $1::uuid', [current.id]);
      return ended;
    });
    await this.changed(ref.groupId);
    this.announce(ref.groupId, stored);
    return current;
  }

  /** A page of the group's geofence events in commit order (`inverted`: from the newest). */
  events(groupId: string, filter: GeofenceEventFilter, window: PageWindow): Promise<GeofenceEvent[]> {
    if (filter.deviceId != null) checkDeviceId(filter.deviceId, ['deviceId']);
    if (filter.geofenceId != null && !isUuid(filter.geofenceId)) return Promise.resolve([]);
    if (filter.from && filter.to && filter.from > filter.to)
      throw InputError.at(['from'], 'must not be after `to`');
    return readEvents(
      this.sql,
      groupId,
      {
        ...filter,
        afterSequence: window.after ? geofenceEventCursor.parse(window.after, 'after') : undefined,
        beforeSequence: window.before ? geofenceEventCursor.parse(window.before, 'before') : undefined,
      },
      window.limit,
      window.inverted ? 'DESC' : 'ASC',
    );
  }

  /**
   * Runs `work` in a transaction that holds the group's row lock (event sequences are
   * taken under it), and bumps the group's state version: writers holding the group's
   * geofence states in memory see that they changed.
   */
  private withGroupLock<T>(groupId: string, work: (tx: SqlClient) => Promise<T>): Promise<T> {
    if (!isUuid(groupId)) throw notFound('This key’s group no longer exists');
    return this.sql.transaction(
      (tx) => work(tx),
      `UPDATE groups SET state_version = state_version + 1 WHERE id = '${groupId}'`,
    );
  }

  /** EXIT (removed) for the devices inside `geofence` that `ends` picks, with their latest fix. */
  private async endVisits(
    tx: SqlClient,
    geofence: Geofence,
    ends: (deviceId: string) => boolean,
  ): Promise<{ events: GeofenceEvent[]; deliveries: number }> {
    const rows = await tx.query<
      LocationRow & { state_device_id: string; entered_at: Date; dwelled: boolean }
    >(
      `SELECT s.device_id AS state_device_id, s.entered_at, s.dwelled, ${LOCATION_COLUMNS('l')}
       FROM geofence_states s
       LEFT JOIN LATERAL (
         SELECT * FROM locations l WHERE l.group_id = s.group_id AND l.device_id = s.device_id
         ORDER BY l.recorded_at DESC, l.sequence DESC LIMIT 1
       ) l ON true
       WHERE s.geofence_id = $1::uuid`,
      [geofence.id],
    );
    const leaving = rows.filter((row) => ends(row.state_device_id));
    if (leaving.length === 0) return { events: [], deliveries: 0 };
    const now = new Date();
    const before = new Map<string, DeviceState>();
    const after = new Map<string, DeviceState>();
    const events: PendingEvent[] = [];
    for (const row of leaving) {
      const state = { enteredAt: row.entered_at, dwelled: row.dwelled };
      before.set(row.state_device_id, { inside: new Map([[geofence.id, state]]), clock: null });
      after.set(row.state_device_id, { inside: new Map(), clock: null });
      // A device whose every location retention deleted leaves without an event.
      if (row.sequence == null) continue;
      events.push({
        type: 'EXIT',
        geofenceId: geofence.id,
        geofenceName: geofence.name,
        deviceId: row.state_device_id,
        location: toLocation(geofence.groupId, row),
        occurredAt: now,
      });
    }
    return storeChange(tx, geofence.groupId, { events, before, after, removal: true });
  }

  private async changed(groupId: string): Promise<void> {
    this.cache.invalidate(groupId);
    await this.deps.announceChange(groupId);
  }

  private announce(groupId: string, stored: { events: GeofenceEvent[]; deliveries: number }): void {
    this.deps.publishEvents(groupId, stored.events);
    if (stored.deliveries > 0) this.deps.wakeOutbox();
  }

  private validate(input: GeofenceInput, creating: boolean) {
    const issues: InputIssue[] = [];
    const data: {
      name?: string;
      description?: string | null;
      shape?: Shape;
      deviceIds?: string[];
      dwellSeconds?: number | null;
    } = {};
    if (input.name != null || creating) {
      const name = (input.name ?? '').trim();
      if (name.length < 1 || name.length > MAX_NAME) {
        issues.push({ path: ['input', 'name'], message: `must be 1 to ${MAX_NAME} characters` });
      } else if (!PRINTABLE_1_TO_128.test(name)) {
        issues.push({ path: ['input', 'name'], message: NOT_PRINTABLE_1_TO_128 });
      }
      data.name = name;
    }
    if (input.description !== undefined) {
      const description = input.description?.trim() || null;
      if (description && description.length > MAX_DESCRIPTION) {
        issues.push({
          path: ['input', 'description'],
          message: `must be at most ${MAX_DESCRIPTION} characters`,
        });
      }
      data.description = description;
    }
    if (creating || input.circle != null || input.polygon != null) {
      data.shape = checkShape(input, ['input'], issues);
    }
    if (input.deviceIds != null) {
      if (input.deviceIds.length > MAX_DEVICE_IDS) {
        issues.push({ path: ['input', 'deviceIds'], message: `must list at most ${MAX_DEVICE_IDS} devices` });
      }
      input.deviceIds.forEach((deviceId, i) => {
        if (!PRINTABLE_1_TO_128.test(deviceId)) {
          issues.push({ path: ['input', 'deviceIds', i], message: NOT_PRINTABLE_1_TO_128 });
        }
      });
      data.deviceIds = [...new Set(input.deviceIds)];
    }
    if (input.dwellSeconds !== undefined) {
      const dwell = input.dwellSeconds;
      if (dwell !== null && (!Number.isInteger(dwell) || dwell < 1 || dwell > MAX_DWELL_SECONDS)) {
        issues.push({
          path: ['input', 'dwellSeconds'],
          message: `must be a whole number of seconds from 1 to ${MAX_DWELL_SECONDS} (30 days), or null`,
        });
      }
      data.dwellSeconds = dwell;
    }
    if (issues.length > 0) throw new InputError(issues);
    return data;
  }
}
