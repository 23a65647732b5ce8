// First start of an empty embedded database: create a "demo" group and a full-access
// key, and print a ready-to-paste example, so a newcomer can try the API at once.
import { SCOPES } from './auth/scopes.ts';
import type { Runtime } from './runtime.ts';

/** Creates the demo group and key when the embedded database is empty; returns the key. */
export async function bootstrapDemo(runtime: Runtime): Promise<string | undefined> {
  const { db, services } = runtime;
  if (db.kind !== 'embedded') return undefined;
  // Plain SQL: Prisma's first query compiles its query planner (WebAssembly, about half a
  // second), which a start that creates nothing should not wait for (see Database.warmUp).
  const [row] = await db.sql.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM groups) AS "any"');
  if (row?.any) return undefined;
  const group = await services.groups.create('demo');
  const { key } = await services.apiKeys.create({
    groupId: group.id,
    name: 'demo (full access)',
    scopes: SCOPES,
  });
  return key;
}

/** What a newcomer sees on the first start: the key and commands to paste. */
export function demoBanner(key: string, publicUrl: string): string {
  const now = new Date().toISOString();
  return [
    '',
    'First start: created group "demo" and this full-access API key (shown only now, keep it):',
    '',
    `  ${key}`,
    '',
    'Report a location:',
    '',
    `  curl -s ${publicUrl} -H 'content-type: application/json' -H 'X-API-Key: ${key}' \\`,
    `    -d '{"query":"mutation { reportLocation(input: { deviceId: \\"phone-1\\", latitude: 52.52, longitude: 13.405, recordedAt: \\"${now}\\" }) { id cursor receivedAt } }"}'`,
    '',
    'Read it back:',
    '',
    `  curl -s ${publicUrl} -H 'content-type: application/json' -H 'X-API-Key: ${key}' \\`,
    `    -d '{"query":"{ devices { edges { node { deviceId lastLocation { latitude longitude recordedAt } } } } }"}'`,
    '',
    `Or open ${publicUrl} in a browser (GraphiQL) and put the key in the X-API-Key header.`,
    '',
  ].join('\n');
}
