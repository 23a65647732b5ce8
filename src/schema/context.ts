// What every resolver receives. Built once per request (or per subscription) at the transport edge.
import DataLoader from 'dataloader';
import type { Principal } from '../auth/apiKeys.ts';
import type { Geofence } from '../geofences/model.ts';
import type { Device } from '../locations/history.ts';
import type { Location } from '../locations/record.ts';
import type { Transport } from '../observability/metrics.ts';
import type { DomainServices } from '../services.ts';

export interface Context {
  principal: Principal;
  services: DomainServices;
  loaders: Loaders;
  /** How the request arrived; for subscriptions, how the subscriber is connected. */
  transport: Transport;
}

export interface Loaders {
  device: DataLoader<string, Device | null>;
  /** By deviceId: the device's newest location. */
  lastLocation: DataLoader<string, Location | null>;
  /** By id: the geofence as it is now (null once deleted). Not cached: a subscription's context lives long. */
  geofence: DataLoader<string, Geofence | null>;
  /** By deviceId: the geofences the device is inside now. Not cached, likewise. */
  geofencesInside: DataLoader<string, Geofence[]>;
}

export function createContext(services: DomainServices, principal: Principal, transport: Transport): Context {
  const { history, geofences } = services;
  return {
    principal,
    services,
    transport,
    loaders: {
      device: new DataLoader((ids) => history.devicesByIds(principal.groupId, ids)),
      lastLocation: new DataLoader((ids) => history.latestLocations(principal.groupId, ids)),
      geofence: new DataLoader((ids) => geofences.byIds(principal.groupId, ids), { cache: false }),
      geofencesInside: new DataLoader((ids) => geofences.insideOf(principal.groupId, ids), { cache: false }),
    },
  };
}

/** The key a request carries: `X-API-Key: <key>` or `Authorization: Bearer <key>`. */
export function apiKeyFromHeaders(headers: Headers): string | null {
  const direct = headers.get('x-api-key');
  if (direct) return direct.trim();
  const authorization = headers.get('authorization');
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match ? match[1]! : null;
}
