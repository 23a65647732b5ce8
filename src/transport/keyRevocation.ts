// Ends every subscription, on every transport, when the key that started it is revoked
// or expires: the stream gets one UNAUTHENTICATED error, then completes. (WebSockets are
// also closed with 4403, see websocket.ts.) It hooks into envelop's subscribe, which
// Yoga's SSE, graphql-sse and WebSocket all go through.
import { type ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { KeySessions } from '../auth/keySessions.ts';
import type { Context } from '../schema/context.ts';

const revoked = () =>
  new GraphQLError('The API key of this subscription was revoked or has expired.', {
    extensions: { code: 'UNAUTHENTICATED' },
  });

export function useKeyRevocation(sessions: KeySessions): Plugin<Context> {
  return {
    onSubscribe: ({ args }) => ({
      onSubscribeResult: ({ result, setResult }) => {
        if (!(Symbol.asyncIterator in result)) return;
        const { keyId } = (args.contextValue as Context).principal;
        setResult(endWhenRevoked(result, (end) => sessions.add(keyId, end)));
      },
    }),
  };
}

/**
 * The stream until `register`'s callback runs; then one error result, and done.
 *
 * A waiting next() is answered by whichever comes first, the source's next item or the
 * revocation, without Promise.race on a long-lived promise: each race would leave a
 * reaction on it that lives as long as the stream (every event of a long subscription
 * would add one).
 */
export function endWhenRevoked(
  source: AsyncIterable<ExecutionResult>,
  register: (end: () => void) => () => void,
): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  let state: 'open' | 'revoked' | 'done' = 'open';
  /** Answers the next() in progress, if any. */
  let answer: ((step: IteratorResult<ExecutionResult>) => void) | undefined;
  const revokedResult = (): IteratorResult<ExecutionResult> => {
    state = 'done';
    return { done: false, value: { errors: [revoked()] } };
  };
  const unregister = register(() => {
    if (state !== 'open') return;
    state = 'revoked';
    unregister();
    if (answer) {
      const waiting = answer;
      answer = undefined;
      waiting(revokedResult());
    }
    void iterator.return?.();
  });
  const finish = async () => {
    if (state === 'open') unregister();
    state = 'done';
    await iterator.return?.();
    return { done: true as const, value: undefined };
  };
  return {
    next: () => {
      if (state === 'revoked') return Promise.resolve(revokedResult());
      if (state === 'done') return Promise.resolve({ done: true, value: undefined });
      return new Promise<IteratorResult<ExecutionResult>>((resolve, reject) => {
        answer = resolve;
        iterator.next().then(
          (step) => {
            if (answer !== resolve) return; // revoked meanwhile: already answered
            answer = undefined;
            if (step.done) {
              if (state === 'open') unregister();
              state = 'done';
            }
            resolve(step);
          },
          (error: unknown) => {
            if (answer !== resolve) return;
            answer = undefined;
            reject(error);
          },
        );
      });
    },
    return: finish,
    throw: async (error) => {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
