// Cross-group attacks: a key of one group (with every scope) tries every query, mutation
// and subscription against another group's devices, locations, webhooks and keys, by their
// real ids and cursors and by guessed ones. It sees nothing, changes nothing, and gets
// empty results, NOT_FOUND or FORBIDDEN.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestKey, type TestServer } from './helpers/server.ts';
import { subscribe, TRANSPORTS } from './helpers/subscriptions.ts';

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function gql(
  server: TestServer,
  key: TestKey,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Answer> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key.key },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as Omit<Answer, 'status'>) };
}

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

describe('a key of another group', { timeout: 120_000 }, () => {
  let server: TestServer;
  let victim: TestKey;
  let attacker: TestKey;
  const theirs = {
    keyIds: [] as string[],
    webhookId: '',
    deliveryIds: [] as string[],
    locationIds: [] as string[],
    locationCursors: [] as string[],
    historyCursors: [] as string[],
    deviceCursors: [] as string[],
  };
  let snapshot: unknown;

  /** Everything the victim can see, to compare before and after the attacks. */
  const victimView = async () =>
    (
      await gql(
        server,
        victim,
        `{ apiKeys { id name revokedAt expiresAt scopes }
           webhooks { id url active description deviceIds deliveries(first: 100) { edges { node { id status attempts } } } }
           devices { edges { cursor node { deviceId } } }
           locations(first: 100) { edges { cursor node { id cursor deviceId latitude longitude clientId } } } }`,
      )
    ).data;

  beforeAll(async () => {
    server = await startTestServer();
    victim = await server.key();
    attacker = await server.key();
    const second = await server.key({ groupId: victim.groupId, scopes: ['locations:read'] });
    theirs.keyIds.push(victim.id, second.id);
    const webhook = await gql(
      server,
      victim,
      'mutation { createWebhook(input: { url: "http://127.0.0.1:9/hook" }) { webhook { id } } }',
    );
    theirs.webhookId = (webhook.data!.createWebhook as { webhook: { id: string } }).webhook.id;
    const reported = await gql(
      server,
      victim,
      'mutation($input: [LocationInput!]!) { reportLocations(input: $input) { id cursor } }',
      {
        input: Array.from({ length: 6 }, (_, i) => ({
          deviceId: `v-${i % 2}`,
          latitude: 48.1 + i / 100,
          longitude: 11.5,
          recordedAt: minutesAgo(10 - i),
          clientId: `c-${i}`,
        })),
      },
    );
    for (const location of reported.data!.reportLocations as { id: string; cursor: string }[]) {
      theirs.locationIds.push(location.id);
      theirs.locationCursors.push(location.cursor);
    }
    const view = (await victimView()) as {
      webhooks: { deliveries: { edges: { node: { id: string } }[] } }[];
      devices: { edges: { cursor: string }[] };
      locations: { edges: { cursor: string }[] };
    };
    theirs.deliveryIds = view.webhooks[0]!.deliveries.edges.map((e) => e.node.id);
    theirs.deviceCursors = view.devices.edges.map((e) => e.cursor);
    theirs.historyCursors = view.locations.edges.map((e) => e.cursor);
    expect(theirs.deliveryIds).toHaveLength(6);
    expect(theirs.deviceCursors).toHaveLength(2);
    snapshot = await victimView();
  });
  afterAll(() => server?.stop());

  /** Real ids of every kind, plus guesses: the same ids altered, fresh UUIDs, junk. */
  const guesses = () => {
    const real = [...theirs.keyIds, theirs.webhookId, ...theirs.deliveryIds, ...theirs.locationIds];
    const altered = real.map((id) => id.slice(0, -1) + (id.endsWith('0') ? '1' : '0'));
    return [
      ...real,
      ...altered,
      randomUUID(),
      randomUUID(),
      '00000000-0000-0000-0000-000000000000',
      '1',
      'd2ViaG9vazox',
      '',
    ];
  };

  it('reads nothing of theirs: devices, locations, webhooks, deliveries and keys are empty or not found', async () => {
    const lists = await gql(
      server,
      attacker,
      `{ viewer { id group { id } } apiKeys { id } webhooks { id }
         devices { edges { node { deviceId } } } locations(first: 100) { edges { node { id } } } }`,
    );
    expect(lists.errors).toBeUndefined();
    expect(lists.data).toEqual({
      viewer: { id: attacker.id, group: { id: attacker.groupId } },
      apiKeys: [{ id: attacker.id }],
      webhooks: [],
      devices: { edges: [] },
      locations: { edges: [] },
    });
    for (const deviceId of ['v-0', 'v-1']) {
      const device = await gql(server, attacker, 'query($d: String!) { device(deviceId: $d) { deviceId } }', {
        d: deviceId,
      });
      expect(device.data).toEqual({ device: null });
      const located = await gql(
        server,
        attacker,
        'query($d: String) { locations(deviceId: $d) { edges { node { id } } } }',
        { d: deviceId },
      );
      expect(located.data).toEqual({ locations: { edges: [] } });
    }
    // Their cursors open nothing: pages before and after them are empty.
    for (const cursor of theirs.historyCursors) {
      for (const arg of ['after', 'before']) {
        const page = await gql(
          server,
          attacker,
          `query($c: String) { locations(${arg}: $c) { edges { node { id } } } }`,
          { c: cursor },
        );
        expect(page.data, `${arg} ${cursor}`).toEqual({ locations: { edges: [] } });
      }
    }
    for (const cursor of theirs.deviceCursors) {
      for (const arg of ['after', 'before']) {
        const page = await gql(
          server,
          attacker,
          `query($c: String) { devices(${arg}: $c) { edges { node { deviceId } } } }`,
          { c: cursor },
        );
        expect(page.data, `${arg} ${cursor}`).toEqual({ devices: { edges: [] } });
      }
    }
    for (const id of guesses()) {
      const webhook = await gql(server, attacker, 'query($id: ID!) { webhook(id: $id) { id url } }', { id });
      expect(webhook.data, id).toBeNull();
      expect(
        webhook.errors?.map((e) => e.extensions?.code),
        id,
      ).toEqual(['NOT_FOUND']);
    }
  });

  it('changes nothing of theirs: every mutation on their webhooks, deliveries and keys is NOT_FOUND', async () => {
    const mutations = [
      'mutation($id: ID!) { updateWebhook(id: $id, input: { url: "http://127.0.0.1:9/stolen", active: false }) { id } }',
      'mutation($id: ID!) { deleteWebhook(id: $id) { id } }',
      'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }',
      'mutation($id: ID!) { testWebhook(id: $id) { id } }',
      `mutation($id: ID!) { replayWebhookDeliveries(id: $id, from: "${minutesAgo(60)}") { replayed } }`,
      'mutation($id: ID!) { redeliverWebhookDelivery(id: $id) { id payload } }',
      'mutation($id: ID!) { revokeApiKey(id: $id) { id } }',
      'mutation($id: ID!) { rotateApiKey(id: $id) { key } }',
    ];
    for (const mutation of mutations) {
      for (const id of guesses()) {
        const answer = await gql(server, attacker, mutation, { id });
        const where = `${mutation.slice(11, 40)} ${id}`;
        expect(answer.data, `${where} ${JSON.stringify(answer.errors)}`).toBeNull();
        expect(
          answer.errors?.map((e) => e.extensions?.code),
          where,
        ).toEqual(['NOT_FOUND']);
      }
    }
    expect(await victimView()).toEqual(snapshot);
  });

  it('gets its own location for a device id and clientId they also use, never theirs', async () => {
    const answer = await gql(
      server,
      attacker,
      'mutation($input: LocationInput!) { reportLocation(input: $input) { id deviceId latitude clientId } }',
      { input: { deviceId: 'v-0', clientId: 'c-0', latitude: 1, longitude: 2, recordedAt: minutesAgo(1) } },
    );
    const location = answer.data!.reportLocation as { id: string; latitude: number };
    expect(theirs.locationIds).not.toContain(location.id);
    expect(location.latitude).toBe(1);
    // Their device of the same name still has only their six fixes.
    expect(await victimView()).toEqual(snapshot);
    const ours = await gql(server, attacker, '{ locations { edges { node { id } } } }');
    expect(ours.data).toEqual({ locations: { edges: [{ node: { id: location.id } }] } });
  });

  it('receives none of their locations on its webhooks, even one filtered to their device ids', async () => {
    const all = await gql(
      server,
      attacker,
      'mutation { createWebhook(input: { url: "http://127.0.0.1:9/a" }) { webhook { id } } }',
    );
    const filtered = await gql(
      server,
      attacker,
      'mutation { createWebhook(input: { url: "http://127.0.0.1:9/b", deviceIds: ["v-0", "v-1"] }) { webhook { id } } }',
    );
    expect(all.errors ?? filtered.errors).toBeUndefined();
    await gql(server, victim, 'mutation($input: LocationInput!) { reportLocation(input: $input) { id } }', {
      input: { deviceId: 'v-1', latitude: 48.2, longitude: 11.6, recordedAt: minutesAgo(0.5) },
    });
    const hooks = await gql(server, attacker, '{ webhooks { deliveries { edges { node { id } } } } }');
    expect(hooks.data).toEqual({ webhooks: [{ deliveries: { edges: [] } }, { deliveries: { edges: [] } }] });
    snapshot = await victimView();
  });

  it.each(TRANSPORTS)(
    'streams none of their locations over %s, whatever device or cursor it names',
    async (transport) => {
      const query =
        'subscription($after: String, $deviceId: String) { locationUpdates(after: $after, deviceId: $deviceId) { id deviceId } }';
      const subscriptions = [
        subscribe(transport, server.url, attacker.key, query, {}),
        subscribe(transport, server.url, attacker.key, query, { deviceId: 'v-0' }),
        subscribe(transport, server.url, attacker.key, query, { deviceId: 'v-1' }),
      ];
      // A resume cursor of theirs replays only the attacker's own locations after that position.
      const resumed = subscribe(transport, server.url, attacker.key, query, {
        after: theirs.locationCursors[0],
      });
      // The victim's own stream is the control: it must see what they report.
      const control = subscribe(transport, server.url, victim.key, query, {});
      await new Promise((resolve) => setTimeout(resolve, 500));
      const reported = await gql(
        server,
        victim,
        'mutation($input: LocationInput!) { reportLocation(input: $input) { id } }',
        {
          input: { deviceId: 'v-0', latitude: 48.3, longitude: 11.7, recordedAt: minutesAgo(0.1) },
        },
      );
      const id = (reported.data!.reportLocation as { id: string }).id;
      const [event] = await control.waitFor(1);
      expect((event!.data!.locationUpdates as { id: string }).id).toBe(id);
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const subscription of subscriptions) expect(subscription.results).toEqual([]);
      for (const result of resumed.results) {
        const location = result.data?.locationUpdates as { id: string } | undefined;
        expect(theirs.locationIds).not.toContain(location?.id);
        expect(location?.id).not.toBe(id);
      }
      await Promise.all([...subscriptions, resumed, control].map((s) => s.close()));
      snapshot = await victimView();
    },
  );

  it('cannot grant itself more than it has, nor reach them with a key it creates', async () => {
    const reader = await server.key({ groupId: attacker.groupId, scopes: ['keys:manage'] });
    const escalated = await gql(
      server,
      reader,
      'mutation { createApiKey(input: { name: "x", scopes: [LOCATIONS_READ, WEBHOOKS_MANAGE] }) { key } }',
    );
    expect(escalated.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const created = await gql(
      server,
      attacker,
      'mutation { createApiKey(input: { name: "x", scopes: [LOCATIONS_READ] }) { key apiKey { group { id } } } }',
    );
    const payload = created.data!.createApiKey as { key: string; apiKey: { group: { id: string } } };
    expect(payload.apiKey.group.id).toBe(attacker.groupId);
    const fresh: TestKey = { ...attacker, key: payload.key };
    const seen = await gql(server, fresh, '{ devices { edges { node { deviceId } } } }');
    expect(seen.data).toEqual({ devices: { edges: [{ node: { deviceId: 'v-0' } }] } }); // the attacker's own v-0
    const located = await gql(server, fresh, '{ locations { edges { node { id } } } }');
    for (const edge of (located.data!.locations as { edges: { node: { id: string } }[] }).edges) {
      expect(theirs.locationIds).not.toContain(edge.node.id);
    }
    expect(await victimView()).toEqual(snapshot);
    // A read-only key of theirs cannot manage anything of its own group either.
    const readOnly = await server.key({ groupId: victim.groupId, scopes: ['locations:read'] });
    const refused = await gql(server, readOnly, 'mutation($id: ID!) { deleteWebhook(id: $id) { id } }', {
      id: theirs.webhookId,
    });
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});
