/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type ApiKeyScope =
  | 'GEOFENCES_MANAGE'
  | 'KEYS_MANAGE'
  | 'LOCATIONS_READ'
  | 'LOCATIONS_WRITE'
  | 'WEBHOOKS_MANAGE';

export type CircleInput = {
  /** Degrees, -90 to 90. */
  latitude: number;
  /** Degrees, -180 to 180. */
  longitude: number;
  /** Metres, 1 to 100,000. */
  radiusMeters: number;
};

export type CreateGeofenceInput = {
  /** A circle. Give exactly one of `circle` and `polygon`. */
  circle?: CircleInput | null | undefined;
  /** Up to 500 characters. */
  description?: string | null | undefined;
  /** Only these devices; omit or leave empty for every device. */
  deviceIds?: Array<string> | null | undefined;
  /** 1 to 2,592,000 (30 days): a DWELL event once a device has been inside this long. */
  dwellSeconds?: number | null | undefined;
  /** 1 to 100 printable characters. */
  name: string;
  /** A GeoJSON Polygon: closed rings of at least 4 [longitude, latitude] positions, outer ring first, then holes; at most 1,000 positions; no self-intersection; may not cross the antimeridian (split it in two). */
  polygon?: unknown;
};

/** One position fix. Send `clientId` so that retries are safe. */
export type LocationInput = {
  accuracy?: number | null | undefined;
  altitude?: number | null | undefined;
  battery?: number | null | undefined;
  /** Idempotency key, unique per device (up to 128 characters). A retry with the same key returns the stored location and stores nothing new. */
  clientId?: string | null | undefined;
  /** Your identifier for the device: 1 to 128 printable characters. */
  deviceId: string;
  heading?: number | null | undefined;
  latitude: number;
  longitude: number;
  recordedAt: string;
  speed?: number | null | undefined;
};

export type ClientReportLocationsMutationVariables = Exact<{
  input: Array<LocationInput> | LocationInput;
}>;


export type ClientReportLocationsMutation = { reportLocations: Array<{ id: string, cursor: string, deviceId: string, clientId: string | null }> };

export type ClientLocationUpdatesSubscriptionVariables = Exact<{
  deviceId?: string | null | undefined;
  after?: string | null | undefined;
}>;


export type ClientLocationUpdatesSubscription = { locationUpdates: { id: string, cursor: string, deviceId: string, latitude: number, longitude: number, accuracy: number | null, altitude: number | null, speed: number | null, heading: number | null, battery: number | null, recordedAt: string, receivedAt: string, clientId: string | null } };

export type ClientStreamCursorQueryVariables = Exact<{ [key: string]: never; }>;


export type ClientStreamCursorQuery = { viewer: { group: { streamCursor: string | null } } };

export type SimulatorGeofencesQueryVariables = Exact<{ [key: string]: never; }>;


export type SimulatorGeofencesQuery = { geofences: { edges: Array<{ node: { name: string } }> } };

export type SimulatorCreateGeofenceMutationVariables = Exact<{
  input: CreateGeofenceInput;
}>;


export type SimulatorCreateGeofenceMutation = { createGeofence: { id: string } };

export type SimulatorViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type SimulatorViewerQuery = { viewer: { name: string, scopes: Array<ApiKeyScope>, group: { name: string } } };

export type SimulatorLastPositionsQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type SimulatorLastPositionsQuery = { devices: { edges: Array<{ node: { deviceId: string, lastLocation: { latitude: number, longitude: number } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const ClientReportLocationsDocument = new TypedDocumentString(`
    mutation ClientReportLocations($input: [LocationInput!]!) {
  reportLocations(input: $input) {
    id
    cursor
    deviceId
    clientId
  }
}
    `) as unknown as TypedDocumentString<ClientReportLocationsMutation, ClientReportLocationsMutationVariables>;
export const ClientLocationUpdatesDocument = new TypedDocumentString(`
    subscription ClientLocationUpdates($deviceId: String, $after: String) {
  locationUpdates(deviceId: $deviceId, after: $after) {
    id
    cursor
    deviceId
    latitude
    longitude
    accuracy
    altitude
    speed
    heading
    battery
    recordedAt
    receivedAt
    clientId
  }
}
    `) as unknown as TypedDocumentString<ClientLocationUpdatesSubscription, ClientLocationUpdatesSubscriptionVariables>;
export const ClientStreamCursorDocument = new TypedDocumentString(`
    query ClientStreamCursor {
  viewer {
    group {
      streamCursor
    }
  }
}
    `) as unknown as TypedDocumentString<ClientStreamCursorQuery, ClientStreamCursorQueryVariables>;
export const SimulatorGeofencesDocument = new TypedDocumentString(`
    query SimulatorGeofences {
  geofences(first: 1000) {
    edges {
      node {
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<SimulatorGeofencesQuery, SimulatorGeofencesQueryVariables>;
export const SimulatorCreateGeofenceDocument = new TypedDocumentString(`
    mutation SimulatorCreateGeofence($input: CreateGeofenceInput!) {
  createGeofence(input: $input) {
    id
  }
}
    `) as unknown as TypedDocumentString<SimulatorCreateGeofenceMutation, SimulatorCreateGeofenceMutationVariables>;
export const SimulatorViewerDocument = new TypedDocumentString(`
    query SimulatorViewer {
  viewer {
    name
    scopes
    group {
      name
    }
  }
}
    `) as unknown as TypedDocumentString<SimulatorViewerQuery, SimulatorViewerQueryVariables>;
export const SimulatorLastPositionsDocument = new TypedDocumentString(`
    query SimulatorLastPositions($after: String) {
  devices(first: 1000, after: $after) {
    edges {
      node {
        deviceId
        lastLocation {
          latitude
          longitude
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<SimulatorLastPositionsQuery, SimulatorLastPositionsQueryVariables>;