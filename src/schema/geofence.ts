// Geofences and their events: management (geofences:manage), reads and the live
// `geofenceEvents` subscription (locations:read).
import { resolveCursorConnection } from '@pothos/plugin-relay';
import type { Polygon } from 'geojson';
import { GraphQLScalarType, Kind, valueFromASTUntyped } from 'graphql';
import { geofenceCursor, geofenceEventCursor } from '../cursors.ts';
import { forbidden } from '../errors.ts';
import { type GeofenceEvent, geofenceEventId, geofenceEventSource } from '../geofences/events.ts';
import type { Circle } from '../geofences/geometry.ts';
import type { Geofence } from '../geofences/model.ts';
import { endedStream, type StreamEvent } from '../live/streams.ts';
import { checkPageSize, MAX_PAGE_SIZE } from '../paging.ts';
import { GroupRef } from './apiKey.ts';
import { builder } from './builder.ts';
import { DeviceRef } from './device.ts';
import { LocationRef } from './location.ts';

const manage = { scope: 'geofences:manage' } as const;
const read = { scope: 'locations:read' } as const;

// Any JSON object passes the scalar; the geofence validation then names the offending
// member (`input.polygon.coordinates.0.3`) rather than failing the whole variable.
builder.addScalarType(
  'GeoJSON',
  new GraphQLScalarType({
    name: 'GeoJSON',
    description:
      'A GeoJSON object (RFC 7946), as JSON. Positions are [longitude, latitude] in WGS 84 degrees.',
    serialize: (value) => value,
    parseValue: (value) => value,
    parseLiteral: (ast, variables) =>
      ast.kind === Kind.OBJECT || ast.kind === Kind.STRING ? valueFromASTUntyped(ast, variables) : undefined,
  }),
);

const CircleRef = builder.objectRef<Circle>('Circle').implement({
  description: 'A circle on the Earth’s surface: its centre (WGS 84) and radius in metres.',
  fields: (t) => ({
    latitude: t.exposeFloat('latitude', { description: 'Degrees, -90 to 90.' }),
    longitude: t.exposeFloat('longitude', { description: 'Degrees, -180 to 180.' }),
    radiusMeters: t.exposeFloat('radiusMeters', { description: 'Metres, 1 to 100,000.' }),
  }),
});

const CircleInputRef = builder.inputType('CircleInput', {
  fields: (t) => ({
    latitude: t.float({ required: true, description: 'Degrees, -90 to 90.' }),
    longitude: t.float({ required: true, description: 'Degrees, -180 to 180.' }),
    radiusMeters: t.float({ required: true, description: 'Metres, 1 to 100,000.' }),
  }),
});

export const GeofenceRef = builder.objectRef<Geofence>('Geofence').implement({
  description:
    'A place of the group: a circle or a polygon. Devices it applies to get ENTER, EXIT and DWELL events (see `geofenceEvents`).',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    circle: t.field({
      type: CircleRef,
      nullable: true,
      description: 'Set when it is a circle (then `polygon` is null).',
      resolve: (g) => (g.shape.kind === 'circle' ? g.shape.circle : null),
    }),
    polygon: t.field({
      type: 'GeoJSON',
      nullable: true,
      description:
        'Set when it is a polygon (then `circle` is null): a GeoJSON Polygon, [longitude, latitude] positions, outer ring first, then holes.',
      resolve: (g) => (g.shape.kind === 'polygon' ? g.shape.polygon : null),
    }),
    deviceIds: t.exposeStringList('deviceIds', {
      description: 'The devices it applies to; empty means every device.',
    }),
    dwellSeconds: t.exposeInt('dwellSeconds', {
      nullable: true,
      description: 'A DWELL event once a device has been inside this many seconds; null: no DWELL.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const GEOFENCE_FIELDS = {
  description: 'Up to 500 characters.',
  circle: 'A circle. Give exactly one of `circle` and `polygon`.',
  polygon:
    'A GeoJSON Polygon: closed rings of at least 4 [longitude, latitude] positions, outer ring first, then holes; at most 1,000 positions; no self-intersection; may not cross the antimeridian (split it in two).',
  deviceIds: 'Only these devices; omit or leave empty for every device.',
  dwellSeconds: '1 to 2,592,000 (30 days): a DWELL event once a device has been inside this long.',
};

const CreateGeofenceInputRef = builder.inputType('CreateGeofenceInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '1 to 100 printable characters.' }),
    description: t.string({ description: GEOFENCE_FIELDS.description }),
    circle: t.field({ type: CircleInputRef, description: GEOFENCE_FIELDS.circle }),
    polygon: t.field({ type: 'GeoJSON', description: GEOFENCE_FIELDS.polygon }),
    deviceIds: t.stringList({ description: GEOFENCE_FIELDS.deviceIds }),
    dwellSeconds: t.int({ description: GEOFENCE_FIELDS.dwellSeconds }),
  }),
});

const UpdateGeofenceInputRef = builder.inputType('UpdateGeofenceInput', {
  description:
    'Only the fields given change. A new `circle` or `polygon` replaces the shape. Devices inside it that `deviceIds` no longer names get an EXIT flagged `removed`.',
  fields: (t) => ({
    name: t.string(),
    description: t.string({ description: GEOFENCE_FIELDS.description }),
    circle: t.field({ type: CircleInputRef, description: GEOFENCE_FIELDS.circle }),
    polygon: t.field({ type: 'GeoJSON', description: GEOFENCE_FIELDS.polygon }),
    deviceIds: t.stringList({ description: GEOFENCE_FIELDS.deviceIds }),
    dwellSeconds: t.int({ description: `${GEOFENCE_FIELDS.dwellSeconds} null: no DWELL.` }),
  }),
});

const GeofenceEventTypeRef = builder.enumType('GeofenceEventType', {
  values: {
    ENTER: {
      description: 'The device came inside (its first fix inside, or its first after being outside).',
    },
    EXIT: {
      description:
        'The device went outside, or the geofence was deleted or stopped applying to it (`removed`).',
    },
    DWELL: { description: 'The device has been inside for the geofence’s `dwellSeconds` (once per visit).' },
  },
});

export const GeofenceEventRef = builder.objectRef<GeofenceEvent>('GeofenceEvent').implement({
  description:
    'A device entered, left or dwelled in a geofence. Stored in the transaction of the location that caused it.',
  fields: (t) => ({
    id: t.id({ resolve: geofenceEventId }),
    cursor: t.string({
      description:
        'This event’s place in its group’s event stream: pass it as `geofenceEvents(after:)` to resume.',
      resolve: (event) => geofenceEventCursor.encode(event.sequence),
    }),
    type: t.field({ type: GeofenceEventTypeRef, resolve: (event) => event.type }),
    geofence: t.field({
      type: GeofenceRef,
      nullable: true,
      description: 'The geofence as it is now; null once deleted.',
      resolve: (event, _args, { loaders }) => loaders.geofence.load(event.geofenceId),
    }),
    geofenceId: t.exposeID('geofenceId'),
    geofenceName: t.exposeString('geofenceName', { description: 'Its name when the event happened.' }),
    deviceId: t.exposeString('deviceId'),
    location: t.field({
      type: LocationRef,
      description: 'The fix that caused it (for a removal, the device’s latest fix).',
      resolve: (event) => event.location,
    }),
    occurredAt: t.expose('occurredAt', {
      type: 'DateTime',
      description: 'The `recordedAt` of the fix that caused it; for a removal, when the geofence changed.',
    }),
    removed: t.exposeBoolean('removed', {
      description: 'An EXIT because the geofence was deleted or no longer applies to the device.',
    }),
  }),
});

builder.objectField(DeviceRef, 'geofences', (t) =>
  t.field({
    type: [GeofenceRef],
    description: 'The geofences the device is inside now.',
    resolve: (device, _args, { loaders }) => loaders.geofencesInside.load(device.deviceId),
  }),
);

builder.objectField(GroupRef, 'geofenceEventCursor', (t) =>
  t.string({
    description:
      'Where the group’s geofence event stream is now: `geofenceEvents(after: geofenceEventCursor)` streams every event from this moment on.',
    nullable: true,
    authScopes: read,
    resolve: (group, _args, { services }) => services.live.cursorNow(geofenceEventSource, group.id),
  }),
);

builder.queryFields((t) => ({
  geofences: t.connection(
    {
      type: GeofenceRef,
      description:
        'The group’s geofences, oldest first (at most GEOFENCES_MAX_PER_GROUP, 10,000 by default).',
      authScopes: read,
      resolve: (_root, args, { services, principal }) => {
        checkPageSize(args);
        return resolveCursorConnection<Promise<Geofence[]>>(
          {
            args,
            toCursor: (g: Geofence) => geofenceCursor.encode({ createdAt: g.createdAt, id: g.id }),
            defaultSize: 100,
            maxSize: MAX_PAGE_SIZE,
          },
          (window) => services.geofences.list(principal.groupId, window),
        );
      },
    },
    { name: 'GeofenceConnection' },
    { name: 'GeofenceEdge' },
  ),
  geofence: t.field({
    type: GeofenceRef,
    nullable: true,
    authScopes: read,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { services, principal }) =>
      services.geofences.find({ groupId: principal.groupId, id: String(id) }),
  }),
  geofenceEvents: t.connection(
    {
      type: GeofenceEventRef,
      description:
        'Stored geofence events of the group in the order they were committed (use `last` for the newest). Up to 1000 per page.',
      authScopes: read,
      args: {
        deviceId: t.arg.string(),
        geofenceId: t.arg.id(),
        from: t.arg({ type: 'DateTime', description: 'Only events that occurred at or after this time.' }),
        to: t.arg({ type: 'DateTime', description: 'Only events that occurred at or before this time.' }),
      },
      resolve: (_root, args, { services, principal }) => {
        checkPageSize(args);
        return resolveCursorConnection<Promise<GeofenceEvent[]>>(
          {
            args,
            toCursor: (event: GeofenceEvent) => geofenceEventCursor.encode(event.sequence),
            defaultSize: 100,
            maxSize: MAX_PAGE_SIZE,
          },
          (window) =>
            services.geofences.events(
              principal.groupId,
              { ...args, geofenceId: args.geofenceId == null ? null : String(args.geofenceId) },
              window,
            ),
        );
      },
    },
    { name: 'GeofenceEventConnection' },
    { name: 'GeofenceEventEdge' },
  ),
}));

builder.mutationFields((t) => ({
  createGeofence: t.field({
    type: GeofenceRef,
    description:
      'Creates a geofence. Devices already inside get an ENTER with their next fix inside it (nothing is inferred from fixes stored before).',
    authScopes: manage,
    args: { input: t.arg({ type: CreateGeofenceInputRef, required: true }) },
    resolve: (_root, { input }, { services, principal }) =>
      services.geofences.create(principal.groupId, {
        ...input,
        polygon: input.polygon as Polygon | undefined,
      }),
  }),
  updateGeofence: t.field({
    type: GeofenceRef,
    authScopes: manage,
    args: {
      id: t.arg.id({ required: true }),
      input: t.arg({ type: UpdateGeofenceInputRef, required: true }),
    },
    resolve: (_root, { id, input }, { services, principal }) =>
      services.geofences.update({ groupId: principal.groupId, id: String(id) }, input),
  }),
  deleteGeofence: t.field({
    type: GeofenceRef,
    description:
      'Deletes the geofence; each device inside it gets an EXIT flagged `removed`. Its past events stay.',
    authScopes: manage,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { services, principal }) =>
      services.geofences.delete({ groupId: principal.groupId, id: String(id) }),
  }),
}));

builder.subscriptionFields((t) => ({
  geofenceEvents: t.field({
    type: GeofenceEventRef,
    description:
      'Geofence events of the group (or of one device or geofence) as they are committed. With `after` (a `GeofenceEvent.cursor`) it first replays everything stored after that event, then goes live: no gap, no duplicate, in commit order.',
    args: {
      deviceId: t.arg.string(),
      geofenceId: t.arg.id(),
      after: t.arg.string({ description: 'Resume after this `GeofenceEvent.cursor`.' }),
    },
    // Checked inside the stream, as for locationUpdates: one error, then complete, on every transport.
    subscribe: (_root, { deviceId, geofenceId, after }, { services, principal, transport }) =>
      principal.scopes.has('locations:read')
        ? services.live.stream(geofenceEventSource, {
            groupId: principal.groupId,
            keyId: principal.keyId,
            deviceId,
            geofenceId: geofenceId == null ? null : String(geofenceId),
            after,
            transport,
          })
        : endedStream(
            forbidden(
              'Not allowed to use Subscription.geofenceEvents: this key lacks the locations:read scope',
            ),
          ),
    resolve: (event: StreamEvent<GeofenceEvent>) => {
      if ('end' in event) throw event.end;
      return event;
    },
  }),
}));
