// npm run simulate -- --geofences <n>: places around the simulated area, so that the
// map, GraphiQL and webhooks show ENTER, DWELL and EXIT events. They are named
// "Simulated area 1", "Simulated area 2", … and created only when missing, so a second
// run reuses them. Odd ones are circles, even ones polygons (hexagons).
import { graphql } from '../client/gql/index.ts';
import type { GoFindMeClient } from '../client/index.ts';
import { type Center, cos, offset, sin } from './movement.ts';

const Existing = graphql(`
  query SimulatorGeofences {
    geofences(first: 1000) {
      edges {
        node {
          name
        }
      }
    }
  }
`);

const Create = graphql(`
  mutation SimulatorCreateGeofence($input: CreateGeofenceInput!) {
    createGeofence(input: $input) {
      id
    }
  }
`);

/** Where they lie: on a ring this far from the center (devices wander up to 5 km)… */
const RING_M = 1500;
/** …each this big. */
const RADIUS_M = 450;
/** A DWELL event after two minutes inside. */
const DWELL_SECONDS = 120;

export const simulatedAreaName = (index: number) => `Simulated area ${index}`;

/** The create input of area `index` (1-based) of `count` around `center`. */
export function simulatedArea(center: Center, index: number, count: number) {
  const bearing = (360 * (index - 1)) / count;
  const middle = offset(center, RING_M * cos(bearing), RING_M * sin(bearing));
  const shape =
    index % 2 === 1
      ? { circle: { latitude: middle.latitude, longitude: middle.longitude, radiusMeters: RADIUS_M } }
      : {
          polygon: {
            type: 'Polygon',
            coordinates: [
              [0, 60, 120, 180, 240, 300, 0].map((corner) => {
                const p = offset(middle, RADIUS_M * cos(corner), RADIUS_M * sin(corner));
                return [round(p.longitude), round(p.latitude)];
              }),
            ],
          },
        };
  return {
    name: simulatedAreaName(index),
    description: 'Created by npm run simulate',
    dwellSeconds: DWELL_SECONDS,
    ...shape,
  };
}

/** Creates the areas that are missing; returns how many it created. */
export async function ensureSimulatedAreas(
  client: GoFindMeClient,
  center: Center,
  count: number,
): Promise<number> {
  const { geofences } = await client.request(Existing);
  const names = new Set(geofences.edges.map((edge) => edge.node.name));
  let created = 0;
  for (let index = 1; index <= count; index++) {
    if (names.has(simulatedAreaName(index))) continue;
    await client.request(Create, { input: simulatedArea(center, index, count) });
    created++;
  }
  return created;
}

const round = (value: number) => Math.round(value * 1e7) / 1e7;
