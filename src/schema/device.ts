// Device type and the device queries.
import { resolveCursorConnection } from '@pothos/plugin-relay';
import { type Device, deviceCursorOf } from '../locations/history.ts';
import { checkPageSize, MAX_PAGE_SIZE } from '../paging.ts';
import { builder } from './builder.ts';
import { LocationRef } from './location.ts';
import { maySelect } from './lookahead.ts';

export const DeviceRef = builder.objectRef<Device>('Device');

DeviceRef.implement({
  description: 'A device of the group, created by its first report.',
  fields: (t) => ({
    id: t.exposeID('id'),
    deviceId: t.exposeString('deviceId', { description: 'The app’s identifier for the device.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the device first reported.' }),
    lastLocation: t.field({
      type: LocationRef,
      nullable: true,
      description: 'The location with the latest `recordedAt`.',
      resolve: (device, _args, { loaders }) =>
        device.lastLocation !== undefined ? device.lastLocation : loaders.lastLocation.load(device.deviceId),
    }),
  }),
});

builder.queryFields((t) => ({
  devices: t.connection(
    {
      type: DeviceRef,
      description: 'Devices of the group, ordered by `deviceId`.',
      authScopes: { scope: 'locations:read' },
      resolve: (_root, args, { services, principal }, info) => {
        checkPageSize(args);
        // A map's first question: every device with its last location, in one statement.
        const withLastLocation = maySelect(info, ['edges', 'node', 'lastLocation']);
        return resolveCursorConnection<Promise<Device[]>>(
          { args, toCursor: deviceCursorOf, defaultSize: 100, maxSize: MAX_PAGE_SIZE },
          (window) => services.history.devices(principal.groupId, window, withLastLocation),
        );
      },
    },
    { name: 'DeviceConnection' },
    { name: 'DeviceEdge' },
  ),
  device: t.field({
    type: DeviceRef,
    nullable: true,
    authScopes: { scope: 'locations:read' },
    args: { deviceId: t.arg.string({ required: true }) },
    resolve: (_root, { deviceId }, { services, principal }) =>
      services.history.device(principal.groupId, deviceId),
  }),
}));
