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

/**
 * Batching loaders, each made on first use: most requests (a report, a subscription's event)
 * use none, and a subscription's context lives as long as the subscriber.
 */
export class Loaders {
  #device?: DataLoader<string, Device | null>;
  #lastLocation?: DataLoader<string, Location | null>;
  #geofence?: DataLoader<string, Geofence | null>;
  #geofencesInside?: DataLoader<string, Geofence[]>;

  constructor(
    private readonly services: DomainServices,
    private readonly groupId: string,
  ) {}

  get device(): DataLoader<string, Device | null> {
    this.#device ??= new DataLoader((ids) => this.services.history.devicesByIds(this.groupId, ids));
    return this.#device;
  }

  /** By deviceId: the device's newest location. */
  get lastLocation(): DataLoader<string, Location | null> {
    this.#lastLocation ??= new DataLoader((ids) => this.services.history.latestLocations(this.groupId, ids));
    return this.#lastLocation;
  }

  /** By id: the geofence as it is now (null once deleted). Not cached: a subscription's context lives long. */
  get geofence(): DataLoader<string, Geofence | null> {
    this.#geofence ??= new DataLoader((ids) => this.services.geofences.byIds(this.groupId, ids), {
      cache: false,
    });
    return this.#geofence;
  }

  /** By deviceId: the geofences the device is inside now. Not cached, likewise. */
  get geofencesInside(): DataLoader<string, Geofence[]> {
    this.#geofencesInside ??= new DataLoader((ids) => this.services.geofences.insideOf(this.groupId, ids), {
      cache: false,
    });
    return this.#geofencesInside;
  }
}

export function createContext(services: DomainServices, principal: Principal, transport: Transport): Context {
  return { principal, services, transport, loaders: new Loaders(services, principal.groupId) };
}

/** The key a request carries: `X-API-Key: <key>` or `Authorization: Bearer <key>`. */
export function apiKeyFromHeaders(headers: Headers): string | null {
  const direct = headers.get('x-api-key');
  if (direct) return direct.trim();
  const authorization = headers.get('authorization');
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match ? match[1]! : null;
}
