/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation ClientReportLocations($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n      cursor\n      deviceId\n      clientId\n    }\n  }\n": typeof types.ClientReportLocationsDocument,
    "\n  subscription ClientLocationUpdates($deviceId: String, $after: String) {\n    locationUpdates(deviceId: $deviceId, after: $after) {\n      id\n      cursor\n      deviceId\n      latitude\n      longitude\n      accuracy\n      altitude\n      speed\n      heading\n      battery\n      recordedAt\n      receivedAt\n      clientId\n    }\n  }\n": typeof types.ClientLocationUpdatesDocument,
    "\n  query ClientStreamCursor {\n    viewer {\n      group {\n        streamCursor\n      }\n    }\n  }\n": typeof types.ClientStreamCursorDocument,
    "\n  query SimulatorGeofences {\n    geofences(first: 1000) {\n      edges {\n        node {\n          name\n        }\n      }\n    }\n  }\n": typeof types.SimulatorGeofencesDocument,
    "\n  mutation SimulatorCreateGeofence($input: CreateGeofenceInput!) {\n    createGeofence(input: $input) {\n      id\n    }\n  }\n": typeof types.SimulatorCreateGeofenceDocument,
    "\n  query SimulatorViewer {\n    viewer {\n      name\n      scopes\n      group {\n        name\n      }\n    }\n  }\n": typeof types.SimulatorViewerDocument,
    "\n  query SimulatorLastPositions($after: String) {\n    devices(first: 1000, after: $after) {\n      edges {\n        node {\n          deviceId\n          lastLocation {\n            latitude\n            longitude\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.SimulatorLastPositionsDocument,
};
const documents: Documents = {
    "\n  mutation ClientReportLocations($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n      cursor\n      deviceId\n      clientId\n    }\n  }\n": types.ClientReportLocationsDocument,
    "\n  subscription ClientLocationUpdates($deviceId: String, $after: String) {\n    locationUpdates(deviceId: $deviceId, after: $after) {\n      id\n      cursor\n      deviceId\n      latitude\n      longitude\n      accuracy\n      altitude\n      speed\n      heading\n      battery\n      recordedAt\n      receivedAt\n      clientId\n    }\n  }\n": types.ClientLocationUpdatesDocument,
    "\n  query ClientStreamCursor {\n    viewer {\n      group {\n        streamCursor\n      }\n    }\n  }\n": types.ClientStreamCursorDocument,
    "\n  query SimulatorGeofences {\n    geofences(first: 1000) {\n      edges {\n        node {\n          name\n        }\n      }\n    }\n  }\n": types.SimulatorGeofencesDocument,
    "\n  mutation SimulatorCreateGeofence($input: CreateGeofenceInput!) {\n    createGeofence(input: $input) {\n      id\n    }\n  }\n": types.SimulatorCreateGeofenceDocument,
    "\n  query SimulatorViewer {\n    viewer {\n      name\n      scopes\n      group {\n        name\n      }\n    }\n  }\n": types.SimulatorViewerDocument,
    "\n  query SimulatorLastPositions($after: String) {\n    devices(first: 1000, after: $after) {\n      edges {\n        node {\n          deviceId\n          lastLocation {\n            latitude\n            longitude\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.SimulatorLastPositionsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientReportLocations($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n      cursor\n      deviceId\n      clientId\n    }\n  }\n"): typeof import('./graphql').ClientReportLocationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ClientLocationUpdates($deviceId: String, $after: String) {\n    locationUpdates(deviceId: $deviceId, after: $after) {\n      id\n      cursor\n      deviceId\n      latitude\n      longitude\n      accuracy\n      altitude\n      speed\n      heading\n      battery\n      recordedAt\n      receivedAt\n      clientId\n    }\n  }\n"): typeof import('./graphql').ClientLocationUpdatesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientStreamCursor {\n    viewer {\n      group {\n        streamCursor\n      }\n    }\n  }\n"): typeof import('./graphql').ClientStreamCursorDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SimulatorGeofences {\n    geofences(first: 1000) {\n      edges {\n        node {\n          name\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').SimulatorGeofencesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SimulatorCreateGeofence($input: CreateGeofenceInput!) {\n    createGeofence(input: $input) {\n      id\n    }\n  }\n"): typeof import('./graphql').SimulatorCreateGeofenceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SimulatorViewer {\n    viewer {\n      name\n      scopes\n      group {\n        name\n      }\n    }\n  }\n"): typeof import('./graphql').SimulatorViewerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SimulatorLastPositions($after: String) {\n    devices(first: 1000, after: $after) {\n      edges {\n        node {\n          deviceId\n          lastLocation {\n            latitude\n            longitude\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): typeof import('./graphql').SimulatorLastPositionsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
