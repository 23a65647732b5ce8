// Executes each subscription event once per distinct operation, not once per subscriber.
//
// graphql-js runs a subscription's selection set for every event and every subscriber.
// All streams of a group share the same event objects (see live/liveLocations.ts), and
// Yoga's parser cache hands identical queries the same document object, so the result
// for (event, document, variables, group) is the same for every subscriber that asked
// for it: compute it once and hand every one of them the same result object.
import { createSourceEventStream, type ExecutionArgs, type ExecutionResult, execute } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../schema/context.ts';

type Result = ExecutionResult | Promise<ExecutionResult>;

export function useSharedSubscriptionExecution(): Plugin<Context> {
  // Keyed by the event object: entries go away with the event.
  const results = new WeakMap<object, Map<string, Result>>();

  const executeEvent = (args: ExecutionArgs, key: string, event: unknown): Result => {
    if (typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
    let perEvent = results.get(event);
    if (!perEvent) {
      perEvent = new Map();
      results.set(event, perEvent);
    }
    let result = perEvent.get(key);
    if (!result) {
      result = execute({ ...args, rootValue: event });
      perEvent.set(key, result);
    }
    return result;
  };

  return {
    onSubscribe: ({ setSubscribeFn }) => {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const source = await createSourceEventStream(args);
        if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
        const iterator = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
        // Who may share this subscription's results: computed once, not per event.
        const { groupId } = (args.contextValue as Context).principal;
        // (join makes one flat string; a template literal would keep a tree of its parts.)
        const key = [
          groupId,
          documentId(args.document),
          args.operationName ?? '',
          JSON.stringify(args.variableValues ?? {}),
        ].join('\u0000');
        return new SharedResults(iterator, args, key, executeEvent);
      });
    },
  };
}

/**
 * A subscription's results: each event of `source`, executed (shared). A class rather
 * than an async generator, so that return() reaches the source at once, even while a
 * next() is still waiting for an event; and rather than an object of closures, which
 * every idle subscriber would hold its own copies of.
 */
class SharedResults implements AsyncIterableIterator<ExecutionResult> {
  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly args: ExecutionArgs,
    /** Who may share a result (see useSharedSubscriptionExecution). */
    private readonly key: string,
    private readonly executeEvent: (args: ExecutionArgs, key: string, event: unknown) => Result,
  ) {}

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.source
      .next()
      .then(async (step) =>
        step.done ? step : { done: false, value: await this.executeEvent(this.args, this.key, step.value) },
      );
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    throw error;
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

// Documents are compared by identity (Yoga's parser cache reuses them); give each an id.
const documentIds = new WeakMap<object, number>();
let nextDocumentId = 0;
function documentId(document: object): number {
  let id = documentIds.get(document);
  if (id === undefined) {
    id = ++nextDocumentId;
    documentIds.set(document, id);
  }
  return id;
}
