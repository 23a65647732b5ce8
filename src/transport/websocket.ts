// GraphQL over WebSocket (graphql-ws protocol, `graphql-transport-ws`) on /graphql.
// The key comes in connection_init as `connectionParams.apiKey`; a bad key closes
// the socket with 4403 before any operation runs. The key is checked again for every
// operation, and the socket is closed with 4403 as soon as its key is revoked or
// expires. Operations then run through Yoga, with the same context factory as HTTP and SSE.
import type { Server } from 'node:http';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { ApiKeyService, Principal } from '../auth/apiKeys.ts';
import type { Logger } from '../observability/logger.ts';
import { withCode } from '../schema/errors.ts';
import { gateOperationIds, OperationTracker } from './wsOperations.ts';
import type { Yoga } from './yoga.ts';

/** Largest message a client may send (operations are small). */
const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Ping interval; a socket that does not answer with a pong in time is closed. */
const KEEPALIVE_MS = 12_000;

/** graphql-ws's close code for a refused key. */
const FORBIDDEN = 4403;

interface Enveloped {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
  operations: OperationTracker;
}

interface SocketState {
  /** The key as sent in connection_init: authenticated again for every operation. */
  apiKey: string;
  operations: OperationTracker;
}

export function attachWebSocket(
  server: Server,
  yoga: Yoga,
  apiKeys: ApiKeyService,
  logger: Logger,
  options: { maxOperationsPerConnection: number },
) {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: MAX_PAYLOAD_BYTES });
  const sockets = new WeakMap<object, SocketState>();
  // Installed before graphql-ws's own listeners (this handler is registered first).
  wss.on('connection', (socket) => {
    const gated = gateOperationIds(socket);
    socket.emit = (event: string | symbol, ...args: unknown[]) => {
      // A client's protocol violation (a frame over maxPayload, an invalid frame) makes ws
      // close the socket with the right code (1009, 1002) and then emit 'error', which
      // graphql-ws prints to stderr as an internal error. It is the client's: log it at debug.
      const code = (args[0] as { code?: unknown } | undefined)?.code;
      if (event === 'error' && typeof code === 'string' && code.startsWith('WS_ERR_')) {
        logger.debug({ code }, 'websocket client sent an invalid frame');
        return true;
      }
      return gated(event, ...args);
    };
  });
  const refuse = (socket: { close(code: number, reason: string): void }) =>
    socket.close(FORBIDDEN, 'Forbidden: the API key is revoked or expired');
  useServer(
    {
      isProd: true,
      onConnect: async (ctx) => {
        const apiKey = ctx.connectionParams?.apiKey;
        let principal: Principal;
        try {
          principal = await apiKeys.authenticate(typeof apiKey === 'string' ? apiKey : null);
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
        const { socket } = ctx.extra;
        // graphql-ws keeps the upgrade request (headers, raw headers, stream state: about 1 KiB)
        // in every connection's context for as long as it is open; nothing here reads it again.
        (ctx.extra as { request?: unknown }).request = undefined;
        const operations = new OperationTracker();
        sockets.set(socket, { apiKey: apiKey as string, operations });
        // Its subscriptions each get an UNAUTHENTICATED error first (live/streams.ts), then it closes.
        const endSession = apiKeys.sessions.add(principal.keyId, () => {
          setTimeout(() => refuse(socket), 100).unref();
        });
        // 'close' comes once: a plain listener (once() would add a wrapper per socket).
        socket.on('close', () => {
          endSession();
          void operations.closeAll();
        });
        return true;
      },
      execute: (args) => (args.rootValue as Enveloped).execute(args) as never,
      subscribe: async (args) => {
        const { subscribe, operations } = args.rootValue as Enveloped;
        const result = await subscribe(args);
        return (isAsyncIterable(result) ? operations.track(result) : result) as never;
      },
      onSubscribe: async (ctx, _id, payload) => {
        // ctx.subscriptions already holds this one.
        if (Object.keys(ctx.subscriptions).length > options.maxOperationsPerConnection) {
          return [
            new GraphQLError(
              `At most ${options.maxOperationsPerConnection} operations may run at once on one connection (WS_MAX_OPERATIONS_PER_CONNECTION)`,
              { extensions: { code: 'RATE_LIMITED' } },
            ),
          ];
        }
        const state = sockets.get(ctx.extra.socket);
        // Every operation runs with a key that is valid now, not only when the socket opened.
        let principal: Principal;
        try {
          principal = await apiKeys.authenticate(state?.apiKey);
        } catch (error) {
          refuse(ctx.extra.socket);
          return [new GraphQLError((error as Error).message, { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          principal,
          transport: 'websocket',
          params: payload,
        });
        let document: ReturnType<typeof parse>;
        try {
          document = parse(payload.query);
        } catch (error) {
          // A syntax error is the client's: an error message, not an internal-error close (4500).
          if (!(error instanceof GraphQLError)) throw error;
          return [withCode(error, 'GRAPHQL_PARSE_FAILED')];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe, operations: state!.operations } satisfies Enveloped,
        };
      },
      onError: (_ctx, _id, _payload, errors) => {
        logger.debug({ errors: errors.map((e) => e.message) }, 'websocket operation failed');
      },
    },
    wss,
    KEEPALIVE_MS,
  );
  return {
    wss,
    /** Closes every socket with 1001 (going away) and stops accepting new ones. */
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.close(1001, 'Server shutting down');
        wss.close(() => resolve());
        setTimeout(() => {
          for (const client of wss.clients) client.terminate();
        }, 1000).unref();
      }),
  };
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
