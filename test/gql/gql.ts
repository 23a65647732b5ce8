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
    "\n  query Viewer {\n    viewer {\n      id\n      name\n      prefix\n      scopes\n      group {\n        id\n        name\n      }\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  query Keys {\n    apiKeys {\n      id\n      name\n      scopes\n      lastUsedAt\n      revokedAt\n    }\n  }\n": typeof types.KeysDocument,
    "\n  mutation CreateKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        id\n        name\n        scopes\n        expiresAt\n      }\n    }\n  }\n": typeof types.CreateKeyDocument,
    "\n  mutation RevokeKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": typeof types.RevokeKeyDocument,
    "\n  mutation ReportForAuth($input: LocationInput!) {\n    reportLocation(input: $input) {\n      id\n    }\n  }\n": typeof types.ReportForAuthDocument,
    "\n      query Ping {\n        __typename\n      }\n    ": typeof types.PingDocument,
    "\n  mutation RotateKey($id: ID!, $oldKeyExpiresAt: DateTime) {\n    rotateApiKey(id: $id, oldKeyExpiresAt: $oldKeyExpiresAt) {\n      key\n      apiKey {\n        id\n        name\n        scopes\n        expiresAt\n      }\n      previous {\n        id\n        expiresAt\n      }\n    }\n  }\n": typeof types.RotateKeyDocument,
    "\n  mutation ClientReportDirectly($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n": typeof types.ClientReportDirectlyDocument,
    "\n  mutation CreateGeofence($input: CreateGeofenceInput!) {\n    createGeofence(input: $input) {\n      id\n      name\n      description\n      circle {\n        latitude\n        longitude\n        radiusMeters\n      }\n      polygon\n      deviceIds\n      dwellSeconds\n      createdAt\n      updatedAt\n    }\n  }\n": typeof types.CreateGeofenceDocument,
    "\n  mutation UpdateGeofence($id: ID!, $input: UpdateGeofenceInput!) {\n    updateGeofence(id: $id, input: $input) {\n      id\n      name\n      circle {\n        radiusMeters\n      }\n      deviceIds\n      dwellSeconds\n    }\n  }\n": typeof types.UpdateGeofenceDocument,
    "\n  mutation DeleteGeofence($id: ID!) {\n    deleteGeofence(id: $id) {\n      id\n      name\n    }\n  }\n": typeof types.DeleteGeofenceDocument,
    "\n  query Geofences($first: Int, $after: String) {\n    geofences(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.GeofencesDocument,
    "\n  query GeofenceById($id: ID!) {\n    geofence(id: $id) {\n      id\n      name\n    }\n  }\n": typeof types.GeofenceByIdDocument,
    "\n  mutation GeofenceReport($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n": typeof types.GeofenceReportDocument,
    "\n  query GeofenceEventLog(\n    $deviceId: String\n    $geofenceId: ID\n    $from: DateTime\n    $to: DateTime\n    $first: Int\n    $after: String\n    $last: Int\n  ) {\n    geofenceEvents(\n      deviceId: $deviceId\n      geofenceId: $geofenceId\n      from: $from\n      to: $to\n      first: $first\n      after: $after\n      last: $last\n    ) {\n      edges {\n        node {\n          id\n          cursor\n          type\n          geofenceId\n          geofenceName\n          geofence {\n            id\n            name\n          }\n          deviceId\n          occurredAt\n          removed\n          location {\n            cursor\n            latitude\n            longitude\n            accuracy\n            recordedAt\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": typeof types.GeofenceEventLogDocument,
    "\n  query DeviceInside($deviceId: String!) {\n    device(deviceId: $deviceId) {\n      geofences {\n        id\n        name\n      }\n    }\n  }\n": typeof types.DeviceInsideDocument,
    "\n  query GeofenceEventPosition {\n    viewer {\n      group {\n        geofenceEventCursor\n      }\n    }\n  }\n": typeof types.GeofenceEventPositionDocument,
    "\n  subscription GeofenceWatch($deviceId: String, $geofenceId: ID, $after: String) {\n    geofenceEvents(deviceId: $deviceId, geofenceId: $geofenceId, after: $after) {\n      cursor\n      type\n      deviceId\n      geofenceName\n      location {\n        latitude\n      }\n    }\n  }\n": typeof types.GeofenceWatchDocument,
    "\n  mutation UpdateWebhookTypes($id: ID!, $input: UpdateWebhookInput!) {\n    updateWebhook(id: $id, input: $input) {\n      eventTypes\n    }\n  }\n": typeof types.UpdateWebhookTypesDocument,
    "\n  query ClientStoredHistory($deviceId: String!) {\n    locations(deviceId: $deviceId, first: 500) {\n      edges {\n        node {\n          clientId\n        }\n      }\n    }\n  }\n": typeof types.ClientStoredHistoryDocument,
    "\n  mutation CreateWebhook($input: CreateWebhookInput!) {\n    createWebhook(input: $input) {\n      secret\n      webhook {\n        id\n        url\n        description\n        deviceIds\n        eventTypes\n        active\n      }\n    }\n  }\n": typeof types.CreateWebhookDocument,
    "\n  mutation UpdateWebhook($id: ID!, $input: UpdateWebhookInput!) {\n    updateWebhook(id: $id, input: $input) {\n      id\n      url\n      deviceIds\n      active\n      disabledReason\n    }\n  }\n": typeof types.UpdateWebhookDocument,
    "\n  mutation DeleteWebhook($id: ID!) {\n    deleteWebhook(id: $id) {\n      id\n    }\n  }\n": typeof types.DeleteWebhookDocument,
    "\n  mutation RotateSecret($id: ID!) {\n    rotateWebhookSecret(id: $id) {\n      secret\n      webhook {\n        id\n        previousSecretExpiresAt\n      }\n    }\n  }\n": typeof types.RotateSecretDocument,
    "\n  mutation TestWebhook($id: ID!) {\n    testWebhook(id: $id) {\n      id\n      eventType\n      status\n    }\n  }\n": typeof types.TestWebhookDocument,
    "\n  mutation Redeliver($id: ID!) {\n    redeliverWebhookDelivery(id: $id) {\n      id\n      status\n      attempts\n    }\n  }\n": typeof types.RedeliverDocument,
    "\n  mutation Replay($id: ID!, $from: DateTime!, $to: DateTime, $status: WebhookDeliveryStatus) {\n    replayWebhookDeliveries(id: $id, from: $from, to: $to, status: $status) {\n      replayed\n    }\n  }\n": typeof types.ReplayDocument,
    "\n  query Webhooks($status: WebhookDeliveryStatus, $first: Int, $after: String) {\n    webhooks {\n      id\n      url\n      active\n      disabledReason\n      failingSince\n      deliveries(status: $status, first: $first, after: $after) {\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        edges {\n          node {\n            id\n            eventType\n            status\n            attempts\n            nextAttemptAt\n            lastAttemptAt\n            lastStatusCode\n            lastError\n            lastDurationMs\n            lastResponseBody\n            payload\n            createdAt\n            deliveredAt\n          }\n        }\n      }\n    }\n  }\n": typeof types.WebhooksDocument,
    "\n  mutation WebhookReports($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      longitude\n      accuracy\n      altitude\n      speed\n      heading\n      battery\n      recordedAt\n      receivedAt\n      clientId\n    }\n  }\n": typeof types.WebhookReportsDocument,
    "\n  mutation Seed($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n    }\n  }\n": typeof types.SeedDocument,
    "\n  query Page($deviceId: String, $from: DateTime, $to: DateTime, $first: Int, $after: String, $last: Int, $before: String) {\n    locations(deviceId: $deviceId, from: $from, to: $to, first: $first, after: $after, last: $last, before: $before) {\n      edges {\n        cursor\n        node {\n          deviceId\n          latitude\n          recordedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n": typeof types.PageDocument,
    "\n  query Devices($first: Int, $after: String) {\n    devices(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          deviceId\n          lastLocation {\n            latitude\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.DevicesDocument,
    "\n  query OneDevice($deviceId: String!) {\n    device(deviceId: $deviceId) {\n      deviceId\n      lastLocation {\n        latitude\n        device {\n          deviceId\n        }\n      }\n    }\n  }\n": typeof types.OneDeviceDocument,
    "\n  query DevicesThroughFragments($first: Int, $after: String) {\n    devices(first: $first, after: $after) {\n      edges {\n        ... on DeviceEdge {\n          node {\n            deviceId\n            ...LastFix\n          }\n        }\n      }\n    }\n  }\n  fragment LastFix on Device {\n    newest: lastLocation {\n      latitude\n      recordedAt\n    }\n  }\n": typeof types.DevicesThroughFragmentsDocument,
    "\n  query IngestedLocations($deviceId: String) {\n    locations(deviceId: $deviceId, first: 1000) {\n      edges {\n        node {\n          deviceId\n          latitude\n          longitude\n          accuracy\n          altitude\n          speed\n          heading\n          battery\n          recordedAt\n          clientId\n        }\n      }\n    }\n  }\n": typeof types.IngestedLocationsDocument,
    "\n  subscription IngestUpdates {\n    locationUpdates {\n      cursor\n      deviceId\n    }\n  }\n": typeof types.IngestUpdatesDocument,
    "\n  subscription KeptAliveUpdates {\n    locationUpdates {\n      cursor\n    }\n  }\n": typeof types.KeptAliveUpdatesDocument,
    "\n  mutation CreateChildKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        id\n        expiresAt\n      }\n    }\n  }\n": typeof types.CreateChildKeyDocument,
    "\n  mutation RotateWithLimit($id: ID!) {\n    rotateApiKey(id: $id) {\n      key\n      apiKey {\n        expiresAt\n      }\n    }\n  }\n": typeof types.RotateWithLimitDocument,
    "\n  subscription RevocableUpdates {\n    locationUpdates {\n      cursor\n    }\n  }\n": typeof types.RevocableUpdatesDocument,
    "query ViewerAfterExpiry { viewer { id } }": typeof types.ViewerAfterExpiryDocument,
    "\n  mutation ReportLive($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n": typeof types.ReportLiveDocument,
    "\n  mutation RevokeLive($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n    }\n  }\n": typeof types.RevokeLiveDocument,
    "\n  query StreamPosition {\n    viewer {\n      name\n      group {\n        streamCursor\n      }\n    }\n  }\n": typeof types.StreamPositionDocument,
    "\n  subscription LiveUpdates($deviceId: String, $after: String) {\n    locationUpdates(deviceId: $deviceId, after: $after) {\n      cursor\n      deviceId\n      latitude\n      recordedAt\n    }\n  }\n": typeof types.LiveUpdatesDocument,
    "\n  mutation Report($input: LocationInput!) {\n    reportLocation(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      longitude\n      accuracy\n      altitude\n      speed\n      heading\n      battery\n      recordedAt\n      receivedAt\n      clientId\n      device {\n        deviceId\n      }\n    }\n  }\n": typeof types.ReportDocument,
    "\n  mutation ReportMany($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      clientId\n    }\n  }\n": typeof types.ReportManyDocument,
    "\n  query History($deviceId: String, $first: Int) {\n    locations(deviceId: $deviceId, first: $first) {\n      edges {\n        node {\n          id\n          cursor\n          deviceId\n          latitude\n          recordedAt\n        }\n      }\n    }\n  }\n": typeof types.HistoryDocument,
    "\n  query LastLocation($deviceId: String!) {\n    device(deviceId: $deviceId) {\n      deviceId\n      createdAt\n      lastLocation {\n        latitude\n        recordedAt\n      }\n    }\n  }\n": typeof types.LastLocationDocument,
    "\n  subscription InstanceUpdates($after: String) {\n    locationUpdates(after: $after) {\n      cursor\n      deviceId\n      latitude\n    }\n  }\n": typeof types.InstanceUpdatesDocument,
    "\n  subscription InstanceGeofenceEvents($after: String) {\n    geofenceEvents(after: $after) {\n      type\n      geofenceName\n      deviceId\n      removed\n    }\n  }\n": typeof types.InstanceGeofenceEventsDocument,
    "\n  query RetainedHistory {\n    locations(first: 100) {\n      edges {\n        node {\n          cursor\n        }\n      }\n    }\n  }\n": typeof types.RetainedHistoryDocument,
    "\n  subscription RetainedUpdates($after: String) {\n    locationUpdates(after: $after) {\n      cursor\n    }\n  }\n": typeof types.RetainedUpdatesDocument,
    "\n  mutation CreateRetainedGeofence($input: CreateGeofenceInput!) {\n    createGeofence(input: $input) {\n      id\n    }\n  }\n": typeof types.CreateRetainedGeofenceDocument,
    "\n  mutation ReportRetained($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n": typeof types.ReportRetainedDocument,
    "\n  query RetainedEvents {\n    geofenceEvents(first: 100) {\n      edges {\n        node {\n          cursor\n        }\n      }\n    }\n  }\n": typeof types.RetainedEventsDocument,
    "\n  subscription RetainedGeofenceEvents($after: String) {\n    geofenceEvents(after: $after) {\n      cursor\n    }\n  }\n": typeof types.RetainedGeofenceEventsDocument,
    "\n  query SimulatedTracks($deviceId: String!) {\n    locations(deviceId: $deviceId, first: 200) {\n      edges {\n        node {\n          clientId\n          latitude\n          longitude\n          accuracy\n          speed\n          heading\n          battery\n          altitude\n        }\n      }\n    }\n  }\n": typeof types.SimulatedTracksDocument,
    "\n  query SimulatedDevices {\n    devices(first: 100) {\n      edges {\n        node {\n          deviceId\n        }\n      }\n    }\n  }\n": typeof types.SimulatedDevicesDocument,
    "\n  query SimulatedEvents {\n    geofenceEvents(first: 10) {\n      edges {\n        node {\n          type\n          geofenceName\n        }\n      }\n    }\n  }\n": typeof types.SimulatedEventsDocument,
    "\n  query SimulatedAreas {\n    geofences(first: 100) {\n      edges {\n        node {\n          name\n          circle {\n            radiusMeters\n          }\n          polygon\n        }\n      }\n    }\n  }\n": typeof types.SimulatedAreasDocument,
    "\n  mutation ReportFlood($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n": typeof types.ReportFloodDocument,
    "\n  mutation ReportOne($input: LocationInput!) {\n    reportLocation(input: $input) {\n      cursor\n    }\n  }\n": typeof types.ReportOneDocument,
};
const documents: Documents = {
    "\n  query Viewer {\n    viewer {\n      id\n      name\n      prefix\n      scopes\n      group {\n        id\n        name\n      }\n    }\n  }\n": types.ViewerDocument,
    "\n  query Keys {\n    apiKeys {\n      id\n      name\n      scopes\n      lastUsedAt\n      revokedAt\n    }\n  }\n": types.KeysDocument,
    "\n  mutation CreateKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        id\n        name\n        scopes\n        expiresAt\n      }\n    }\n  }\n": types.CreateKeyDocument,
    "\n  mutation RevokeKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": types.RevokeKeyDocument,
    "\n  mutation ReportForAuth($input: LocationInput!) {\n    reportLocation(input: $input) {\n      id\n    }\n  }\n": types.ReportForAuthDocument,
    "\n      query Ping {\n        __typename\n      }\n    ": types.PingDocument,
    "\n  mutation RotateKey($id: ID!, $oldKeyExpiresAt: DateTime) {\n    rotateApiKey(id: $id, oldKeyExpiresAt: $oldKeyExpiresAt) {\n      key\n      apiKey {\n        id\n        name\n        scopes\n        expiresAt\n      }\n      previous {\n        id\n        expiresAt\n      }\n    }\n  }\n": types.RotateKeyDocument,
    "\n  mutation ClientReportDirectly($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n": types.ClientReportDirectlyDocument,
    "\n  mutation CreateGeofence($input: CreateGeofenceInput!) {\n    createGeofence(input: $input) {\n      id\n      name\n      description\n      circle {\n        latitude\n        longitude\n        radiusMeters\n      }\n      polygon\n      deviceIds\n      dwellSeconds\n      createdAt\n      updatedAt\n    }\n  }\n": types.CreateGeofenceDocument,
    "\n  mutation UpdateGeofence($id: ID!, $input: UpdateGeofenceInput!) {\n    updateGeofence(id: $id, input: $input) {\n      id\n      name\n      circle {\n        radiusMeters\n      }\n      deviceIds\n      dwellSeconds\n    }\n  }\n": types.UpdateGeofenceDocument,
    "\n  mutation DeleteGeofence($id: ID!) {\n    deleteGeofence(id: $id) {\n      id\n      name\n    }\n  }\n": types.DeleteGeofenceDocument,
    "\n  query Geofences($first: Int, $after: String) {\n    geofences(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.GeofencesDocument,
    "\n  query GeofenceById($id: ID!) {\n    geofence(id: $id) {\n      id\n      name\n    }\n  }\n": types.GeofenceByIdDocument,
    "\n  mutation GeofenceReport($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n": types.GeofenceReportDocument,
    "\n  query GeofenceEventLog(\n    $deviceId: String\n    $geofenceId: ID\n    $from: DateTime\n    $to: DateTime\n    $first: Int\n    $after: String\n    $last: Int\n  ) {\n    geofenceEvents(\n      deviceId: $deviceId\n      geofenceId: $geofenceId\n      from: $from\n      to: $to\n      first: $first\n      after: $after\n      last: $last\n    ) {\n      edges {\n        node {\n          id\n          cursor\n          type\n          geofenceId\n          geofenceName\n          geofence {\n            id\n            name\n          }\n          deviceId\n          occurredAt\n          removed\n          location {\n            cursor\n            latitude\n            longitude\n            accuracy\n            recordedAt\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": types.GeofenceEventLogDocument,
    "\n  query DeviceInside($deviceId: String!) {\n    device(deviceId: $deviceId) {\n      geofences {\n        id\n        name\n      }\n    }\n  }\n": types.DeviceInsideDocument,
    "\n  query GeofenceEventPosition {\n    viewer {\n      group {\n        geofenceEventCursor\n      }\n    }\n  }\n": types.GeofenceEventPositionDocument,
    "\n  subscription GeofenceWatch($deviceId: String, $geofenceId: ID, $after: String) {\n    geofenceEvents(deviceId: $deviceId, geofenceId: $geofenceId, after: $after) {\n      cursor\n      type\n      deviceId\n      geofenceName\n      location {\n        latitude\n      }\n    }\n  }\n": types.GeofenceWatchDocument,
    "\n  mutation UpdateWebhookTypes($id: ID!, $input: UpdateWebhookInput!) {\n    updateWebhook(id: $id, input: $input) {\n      eventTypes\n    }\n  }\n": types.UpdateWebhookTypesDocument,
    "\n  query ClientStoredHistory($deviceId: String!) {\n    locations(deviceId: $deviceId, first: 500) {\n      edges {\n        node {\n          clientId\n        }\n      }\n    }\n  }\n": types.ClientStoredHistoryDocument,
    "\n  mutation CreateWebhook($input: CreateWebhookInput!) {\n    createWebhook(input: $input) {\n      secret\n      webhook {\n        id\n        url\n        description\n        deviceIds\n        eventTypes\n        active\n      }\n    }\n  }\n": types.CreateWebhookDocument,
    "\n  mutation UpdateWebhook($id: ID!, $input: UpdateWebhookInput!) {\n    updateWebhook(id: $id, input: $input) {\n      id\n      url\n      deviceIds\n      active\n      disabledReason\n    }\n  }\n": types.UpdateWebhookDocument,
    "\n  mutation DeleteWebhook($id: ID!) {\n    deleteWebhook(id: $id) {\n      id\n    }\n  }\n": types.DeleteWebhookDocument,
    "\n  mutation RotateSecret($id: ID!) {\n    rotateWebhookSecret(id: $id) {\n      secret\n      webhook {\n        id\n        previousSecretExpiresAt\n      }\n    }\n  }\n": types.RotateSecretDocument,
    "\n  mutation TestWebhook($id: ID!) {\n    testWebhook(id: $id) {\n      id\n      eventType\n      status\n    }\n  }\n": types.TestWebhookDocument,
    "\n  mutation Redeliver($id: ID!) {\n    redeliverWebhookDelivery(id: $id) {\n      id\n      status\n      attempts\n    }\n  }\n": types.RedeliverDocument,
    "\n  mutation Replay($id: ID!, $from: DateTime!, $to: DateTime, $status: WebhookDeliveryStatus) {\n    replayWebhookDeliveries(id: $id, from: $from, to: $to, status: $status) {\n      replayed\n    }\n  }\n": types.ReplayDocument,
    "\n  query Webhooks($status: WebhookDeliveryStatus, $first: Int, $after: String) {\n    webhooks {\n      id\n      url\n      active\n      disabledReason\n      failingSince\n      deliveries(status: $status, first: $first, after: $after) {\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        edges {\n          node {\n            id\n            eventType\n            status\n            attempts\n            nextAttemptAt\n            lastAttemptAt\n            lastStatusCode\n            lastError\n            lastDurationMs\n            lastResponseBody\n            payload\n            createdAt\n            deliveredAt\n          }\n        }\n      }\n    }\n  }\n": types.WebhooksDocument,
    "\n  mutation WebhookReports($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      longitude\n      accuracy\n      altitude\n      speed\n      heading\n      battery\n      recordedAt\n      receivedAt\n      clientId\n    }\n  }\n": types.WebhookReportsDocument,
    "\n  mutation Seed($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n    }\n  }\n": types.SeedDocument,
    "\n  query Page($deviceId: String, $from: DateTime, $to: DateTime, $first: Int, $after: String, $last: Int, $before: String) {\n    locations(deviceId: $deviceId, from: $from, to: $to, first: $first, after: $after, last: $last, before: $before) {\n      edges {\n        cursor\n        node {\n          deviceId\n          latitude\n          recordedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n": types.PageDocument,
    "\n  query Devices($first: Int, $after: String) {\n    devices(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          deviceId\n          lastLocation {\n            latitude\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.DevicesDocument,
    "\n  query OneDevice($deviceId: String!) {\n    device(deviceId: $deviceId) {\n      deviceId\n      lastLocation {\n        latitude\n        device {\n          deviceId\n        }\n      }\n    }\n  }\n": types.OneDeviceDocument,
    "\n  query DevicesThroughFragments($first: Int, $after: String) {\n    devices(first: $first, after: $after) {\n      edges {\n        ... on DeviceEdge {\n          node {\n            deviceId\n            ...LastFix\n          }\n        }\n      }\n    }\n  }\n  fragment LastFix on Device {\n    newest: lastLocation {\n      latitude\n      recordedAt\n    }\n  }\n": types.DevicesThroughFragmentsDocument,
    "\n  query IngestedLocations($deviceId: String) {\n    locations(deviceId: $deviceId, first: 1000) {\n      edges {\n        node {\n          deviceId\n          latitude\n          longitude\n          accuracy\n          altitude\n          speed\n          heading\n          battery\n          recordedAt\n          clientId\n        }\n      }\n    }\n  }\n": types.IngestedLocationsDocument,
    "\n  subscription IngestUpdates {\n    locationUpdates {\n      cursor\n      deviceId\n    }\n  }\n": types.IngestUpdatesDocument,
    "\n  subscription KeptAliveUpdates {\n    locationUpdates {\n      cursor\n    }\n  }\n": types.KeptAliveUpdatesDocument,
    "\n  mutation CreateChildKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        id\n        expiresAt\n      }\n    }\n  }\n": types.CreateChildKeyDocument,
    "\n  mutation RotateWithLimit($id: ID!) {\n    rotateApiKey(id: $id) {\n      key\n      apiKey {\n        expiresAt\n      }\n    }\n  }\n": types.RotateWithLimitDocument,
    "\n  subscription RevocableUpdates {\n    locationUpdates {\n      cursor\n    }\n  }\n": types.RevocableUpdatesDocument,
    "query ViewerAfterExpiry { viewer { id } }": types.ViewerAfterExpiryDocument,
    "\n  mutation ReportLive($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n": types.ReportLiveDocument,
    "\n  mutation RevokeLive($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n    }\n  }\n": types.RevokeLiveDocument,
    "\n  query StreamPosition {\n    viewer {\n      name\n      group {\n        streamCursor\n      }\n    }\n  }\n": types.StreamPositionDocument,
    "\n  subscription LiveUpdates($deviceId: String, $after: String) {\n    locationUpdates(deviceId: $deviceId, after: $after) {\n      cursor\n      deviceId\n      latitude\n      recordedAt\n    }\n  }\n": types.LiveUpdatesDocument,
    "\n  mutation Report($input: LocationInput!) {\n    reportLocation(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      longitude\n      accuracy\n      altitude\n      speed\n      heading\n      battery\n      recordedAt\n      receivedAt\n      clientId\n      device {\n        deviceId\n      }\n    }\n  }\n": types.ReportDocument,
    "\n  mutation ReportMany($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      clientId\n    }\n  }\n": types.ReportManyDocument,
    "\n  query History($deviceId: String, $first: Int) {\n    locations(deviceId: $deviceId, first: $first) {\n      edges {\n        node {\n          id\n          cursor\n          deviceId\n          latitude\n          recordedAt\n        }\n      }\n    }\n  }\n": types.HistoryDocument,
    "\n  query LastLocation($deviceId: String!) {\n    device(deviceId: $deviceId) {\n      deviceId\n      createdAt\n      lastLocation {\n        latitude\n        recordedAt\n      }\n    }\n  }\n": types.LastLocationDocument,
    "\n  subscription InstanceUpdates($after: String) {\n    locationUpdates(after: $after) {\n      cursor\n      deviceId\n      latitude\n    }\n  }\n": types.InstanceUpdatesDocument,
    "\n  subscription InstanceGeofenceEvents($after: String) {\n    geofenceEvents(after: $after) {\n      type\n      geofenceName\n      deviceId\n      removed\n    }\n  }\n": types.InstanceGeofenceEventsDocument,
    "\n  query RetainedHistory {\n    locations(first: 100) {\n      edges {\n        node {\n          cursor\n        }\n      }\n    }\n  }\n": types.RetainedHistoryDocument,
    "\n  subscription RetainedUpdates($after: String) {\n    locationUpdates(after: $after) {\n      cursor\n    }\n  }\n": types.RetainedUpdatesDocument,
    "\n  mutation CreateRetainedGeofence($input: CreateGeofenceInput!) {\n    createGeofence(input: $input) {\n      id\n    }\n  }\n": types.CreateRetainedGeofenceDocument,
    "\n  mutation ReportRetained($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n": types.ReportRetainedDocument,
    "\n  query RetainedEvents {\n    geofenceEvents(first: 100) {\n      edges {\n        node {\n          cursor\n        }\n      }\n    }\n  }\n": types.RetainedEventsDocument,
    "\n  subscription RetainedGeofenceEvents($after: String) {\n    geofenceEvents(after: $after) {\n      cursor\n    }\n  }\n": types.RetainedGeofenceEventsDocument,
    "\n  query SimulatedTracks($deviceId: String!) {\n    locations(deviceId: $deviceId, first: 200) {\n      edges {\n        node {\n          clientId\n          latitude\n          longitude\n          accuracy\n          speed\n          heading\n          battery\n          altitude\n        }\n      }\n    }\n  }\n": types.SimulatedTracksDocument,
    "\n  query SimulatedDevices {\n    devices(first: 100) {\n      edges {\n        node {\n          deviceId\n        }\n      }\n    }\n  }\n": types.SimulatedDevicesDocument,
    "\n  query SimulatedEvents {\n    geofenceEvents(first: 10) {\n      edges {\n        node {\n          type\n          geofenceName\n        }\n      }\n    }\n  }\n": types.SimulatedEventsDocument,
    "\n  query SimulatedAreas {\n    geofences(first: 100) {\n      edges {\n        node {\n          name\n          circle {\n            radiusMeters\n          }\n          polygon\n        }\n      }\n    }\n  }\n": types.SimulatedAreasDocument,
    "\n  mutation ReportFlood($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n": types.ReportFloodDocument,
    "\n  mutation ReportOne($input: LocationInput!) {\n    reportLocation(input: $input) {\n      cursor\n    }\n  }\n": types.ReportOneDocument,
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
export function graphql(source: "\n  query Viewer {\n    viewer {\n      id\n      name\n      prefix\n      scopes\n      group {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    viewer {\n      id\n      name\n      prefix\n      scopes\n      group {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Keys {\n    apiKeys {\n      id\n      name\n      scopes\n      lastUsedAt\n      revokedAt\n    }\n  }\n"): (typeof documents)["\n  query Keys {\n    apiKeys {\n      id\n      name\n      scopes\n      lastUsedAt\n      revokedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        id\n        name\n        scopes\n        expiresAt\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        id\n        name\n        scopes\n        expiresAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReportForAuth($input: LocationInput!) {\n    reportLocation(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation ReportForAuth($input: LocationInput!) {\n    reportLocation(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n      query Ping {\n        __typename\n      }\n    "): (typeof documents)["\n      query Ping {\n        __typename\n      }\n    "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RotateKey($id: ID!, $oldKeyExpiresAt: DateTime) {\n    rotateApiKey(id: $id, oldKeyExpiresAt: $oldKeyExpiresAt) {\n      key\n      apiKey {\n        id\n        name\n        scopes\n        expiresAt\n      }\n      previous {\n        id\n        expiresAt\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RotateKey($id: ID!, $oldKeyExpiresAt: DateTime) {\n    rotateApiKey(id: $id, oldKeyExpiresAt: $oldKeyExpiresAt) {\n      key\n      apiKey {\n        id\n        name\n        scopes\n        expiresAt\n      }\n      previous {\n        id\n        expiresAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientReportDirectly($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n"): (typeof documents)["\n  mutation ClientReportDirectly($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateGeofence($input: CreateGeofenceInput!) {\n    createGeofence(input: $input) {\n      id\n      name\n      description\n      circle {\n        latitude\n        longitude\n        radiusMeters\n      }\n      polygon\n      deviceIds\n      dwellSeconds\n      createdAt\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  mutation CreateGeofence($input: CreateGeofenceInput!) {\n    createGeofence(input: $input) {\n      id\n      name\n      description\n      circle {\n        latitude\n        longitude\n        radiusMeters\n      }\n      polygon\n      deviceIds\n      dwellSeconds\n      createdAt\n      updatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateGeofence($id: ID!, $input: UpdateGeofenceInput!) {\n    updateGeofence(id: $id, input: $input) {\n      id\n      name\n      circle {\n        radiusMeters\n      }\n      deviceIds\n      dwellSeconds\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateGeofence($id: ID!, $input: UpdateGeofenceInput!) {\n    updateGeofence(id: $id, input: $input) {\n      id\n      name\n      circle {\n        radiusMeters\n      }\n      deviceIds\n      dwellSeconds\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteGeofence($id: ID!) {\n    deleteGeofence(id: $id) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteGeofence($id: ID!) {\n    deleteGeofence(id: $id) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Geofences($first: Int, $after: String) {\n    geofences(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Geofences($first: Int, $after: String) {\n    geofences(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          name\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GeofenceById($id: ID!) {\n    geofence(id: $id) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  query GeofenceById($id: ID!) {\n    geofence(id: $id) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GeofenceReport($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n"): (typeof documents)["\n  mutation GeofenceReport($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GeofenceEventLog(\n    $deviceId: String\n    $geofenceId: ID\n    $from: DateTime\n    $to: DateTime\n    $first: Int\n    $after: String\n    $last: Int\n  ) {\n    geofenceEvents(\n      deviceId: $deviceId\n      geofenceId: $geofenceId\n      from: $from\n      to: $to\n      first: $first\n      after: $after\n      last: $last\n    ) {\n      edges {\n        node {\n          id\n          cursor\n          type\n          geofenceId\n          geofenceName\n          geofence {\n            id\n            name\n          }\n          deviceId\n          occurredAt\n          removed\n          location {\n            cursor\n            latitude\n            longitude\n            accuracy\n            recordedAt\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query GeofenceEventLog(\n    $deviceId: String\n    $geofenceId: ID\n    $from: DateTime\n    $to: DateTime\n    $first: Int\n    $after: String\n    $last: Int\n  ) {\n    geofenceEvents(\n      deviceId: $deviceId\n      geofenceId: $geofenceId\n      from: $from\n      to: $to\n      first: $first\n      after: $after\n      last: $last\n    ) {\n      edges {\n        node {\n          id\n          cursor\n          type\n          geofenceId\n          geofenceName\n          geofence {\n            id\n            name\n          }\n          deviceId\n          occurredAt\n          removed\n          location {\n            cursor\n            latitude\n            longitude\n            accuracy\n            recordedAt\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DeviceInside($deviceId: String!) {\n    device(deviceId: $deviceId) {\n      geofences {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query DeviceInside($deviceId: String!) {\n    device(deviceId: $deviceId) {\n      geofences {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GeofenceEventPosition {\n    viewer {\n      group {\n        geofenceEventCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query GeofenceEventPosition {\n    viewer {\n      group {\n        geofenceEventCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription GeofenceWatch($deviceId: String, $geofenceId: ID, $after: String) {\n    geofenceEvents(deviceId: $deviceId, geofenceId: $geofenceId, after: $after) {\n      cursor\n      type\n      deviceId\n      geofenceName\n      location {\n        latitude\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription GeofenceWatch($deviceId: String, $geofenceId: ID, $after: String) {\n    geofenceEvents(deviceId: $deviceId, geofenceId: $geofenceId, after: $after) {\n      cursor\n      type\n      deviceId\n      geofenceName\n      location {\n        latitude\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateWebhookTypes($id: ID!, $input: UpdateWebhookInput!) {\n    updateWebhook(id: $id, input: $input) {\n      eventTypes\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateWebhookTypes($id: ID!, $input: UpdateWebhookInput!) {\n    updateWebhook(id: $id, input: $input) {\n      eventTypes\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientStoredHistory($deviceId: String!) {\n    locations(deviceId: $deviceId, first: 500) {\n      edges {\n        node {\n          clientId\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ClientStoredHistory($deviceId: String!) {\n    locations(deviceId: $deviceId, first: 500) {\n      edges {\n        node {\n          clientId\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWebhook($input: CreateWebhookInput!) {\n    createWebhook(input: $input) {\n      secret\n      webhook {\n        id\n        url\n        description\n        deviceIds\n        eventTypes\n        active\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateWebhook($input: CreateWebhookInput!) {\n    createWebhook(input: $input) {\n      secret\n      webhook {\n        id\n        url\n        description\n        deviceIds\n        eventTypes\n        active\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateWebhook($id: ID!, $input: UpdateWebhookInput!) {\n    updateWebhook(id: $id, input: $input) {\n      id\n      url\n      deviceIds\n      active\n      disabledReason\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateWebhook($id: ID!, $input: UpdateWebhookInput!) {\n    updateWebhook(id: $id, input: $input) {\n      id\n      url\n      deviceIds\n      active\n      disabledReason\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteWebhook($id: ID!) {\n    deleteWebhook(id: $id) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteWebhook($id: ID!) {\n    deleteWebhook(id: $id) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RotateSecret($id: ID!) {\n    rotateWebhookSecret(id: $id) {\n      secret\n      webhook {\n        id\n        previousSecretExpiresAt\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RotateSecret($id: ID!) {\n    rotateWebhookSecret(id: $id) {\n      secret\n      webhook {\n        id\n        previousSecretExpiresAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TestWebhook($id: ID!) {\n    testWebhook(id: $id) {\n      id\n      eventType\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation TestWebhook($id: ID!) {\n    testWebhook(id: $id) {\n      id\n      eventType\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Redeliver($id: ID!) {\n    redeliverWebhookDelivery(id: $id) {\n      id\n      status\n      attempts\n    }\n  }\n"): (typeof documents)["\n  mutation Redeliver($id: ID!) {\n    redeliverWebhookDelivery(id: $id) {\n      id\n      status\n      attempts\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Replay($id: ID!, $from: DateTime!, $to: DateTime, $status: WebhookDeliveryStatus) {\n    replayWebhookDeliveries(id: $id, from: $from, to: $to, status: $status) {\n      replayed\n    }\n  }\n"): (typeof documents)["\n  mutation Replay($id: ID!, $from: DateTime!, $to: DateTime, $status: WebhookDeliveryStatus) {\n    replayWebhookDeliveries(id: $id, from: $from, to: $to, status: $status) {\n      replayed\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Webhooks($status: WebhookDeliveryStatus, $first: Int, $after: String) {\n    webhooks {\n      id\n      url\n      active\n      disabledReason\n      failingSince\n      deliveries(status: $status, first: $first, after: $after) {\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        edges {\n          node {\n            id\n            eventType\n            status\n            attempts\n            nextAttemptAt\n            lastAttemptAt\n            lastStatusCode\n            lastError\n            lastDurationMs\n            lastResponseBody\n            payload\n            createdAt\n            deliveredAt\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Webhooks($status: WebhookDeliveryStatus, $first: Int, $after: String) {\n    webhooks {\n      id\n      url\n      active\n      disabledReason\n      failingSince\n      deliveries(status: $status, first: $first, after: $after) {\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        edges {\n          node {\n            id\n            eventType\n            status\n            attempts\n            nextAttemptAt\n            lastAttemptAt\n            lastStatusCode\n            lastError\n            lastDurationMs\n            lastResponseBody\n            payload\n            createdAt\n            deliveredAt\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation WebhookReports($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      longitude\n      accuracy\n      altitude\n      speed\n      heading\n      battery\n      recordedAt\n      receivedAt\n      clientId\n    }\n  }\n"): (typeof documents)["\n  mutation WebhookReports($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n      cursor\n      deviceId\n      latitude\n      longitude\n      accuracy\n      altitude\n      speed\n      heading\n      battery\n      recordedAt\n      receivedAt\n      clientId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Seed($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation Seed($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Page($deviceId: String, $from: DateTime, $to: DateTime, $first: Int, $after: String, $last: Int, $before: String) {\n    locations(deviceId: $deviceId, from: $from, to: $to, first: $first, after: $after, last: $last, before: $before) {\n      edges {\n        cursor\n        node {\n          deviceId\n          latitude\n          recordedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Page($deviceId: String, $from: DateTime, $to: DateTime, $first: Int, $after: String, $last: Int, $before: String) {\n    locations(deviceId: $deviceId, from: $from, to: $to, first: $first, after: $after, last: $last, before: $before) {\n      edges {\n        cursor\n        node {\n          deviceId\n          latitude\n          recordedAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Devices($first: Int, $after: String) {\n    devices(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          deviceId\n          lastLocation {\n            latitude\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Devices($first: Int, $after: String) {\n    devices(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          deviceId\n          lastLocation {\n            latitude\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OneDevice($deviceId: String!) {\n    device(deviceId: $deviceId) {\n      deviceId\n      lastLocation {\n        latitude\n        device {\n          deviceId\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query OneDevice($deviceId: String!) {\n    device(deviceId: $deviceId) {\n      deviceId\n      lastLocation {\n        latitude\n        device {\n          deviceId\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DevicesThroughFragments($first: Int, $after: String) {\n    devices(first: $first, after: $after) {\n      edges {\n        ... on DeviceEdge {\n          node {\n            deviceId\n            ...LastFix\n          }\n        }\n      }\n    }\n  }\n  fragment LastFix on Device {\n    newest: lastLocation {\n      latitude\n      recordedAt\n    }\n  }\n"): (typeof documents)["\n  query DevicesThroughFragments($first: Int, $after: String) {\n    devices(first: $first, after: $after) {\n      edges {\n        ... on DeviceEdge {\n          node {\n            deviceId\n            ...LastFix\n          }\n        }\n      }\n    }\n  }\n  fragment LastFix on Device {\n    newest: lastLocation {\n      latitude\n      recordedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query IngestedLocations($deviceId: String) {\n    locations(deviceId: $deviceId, first: 1000) {\n      edges {\n        node {\n          deviceId\n          latitude\n          longitude\n          accuracy\n          altitude\n          speed\n          heading\n          battery\n          recordedAt\n          clientId\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query IngestedLocations($deviceId: String) {\n    locations(deviceId: $deviceId, first: 1000) {\n      edges {\n        node {\n          deviceId\n          latitude\n          longitude\n          accuracy\n          altitude\n          speed\n          heading\n          battery\n          recordedAt\n          clientId\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription IngestUpdates {\n    locationUpdates {\n      cursor\n      deviceId\n    }\n  }\n"): (typeof documents)["\n  subscription IngestUpdates {\n    locationUpdates {\n      cursor\n      deviceId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription KeptAliveUpdates {\n    locationUpdates {\n      cursor\n    }\n  }\n"): (typeof documents)["\n  subscription KeptAliveUpdates {\n    locationUpdates {\n      cursor\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateChildKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        id\n        expiresAt\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateChildKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        id\n        expiresAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RotateWithLimit($id: ID!) {\n    rotateApiKey(id: $id) {\n      key\n      apiKey {\n        expiresAt\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RotateWithLimit($id: ID!) {\n    rotateApiKey(id: $id) {\n      key\n      apiKey {\n        expiresAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RevocableUpdates {\n    locationUpdates {\n      cursor\n    }\n  }\n"): (typeof documents)["\n  subscription RevocableUpdates {\n    locationUpdates {\n      cursor\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ViewerAfterExpiry { viewer { id } }"): (typeof documents)["query ViewerAfterExpiry { viewer { id } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReportLive($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n"): (typeof documents)["\n  mutation ReportLive($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeLive($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeLive($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StreamPosition {\n    viewer {\n      name\n      group {\n        streamCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query StreamPosition {\n    viewer {\n      name\n      group {\n        streamCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveUpdates($deviceId: String, $after: String) {\n    locationUpdates(deviceId: $deviceId, after: $after) {\n      cursor\n      deviceId\n      latitude\n      recordedAt\n    }\n  }\n"): (typeof documents)["\n  subscription LiveUpdates($deviceId: String, $after: String) {\n    locationUpdates(deviceId: $deviceId, after: $after) {\n      cursor\n      deviceId\n      latitude\n      recordedAt\n    }\n  }\n"];
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
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription InstanceUpdates($after: String) {\n    locationUpdates(after: $after) {\n      cursor\n      deviceId\n      latitude\n    }\n  }\n"): (typeof documents)["\n  subscription InstanceUpdates($after: String) {\n    locationUpdates(after: $after) {\n      cursor\n      deviceId\n      latitude\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription InstanceGeofenceEvents($after: String) {\n    geofenceEvents(after: $after) {\n      type\n      geofenceName\n      deviceId\n      removed\n    }\n  }\n"): (typeof documents)["\n  subscription InstanceGeofenceEvents($after: String) {\n    geofenceEvents(after: $after) {\n      type\n      geofenceName\n      deviceId\n      removed\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RetainedHistory {\n    locations(first: 100) {\n      edges {\n        node {\n          cursor\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RetainedHistory {\n    locations(first: 100) {\n      edges {\n        node {\n          cursor\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RetainedUpdates($after: String) {\n    locationUpdates(after: $after) {\n      cursor\n    }\n  }\n"): (typeof documents)["\n  subscription RetainedUpdates($after: String) {\n    locationUpdates(after: $after) {\n      cursor\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateRetainedGeofence($input: CreateGeofenceInput!) {\n    createGeofence(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CreateRetainedGeofence($input: CreateGeofenceInput!) {\n    createGeofence(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReportRetained($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n"): (typeof documents)["\n  mutation ReportRetained($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RetainedEvents {\n    geofenceEvents(first: 100) {\n      edges {\n        node {\n          cursor\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RetainedEvents {\n    geofenceEvents(first: 100) {\n      edges {\n        node {\n          cursor\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RetainedGeofenceEvents($after: String) {\n    geofenceEvents(after: $after) {\n      cursor\n    }\n  }\n"): (typeof documents)["\n  subscription RetainedGeofenceEvents($after: String) {\n    geofenceEvents(after: $after) {\n      cursor\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SimulatedTracks($deviceId: String!) {\n    locations(deviceId: $deviceId, first: 200) {\n      edges {\n        node {\n          clientId\n          latitude\n          longitude\n          accuracy\n          speed\n          heading\n          battery\n          altitude\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query SimulatedTracks($deviceId: String!) {\n    locations(deviceId: $deviceId, first: 200) {\n      edges {\n        node {\n          clientId\n          latitude\n          longitude\n          accuracy\n          speed\n          heading\n          battery\n          altitude\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SimulatedDevices {\n    devices(first: 100) {\n      edges {\n        node {\n          deviceId\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query SimulatedDevices {\n    devices(first: 100) {\n      edges {\n        node {\n          deviceId\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SimulatedEvents {\n    geofenceEvents(first: 10) {\n      edges {\n        node {\n          type\n          geofenceName\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query SimulatedEvents {\n    geofenceEvents(first: 10) {\n      edges {\n        node {\n          type\n          geofenceName\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SimulatedAreas {\n    geofences(first: 100) {\n      edges {\n        node {\n          name\n          circle {\n            radiusMeters\n          }\n          polygon\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query SimulatedAreas {\n    geofences(first: 100) {\n      edges {\n        node {\n          name\n          circle {\n            radiusMeters\n          }\n          polygon\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReportFlood($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n"): (typeof documents)["\n  mutation ReportFlood($input: [LocationInput!]!) {\n    reportLocations(input: $input) {\n      cursor\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReportOne($input: LocationInput!) {\n    reportLocation(input: $input) {\n      cursor\n    }\n  }\n"): (typeof documents)["\n  mutation ReportOne($input: LocationInput!) {\n    reportLocation(input: $input) {\n      cursor\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;