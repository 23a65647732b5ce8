// Location type, reporting mutations and the history query.
import { resolveCursorConnection } from '@pothos/plugin-relay';
import { locationId, streamCursor } from '../cursors.ts';
import { forbidden } from '../errors.ts';
import { locationSource } from '../live/locations.ts';
import { endedStream, type StreamEvent } from '../live/streams.ts';
import { historyCursorOf } from '../locations/history.ts';
import { LOCATION_FIELDS, type Location, REPORTED_FIELDS } from '../locations/record.ts';
import type { LocationInput } from '../locations/validation.ts';
import { checkPageSize, MAX_PAGE_SIZE } from '../paging.ts';
import { GroupRef } from './apiKey.ts';
import { builder } from './builder.ts';
import { DeviceRef } from './device.ts';

// GraphQL types of each record field; `sequence` is shown only inside `cursor` and `id`.
const GRAPHQL_TYPE = { text: 'String', float8: 'Float', timestamptz: 'DateTime' } as const;
const description = (field: object, key: 'description' | 'inputDescription') =>
  key in field ? { description: (field as Record<typeof key, string>)[key] } : {};

export const LocationRef = builder.objectRef<Location>('Location').implement({
  description: 'A position reported by a device.',
  fields: (t) => ({
    id: t.id({ resolve: locationId }),
    cursor: t.string({
      description:
        'This location’s place in its group’s stream: pass it as `locationUpdates(after:)` to resume.',
      resolve: (location) => streamCursor.encode(location.sequence),
    }),
    device: t.field({
      type: DeviceRef,
      resolve: async (location, _args, context) => {
        const device = await context.loaders.device.load(location.deviceId);
        if (!device) throw new Error(`device ${location.deviceId} of a stored location is missing`);
        return device;
      },
    }),
    ...Object.fromEntries(
      LOCATION_FIELDS.filter((f) => f.sqlType !== 'int8').map((f) => [
        f.name,
        t.field({
          type: GRAPHQL_TYPE[f.sqlType as keyof typeof GRAPHQL_TYPE],
          nullable: f.nullable,
          ...description(f, 'description'),
          resolve: (location) => location[f.name] as never,
        }),
      ]),
    ),
  }),
});

export const LocationInputRef = builder.inputRef<LocationInput>('LocationInput').implement({
  description: 'One position fix. Send `clientId` so that retries are safe.',
  fields: (t) =>
    Object.fromEntries(
      REPORTED_FIELDS.map((f) => [
        f.name,
        t.field({
          type: GRAPHQL_TYPE[f.sqlType as keyof typeof GRAPHQL_TYPE],
          required: !f.nullable,
          ...description(f, 'inputDescription'),
        }),
      ]),
    ) as never,
});

builder.mutationFields((t) => ({
  reportLocation: t.field({
    type: LocationRef,
    description: 'Stores one location. Returns after it is committed.',
    authScopes: { scope: 'locations:write' },
    args: { input: t.arg({ type: LocationInputRef, required: true }) },
    resolve: (_root, { input }, { services, principal }) => services.locations.report(principal, input),
  }),
  reportLocations: t.field({
    type: [LocationRef],
    description: 'Stores 1 to 1000 locations, all or nothing. Results are in input order.',
    authScopes: { scope: 'locations:write' },
    args: { input: t.arg({ type: [LocationInputRef], required: true }) },
    resolve: (_root, { input }, { services, principal }) => services.locations.reportMany(principal, input),
  }),
}));

builder.objectField(GroupRef, 'streamCursor', (t) =>
  t.string({
    description:
      'Where the group’s live stream is now. `locationUpdates(after: streamCursor)` streams everything stored from this moment on; a client that keeps it as its last cursor can resubscribe after a disconnect without a gap, even before its first location arrives.',
    nullable: true, // refused without locations:read, which should not void the whole viewer
    authScopes: { scope: 'locations:read' },
    resolve: (group, _args, { services }) => services.live.cursorNow(locationSource, group.id),
  }),
);

builder.queryFields((t) => ({
  locations: t.connection(
    {
      type: LocationRef,
      description:
        'Stored locations of the group, oldest first by `recordedAt` (use `last` for the newest). Up to 1000 per page.',
      authScopes: { scope: 'locations:read' },
      args: {
        deviceId: t.arg.string(),
        from: t.arg({ type: 'DateTime', description: 'Only locations recorded at or after this time.' }),
        to: t.arg({ type: 'DateTime', description: 'Only locations recorded at or before this time.' }),
      },
      resolve: (_root, args, { services, principal }) => {
        checkPageSize(args);
        return resolveCursorConnection<Promise<Location[]>>(
          { args, toCursor: historyCursorOf, defaultSize: 100, maxSize: MAX_PAGE_SIZE },
          (window) => services.history.locations(principal.groupId, args, window),
        );
      },
    },
    { name: 'LocationConnection' },
    { name: 'LocationEdge' },
  ),
}));

builder.subscriptionFields((t) => ({
  locationUpdates: t.field({
    type: LocationRef,
    description:
      'New locations of the group (or of one device) as they are committed. With `after` (a `Location.cursor`) it first replays everything stored after that location, then goes live: no gap, no duplicate.',
    // The scope is checked inside the stream rather than with authScopes, so that the
    // refusal reaches the client the same way on every transport: one error, then complete.
    args: {
      deviceId: t.arg.string(),
      after: t.arg.string({ description: 'Resume after this `Location.cursor`.' }),
    },
    subscribe: (_root, { deviceId, after }, { services, principal, transport }) =>
      principal.scopes.has('locations:read')
        ? services.live.stream(locationSource, {
            groupId: principal.groupId,
            keyId: principal.keyId,
            deviceId,
            after,
            transport,
          })
        : endedStream(
            forbidden(
              'Not allowed to use Subscription.locationUpdates: this key lacks the locations:read scope',
            ),
          ),
    resolve: (event: StreamEvent<Location>) => {
      // A stream that has to end says why as a GraphQL error, then completes.
      if ('end' in event) throw event.end;
      return event;
    },
  }),
}));
