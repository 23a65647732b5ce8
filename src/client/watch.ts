// watch(): `locationUpdates` over graphql-sse or graphql-ws, kept alive across
// disconnects. It remembers the cursor of the last location it handed over and, whenever
// a stream ends, subscribes again with `after` (backing off), so the server replays what
// was missed: no gap, no duplicate. Without an `after` to start from it first reads the
// stream's position (Group.streamCursor), so it always has a cursor. The protocol
// clients' own retries are off: they would resubscribe with the old `after`.
import { createClient as createSseClient, NetworkError } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { LocationUpdates, StreamCursor } from './documents.ts';
import { fromHttpResponse, fromServerErrors, GoFindMeError, networkError } from './errors.ts';
import type {
  ClientLocationUpdatesSubscription,
  ClientLocationUpdatesSubscriptionVariables,
  ClientStreamCursorQuery,
} from './gql/graphql.ts';
import { type HttpEndpoint, postGraphQL } from './http.ts';
import { type RetryOptions, retryDelay } from './retry.ts';

export type LiveLocation = ClientLocationUpdatesSubscription['locationUpdates'];

/** connecting → connected → (reconnecting → connecting → connected)* → closed */
export type WatchStatus = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface WatchOptions {
  /** Only this device's locations. */
  deviceId?: string;
  /** Start after this `Location.cursor` (replaying what came since) instead of live. */
  after?: string;
  onLocation: (location: LiveLocation) => void;
  /** Errors a retry cannot fix (the watch is then closed), and CURSOR_EXPIRED (it continues live). */
  onError?: (error: GoFindMeError) => void;
  /** With `reconnecting`, the error that ended the stream. */
  onStatus?: (status: WatchStatus, error?: GoFindMeError) => void;
}

export interface StreamEndpoint extends HttpEndpoint {
  /** A connection silent for this long is taken for dead. */
  idleTimeoutMs: number;
  transport: 'sse' | 'ws';
  fetch: typeof fetch;
  webSocketImpl: unknown;
  retry: RetryOptions;
}

interface StreamResult {
  data?: ClientLocationUpdatesSubscription | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

interface StreamHandlers {
  connected(): void;
  result(result: StreamResult): void;
  /** Called at most once. */
  ended(error: GoFindMeError): void;
}

/** Opens one stream; returns what closes it. */
type OpenStream = (
  variables: ClientLocationUpdatesSubscriptionVariables,
  handlers: StreamHandlers,
) => () => void;

/** Starts watching; returns what stops it. */
export function watchLocations(endpoint: StreamEndpoint, options: WatchOptions): () => void {
  const open = endpoint.transport === 'ws' ? webSocketStream(endpoint) : sseStream(endpoint);
  let after = options.after;
  let attempt = 0;
  let closeStream: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    closeStream?.();
    options.onStatus?.('closed');
  };

  const connect = () => {
    let ended = false;
    options.onStatus?.('connecting');
    const end = (error: GoFindMeError) => {
      if (ended || stopped) return;
      ended = true;
      closeStream?.();
      if (error.code === 'CURSOR_EXPIRED') {
        // What came after `after` is partly deleted: say so, and go on live from now.
        options.onError?.(error);
        after = undefined;
        return connect();
      }
      if (!error.retryable) {
        options.onError?.(error);
        return stop();
      }
      options.onStatus?.('reconnecting', error);
      timer = setTimeout(connect, retryDelay(attempt++, endpoint.retry, error.retryAfterMs));
    };
    const subscribe = () => {
      const close = open(
        { deviceId: options.deviceId, after },
        {
          connected: () => {
            if (!ended) options.onStatus?.('connected');
          },
          result: (result) => {
            if (ended) return;
            if (result.errors?.length) return end(fromServerErrors(result.errors));
            const location = result.data?.locationUpdates;
            if (!location) return;
            after = location.cursor;
            attempt = 0;
            options.onLocation(location);
          },
          ended: end,
        },
      );
      closeStream = () => {
        ended = true;
        close();
      };
    };
    if (after !== undefined) return subscribe();
    // Without a cursor a reconnect could only go on live and skip what came meanwhile:
    // start from the stream's position now, so that there always is one to resume from.
    postGraphQL<ClientStreamCursorQuery>(endpoint, StreamCursor.toString(), {}).then(
      (data) => {
        if (ended || stopped) return;
        after = data.viewer.group.streamCursor ?? undefined;
        if (after === undefined)
          return end(new GoFindMeError('FORBIDDEN', 'This key may not read locations'));
        subscribe();
      },
      (error: GoFindMeError) => end(error),
    );
  };

  connect();
  return stop;
}

/** graphql-sse in "distinct connections" mode on <url>/stream, one request per stream. */
function sseStream(endpoint: StreamEndpoint): OpenStream {
  const url = endpoint.url.replace(/\/?$/, '/stream');
  const target = `stream ${url}`;
  return (variables, handlers) => {
    const client = createSseClient({
      url,
      headers: { 'x-api-key': endpoint.apiKey },
      fetchFn: withIdleTimeout(endpoint.fetch, endpoint.idleTimeoutMs),
      retryAttempts: 0,
    });
    const unsubscribe = client.subscribe<ClientLocationUpdatesSubscription>(
      { query: LocationUpdates.toString(), variables },
      {
        next: (result) => handlers.result(result),
        error: (error) => {
          const response =
            error instanceof NetworkError ? (error.response as Response | undefined) : undefined;
          if (response) void fromHttpResponse(response, target).then(handlers.ended);
          else handlers.ended(networkError(target, error));
        },
        complete: () => handlers.ended(new GoFindMeError('NETWORK_ERROR', `${target} ended`)),
      },
      { connected: () => handlers.connected() },
    );
    return () => {
      unsubscribe();
      client.dispose();
    };
  };
}

/** graphql-ws on ws(s)://…/graphql, one connection per stream. */
function webSocketStream(endpoint: StreamEndpoint): OpenStream {
  const url = endpoint.url.replace(/^http/, 'ws');
  const target = `WebSocket ${url}`;
  return (variables, handlers) => {
    let ended = false;
    const end = (error: GoFindMeError) => {
      if (ended) return;
      ended = true;
      handlers.ended(error);
    };
    // Pings at half the idle timeout; a pong that does not come within the other half
    // means the connection is dead: close it (4408, a timeout, is retried).
    let socket: { readyState: number; close(code: number, reason: string): void } | undefined;
    let pongDue: ReturnType<typeof setTimeout> | undefined;
    const client = createWsClient({
      url,
      webSocketImpl: endpoint.webSocketImpl,
      connectionParams: { apiKey: endpoint.apiKey },
      retryAttempts: 0,
      keepAlive: endpoint.idleTimeoutMs / 2,
      connectionAckWaitTimeout: endpoint.idleTimeoutMs,
      on: {
        ping: (received) => {
          if (received) return;
          clearTimeout(pongDue);
          pongDue = setTimeout(() => {
            if (socket?.readyState === 1) socket.close(4408, 'No pong: the connection is dead');
            end(new GoFindMeError('NETWORK_ERROR', `${target}: no answer to a ping`));
          }, endpoint.idleTimeoutMs / 2);
        },
        pong: (received) => {
          if (received) clearTimeout(pongDue);
        },
        connected: (connected) => {
          clearTimeout(connectDue);
          socket = connected as typeof socket;
          handlers.connected();
        },
        // Also ends the stream where graphql-ws would silently reconnect (a close with 1000).
        closed: (event) => end(closeError(target, event as CloseEventLike)),
      },
    });
    const unsubscribe = client.subscribe<ClientLocationUpdatesSubscription>(
      { query: LocationUpdates.toString(), variables },
      {
        next: (result) => handlers.result(result),
        error: (error) => {
          if (Array.isArray(error)) end(fromServerErrors(error));
          else if (isCloseEvent(error)) end(closeError(target, error));
          else end(networkError(target, error));
        },
        complete: () => end(new GoFindMeError('NETWORK_ERROR', `${target}: the stream ended`)),
      },
    );
    // A handshake that hangs (the network went silent) counts as a lost connection too.
    const connectDue = setTimeout(
      () =>
        end(
          new GoFindMeError('NETWORK_ERROR', `${target}: not connected within ${endpoint.idleTimeoutMs} ms`),
        ),
      endpoint.idleTimeoutMs,
    );
    return () => {
      ended = true;
      clearTimeout(connectDue);
      clearTimeout(pongDue);
      unsubscribe();
      // dispose() waits for a connection attempt that may have failed: that failure is reported already.
      Promise.resolve(client.dispose()).catch(() => {});
    };
  };
}

interface CloseEventLike {
  code: number;
  reason: string;
}

const isCloseEvent = (value: unknown): value is CloseEventLike =>
  typeof value === 'object' && value !== null && typeof (value as CloseEventLike).code === 'number';

/**
 * 4403 is graphql-ws's answer to a refused key; the other 44xx codes say the request was
 * wrong and would be again (except 4408 and 4499, timeouts); anything else is a lost connection.
 */
function closeError(target: string, event: CloseEventLike): GoFindMeError {
  const what = `${target} closed with ${event.code}${event.reason ? ` ${event.reason}` : ''}`;
  if (event.code === 4403) return new GoFindMeError('UNAUTHENTICATED', `${what}: the key was refused`);
  if (event.code >= 4400 && event.code < 4500 && event.code !== 4408 && event.code !== 4499) {
    return new GoFindMeError('BAD_REQUEST', what);
  }
  return new GoFindMeError('NETWORK_ERROR', what);
}

/**
 * A fetch whose event streams fail when no bytes arrive for `idleMs`: the server sends a
 * comment line every 12 s, so silence means the connection died without telling anyone.
 * (Aborting the answered request would not stop its body in every runtime: the stream
 * is wrapped instead.)
 */
function withIdleTimeout(fetchImpl: typeof fetch, idleMs: number): typeof fetch {
  return async (input, init) => {
    // Also an answer that does not start within that time (a connection that hangs).
    const answered = new AbortController();
    const noAnswer = setTimeout(() => answered.abort(new Error(`no answer within ${idleMs} ms`)), idleMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, answered.signal]) : answered.signal;
    const response = await fetchImpl(input, { ...init, signal }).finally(() => clearTimeout(noAnswer));
    if (!response.body || !response.headers.get('content-type')?.includes('text/event-stream')) {
      return response;
    }
    const reader = response.body.getReader();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let dead = false;
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        timer = setTimeout(() => {
          dead = true;
          controller.error(new Error(`nothing received for ${idleMs} ms: the connection is dead`));
          reader.cancel().catch(() => {});
        }, idleMs);
        try {
          const { done, value } = await reader.read();
          clearTimeout(timer);
          if (dead) return;
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          clearTimeout(timer);
          if (!dead) controller.error(error);
        }
      },
      cancel: (reason) => {
        clearTimeout(timer);
        return reader.cancel(reason);
      },
    });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
