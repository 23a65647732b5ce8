// The operations the client sends; `npm run codegen` types them into ./gql/.
import { graphql } from './gql/index.ts';

export const ReportLocations = graphql(`
  mutation ClientReportLocations($input: [LocationInput!]!) {
    reportLocations(input: $input) {
      id
      cursor
      deviceId
      clientId
    }
  }
`);

export const LocationUpdates = graphql(`
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
`);

export const StreamCursor = graphql(`
  query ClientStreamCursor {
    viewer {
      group {
        streamCursor
      }
    }
  }
`);
