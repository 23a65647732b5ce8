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

/** The stream until `register`'s callback runs; then one error result, and done. */
function endWhenRevoked(
  source: AsyncIterable<ExecutionResult>,
  register: (end: () => void) => () => void,
): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  let state: 'open' | 'revoked' | 'done' = 'open';
  let wake: (() => void) | undefined;
  const revokedSignal = new Promise<'revoked'>((resolve) => {
    wake = () => resolve('revoked');
  });
  const unregister = register(() => {
    if (state !== 'open') return;
    state = 'revoked';
    unregister();
    wake?.();
    void iterator.return?.();
  });
  const finish = async () => {
    if (state === 'open') unregister();
    state = 'done';
    await iterator.return?.();
    return { done: true as const, value: undefined };
  };
  return {
    next: async () => {
      if (state === 'open') {
        const step = await Promise.race([iterator.next(), revokedSignal]);
        if (step !== 'revoked') {
          if (step.done) {
            if (state === 'open') unregister();
            state = 'done';
          }
          return step;
        }
      }
      if (state === 'revoked') {
        state = 'done';
        return { done: false, value: { errors: [revoked()] } };
      }
      return { done: true, value: undefined };
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
