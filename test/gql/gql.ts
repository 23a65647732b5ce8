/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

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
    "\n  mutation Report($input: LocationInput!) {\n    reportLocation(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      longitude\n      accuracy\n      altitude\n      speed\n      heading\n      battery\n      recordedAt\n      receivedAt\n      clientId\n      device {\n        deviceId\n      }\n    }\n  }\n": typeof types.ReportDocument,
    "\n  mutation ReportMany($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      clientId\n    }\n  }\n": typeof types.ReportManyDocument,
    "\n  query History($deviceId: String, $first: Int) {\n    locations(deviceId: $deviceId, first: $first) {\n      edges {\n        node {\n          id\n          cursor\n          deviceId\n          latitude\n          recordedAt\n        }\n      }\n    }\n  }\n": typeof types.HistoryDocument,
    "\n  query LastLocation($deviceId: String!) {\n    device(deviceId: $deviceId) {\n      deviceId\n      createdAt\n      lastLocation {\n        latitude\n        recordedAt\n      }\n    }\n  }\n": typeof types.LastLocationDocument,
};
const documents: Documents = {
    "\n  mutation Report($input: LocationInput!) {\n    reportLocation(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      longitude\n      accuracy\n      altitude\n      speed\n      heading\n      battery\n      recordedAt\n      receivedAt\n      clientId\n      device {\n        deviceId\n      }\n    }\n  }\n": types.ReportDocument,
    "\n  mutation ReportMany($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      clientId\n    }\n  }\n": types.ReportManyDocument,
    "\n  query History($deviceId: String, $first: Int) {\n    locations(deviceId: $deviceId, first: $first) {\n      edges {\n        node {\n          id\n          cursor\n          deviceId\n          latitude\n          recordedAt\n        }\n      }\n    }\n  }\n": types.HistoryDocument,
    "\n  query LastLocation($deviceId: String!) {\n    device(deviceId: $deviceId) {\n      deviceId\n      createdAt\n      lastLocation {\n        latitude\n        recordedAt\n      }\n    }\n  }\n": types.LastLocationDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Report($input: LocationInput!) {\n    reportLocation(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      longitude\n      accuracy\n      altitude\n      speed\n      heading\n      battery\n      recordedAt\n      receivedAt\n      clientId\n      device {\n        deviceId\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Report($input: LocationInput!) {\n    reportLocation(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      longitude\n      accuracy\n      altitude\n      speed\n      heading\n      battery\n      recordedAt\n      receivedAt\n      clientId\n      device {\n        deviceId\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReportMany($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      clientId\n    }\n  }\n"): (typeof documents)["\n  mutation ReportMany($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      clientId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query History($deviceId: String, $first: Int) {\n    locations(deviceId: $deviceId, first: $first) {\n      edges {\n        node {\n          id\n          cursor\n          deviceId\n          latitude\n          recordedAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query History($deviceId: String, $first: Int) {\n    locations(deviceId: $deviceId, first: $first) {\n      edges {\n        node {\n          id\n          cursor\n          deviceId\n          latitude\n          recordedAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LastLocation($deviceId: String!) {\n    device(deviceId: $deviceId) {\n      deviceId\n      createdAt\n      lastLocation {\n        latitude\n        recordedAt\n      }\n    }\n  }\n"): (typeof documents)["\n  query LastLocation($deviceId: String!) {\n    device(deviceId: $deviceId) {\n      deviceId\n      createdAt\n      lastLocation {\n        latitude\n        recordedAt\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;