// Executes each subscription event once per distinct operation, not once per subscriber,
// and hands the result stream to the transport without per-event wrappers.
//
// graphql-js runs a subscription's selection set for every event and every subscriber.
// All streams of a group share the same event objects (see live/streams.ts), and
// Yoga's parser cache hands identical queries the same document object, so the result
// for (event, document, variables, group) is the same for every subscriber that asked
// for it: compute it once, mask its errors once, and hand every one of them the same
// result object.
//
// This plugin is the subscribe step: it sets the result and stops the onSubscribe hooks
// of the plugins after it, Yoga's error masking among them. That masking wraps every
// subscriber's stream in two more async iterators (envelop's onNext mapping and its error
// mapping), which allocated about 4.7 KB per subscriber and event, 40% of what the
// server allocated fanning an event out to 1,000 WebSocket subscribers. The errors are
// masked here instead, with the same function (`maskError`), once per shared result.
import {
  createSourceEventStream,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  type GraphQLError,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../schema/context.ts';

type Result = ExecutionResult | Promise<ExecutionResult>;

/** What Yoga's `maskedErrors.maskError` does with an error a client is about to see. */
export type MaskError = (error: unknown) => Error;

export function useSharedSubscriptionExecution(maskError: MaskError): Plugin<Context> {
  // Keyed by the event object: entries go away with the event.
  const results = new WeakMap<object, Map<string, Result>>();

  const masked = (result: ExecutionResult): ExecutionResult =>
    result.errors?.length
      ? { ...result, errors: result.errors.map((error) => maskError(error) as GraphQLError) }
      : result;
  const run = (args: ExecutionArgs, event: unknown): Result => {
    const result = execute({ ...args, rootValue: event });
    return result instanceof Promise ? result.then(masked) : masked(result);
  };

  const executeEvent = (args: ExecutionArgs, key: string, event: unknown): Result => {
    if (typeof event !== 'object' || event === null) return run(args, event);
    let perEvent = results.get(event);
    if (!perEvent) {
      perEvent = new Map();
      results.set(event, perEvent);
    }
    let result = perEvent.get(key);
    if (!result) {
      result = run(args, event);
      perEvent.set(key, result);
    }
    return result;
  };

  const subscribe = async (args: ExecutionArgs): Promise<ExecutionResult | SharedResults> => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return masked(source as ExecutionResult);
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
    return new SharedResults(iterator, args, key, executeEvent, maskError);
  };

  return {
    onSubscribe: ({ args, setResultAndStopExecution }) => {
      // A promise is taken as the result too (envelop waits for it).
      setResultAndStopExecution(subscribe(args) as never);
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
    private readonly maskError: MaskError,
  ) {}

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.source.next().then(
      (step) => {
        if (step.done) return step;
        const result = this.executeEvent(this.args, this.key, step.value);
        // (No async function here: its extra promise per subscriber and event adds up.)
        return result instanceof Promise
          ? result.then((value) => ({ done: false, value }))
          : { done: false, value: result };
      },
      (error: unknown) => {
        // A stream that fails (rather than yielding the error that ends it) is unexpected.
        throw isAbortError(error) ? error : this.maskError(error);
      },
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

/** A request aborted or timed out: not an error to mask (Yoga's own test, which it does not export). */
const isAbortError = (error: unknown) =>
  error instanceof DOMException && (error.name === 'AbortError' || error.name === 'TimeoutError');

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
