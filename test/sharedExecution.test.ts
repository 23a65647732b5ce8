// Subscription results are executed and masked once per event and operation, however many
// subscribers share them (transport/sharedExecution.ts), and what the clients see is what
// Yoga's error masking shows for queries: codes for the client's errors, "Unexpected
// error." for the rest.
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.ts';
import { toClientError } from '../src/schema/errors.ts';
import { useSharedSubscriptionExecution } from '../src/transport/sharedExecution.ts';

// The same event objects for every subscriber, as the live streams' hubs hand them out.
const EVENTS = [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }];

function server() {
  const unexpected: unknown[] = [];
  const maskError = (error: unknown) => toClientError(error, (original) => unexpected.push(original));
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        type Query { ok: Boolean }
        type Subscription { ticks: Int! broken: Int! }
      `,
      resolvers: {
        Subscription: {
          ticks: {
            subscribe: async function* () {
              yield* EVENTS;
            },
            resolve: (event: { n: number }) => {
              if (event.n === 2) throw new Error('connection string postgres://secret@db');
              if (event.n === 3) throw new AppError('FORBIDDEN', 'Not yours');
              return event.n;
            },
          },
          broken: {
            subscribe: () => {
              throw new Error('redis://secret@cache is down');
            },
          },
        },
      },
    }),
    context: () => ({ principal: { groupId: 'group-1' } }),
    maskedErrors: { isDev: false, maskError },
    plugins: [useSharedSubscriptionExecution(maskError)],
  });
  return { yoga, unexpected };
}

/** The `next` payloads of one subscription over Yoga's SSE, until it completes. */
async function subscribe(yoga: ReturnType<typeof server>['yoga']) {
  const response = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: 'subscription { ticks }' }),
  });
  expect(response.status).toBe(200);
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: next'))
    .map((block) => JSON.parse(block.split('\ndata: ')[1]!) as Record<string, unknown>);
}

describe('shared subscription execution', () => {
  it('masks each event’s errors once for all its subscribers, as Yoga masks a query’s', async () => {
    const { yoga, unexpected } = server();
    const [first, second] = await Promise.all([subscribe(yoga), subscribe(yoga)]);
    for (const payloads of [first, second]) {
      expect(payloads).toHaveLength(4);
      expect(payloads[0]).toEqual({ data: { ticks: 1 } });
      expect(payloads[1]).toMatchObject({ data: null, errors: [{ message: 'Unexpected error.' }] });
      expect(JSON.stringify(payloads[1])).not.toContain('secret');
      expect(payloads[2]).toMatchObject({
        data: null,
        errors: [{ message: 'Not yours', path: ['ticks'], extensions: { code: 'FORBIDDEN' } }],
      });
      expect(payloads[3]).toEqual({ data: { ticks: 4 } });
    }
    // Both subscribers got the same masked result: the unexpected error was seen (and
    // logged) once, not once per subscriber.
    expect(unexpected).toHaveLength(1);
    expect(String(unexpected[0])).toContain('postgres://secret@db');
  });

  it('masks the errors of a subscription that cannot start', async () => {
    const { yoga, unexpected } = server();
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { broken }' }),
    });
    const text = await response.text();
    expect(text).toContain('"message":"Unexpected error."');
    expect(text).not.toContain('secret');
    expect(unexpected).toHaveLength(1);
  });
});
