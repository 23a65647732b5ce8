// The graphql-sse protocol (https://github.com/enisdenjo/graphql-sse/blob/master/PROTOCOL.md)
// on its own path, both modes, run through Yoga's envelop so that limits, rate limits,
// masking, the shared context and key revocation apply as on every other transport.
//
// We serve the protocol ourselves rather than with graphql-sse's handler (2.6.1), which
// reads every result of an operation as fast as it comes and queues it in memory without
// a bound (a client that stops reading grows the server without end, and the live
// stream's own SLOW_CONSUMER bound never triggers), keeps reservations forever, lets the
// client choose the stream token, and lets any key use any token. Here:
//
// - Results are pulled only when the client's connection takes them (back-pressure), so a
//   live subscription falls behind inside its own bounded buffer and ends with
//   SLOW_CONSUMER, as on every other transport. A reserved stream holds at most
//   `queueLimit` messages for all its operations, before and after it is opened.
// - Single-connection mode: the server chooses the token (PUT) and binds it to the key
//   that reserved it; any other key gets 404 for it. A reservation not opened within
//   `reservationTimeoutMs` is dropped with everything queued for it; a key may hold
//   `maxReservationsPerKey` of them, and one stream runs `maxOperations` at once.
// - Every refusal is a GraphQL error with a code; one before a stream opens gets the
//   status and headers /graphql would answer with (401 with WWW-Authenticate, 429 with
//   Retry-After, ...).
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { type ExecutionResult, GraphQLError, getOperationAST } from 'graphql';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';
import type { ApiKeyService, Principal } from '../auth/apiKeys.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../observability/logger.ts';
import { apiKeyFromHeaders } from '../schema/context.ts';
import { toClientError, withCode } from '../schema/errors.ts';

export const GRAPHQL_SSE_PATH = '/graphql/stream';
const TOKEN_HEADER = 'x-graphql-event-stream-token';
const KEEPALIVE_MS = 12_000;

/** Messages a reserved stream holds for its client; its operations wait while it is full. */
const QUEUE_LIMIT = 100;

export type GraphQLSseOptions = Pick<
  Config['live'],
  'reservationTimeoutMs' | 'maxReservationsPerKey' | 'maxOperationsPerConnection'
>;

interface Params {
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
}

type Result = ExecutionResult | AsyncIterable<ExecutionResult>;

/** One `event: …` message of the protocol. */
const message = (event: 'next' | 'complete', data: unknown) =>
  `event: ${event}\ndata:${data == null ? '' : ` ${JSON.stringify(data)}`}\n\n`;
const PING = ':\n\n';

/**
 * The messages of one event stream, in order, with a bound: producers wait for `room()`
 * before making the next message, and the HTTP response takes them as the client reads.
 */
class MessageQueue {
  private readonly items: string[] = [];
  private taker: ((item: string | undefined) => void) | undefined;
  private readonly waiting: (() => void)[] = [];
  private ended = false;

  constructor(private readonly limit: number) {}

  /** Resolves when one more message fits (false once the stream is over). */
  async room(): Promise<boolean> {
    while (!this.ended && this.items.length >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return !this.ended;
  }

  push(item: string): void {
    if (this.ended) return;
    if (this.taker) {
      const take = this.taker;
      this.taker = undefined;
      take(item);
    } else {
      this.items.push(item);
    }
  }

  /** A keep-alive comment, only when nothing else waits to be sent (so it never piles up). */
  ping(): void {
    if (this.items.length === 0) this.push(PING);
  }

  /** The next message; undefined once the stream is over and everything was taken. */
  take(): Promise<string | undefined> {
    const item = this.items.shift();
    if (item !== undefined) {
      this.waiting.shift()?.();
      return Promise.resolve(item);
    }
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.taker = resolve;
    });
  }

  /** No more messages: the client gets what is queued, then the end of the stream. */
  finish(): void {
    this.ended = true;
    if (this.items.length === 0) this.taker?.(undefined);
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Drops everything (the client is gone). */
  discard(): void {
    this.items.length = 0;
    this.finish();
  }
}

/** One running operation and how to stop it. */
class Operation {
  private iterator: AsyncIterator<ExecutionResult> | undefined;
  cancelled = false;

  constructor(
    readonly id: string | null,
    private readonly queue: MessageQueue,
    private readonly onNext: (result: ExecutionResult) => ExecutionResult,
  ) {}

  /** Sends the result(s) as `next` messages, then `complete`; each one only when it fits. */
  async run(result: Result, onError: (error: unknown) => ExecutionResult): Promise<void> {
    const send = (payload: ExecutionResult) =>
      this.queue.push(message('next', this.id === null ? payload : { id: this.id, payload }));
    try {
      if (Symbol.asyncIterator in result) {
        this.iterator = result[Symbol.asyncIterator]();
        if (this.cancelled) return;
        for (;;) {
          if (!(await this.queue.room()) || this.cancelled) return;
          const step = await this.iterator.next();
          if (step.done || this.cancelled) break;
          send(this.onNext(step.value));
        }
      } else {
        if (!(await this.queue.room()) || this.cancelled) return;
        send(this.onNext(result));
      }
    } catch (error) {
      if (this.cancelled) return;
      send(onError(error));
    } finally {
      void this.iterator?.return?.();
    }
    if (!this.cancelled) this.queue.push(message('complete', this.id === null ? null : { id: this.id }));
  }

  /** Stops it: nothing more of it is sent. */
  cancel(): void {
    this.cancelled = true;
    void this.iterator?.return?.();
  }
}

/** A single-connection stream: reserved by PUT, opened by a GET/POST with its token. */
class Reservation {
  readonly operations = new Map<string, Operation>();
  opened = false;
  private dropped = false;

  constructor(
    readonly token: string,
    readonly keyId: string,
    readonly queue: MessageQueue,
    private readonly onDrop: () => void,
  ) {}

  /** Ends it: operations stop, the client gets what is queued (or nothing) and the stream ends. */
  drop(discard: boolean): void {
    if (this.dropped) return;
    this.dropped = true;
    for (const operation of this.operations.values()) operation.cancel();
    this.operations.clear();
    if (discard) this.queue.discard();
    else this.queue.finish();
    this.onDrop();
  }
}

export function useGraphQLSSE(apiKeys: ApiKeyService, logger: Logger, options: GraphQLSseOptions): Plugin {
  const reservations = new Map<string, Reservation>();
  const reservationsPerKey = new Map<string, number>();
  const clientError = (error: unknown) =>
    toClientError(error, (unexpected) =>
      logger.error({ err: unexpected }, 'unexpected error in a graphql-sse request'),
    );
  const asResult = (error: unknown): ExecutionResult => ({ errors: [withoutHttp(clientError(error))] });
  const onNext = (result: ExecutionResult): ExecutionResult =>
    result.errors?.some((error) => error.extensions?.http)
      ? { ...result, errors: result.errors.map(withoutHttp) }
      : result;

  let yoga: Parameters<NonNullable<Plugin['onYogaInit']>>[0]['yoga'] | undefined;
  let ResponseClass: typeof Response = Response;
  let ReadableStreamClass: typeof ReadableStream = ReadableStream;

  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new ResponseClass(body === null ? null : JSON.stringify(body), {
      status,
      statusText: STATUS_CODES[status] ?? '',
      headers: body === null ? headers : { 'content-type': 'application/json; charset=utf-8', ...headers },
    });
  const refuse = (status: number, code: string, text: string, headers: Record<string, string> = {}) =>
    json(status, { errors: [{ message: text, extensions: { code } }] }, headers);

  /** A request refused before any stream opens: the status and headers /graphql would answer with. */
  const refusal = (error: unknown): Response => {
    const client = clientError(error);
    const { http, ...extensions } = client.extensions as {
      code?: string;
      http?: { status?: number; headers?: Record<string, string> };
    };
    const status = http?.status ?? (extensions.code === 'INTERNAL_SERVER_ERROR' ? 500 : 400);
    return json(status, { errors: [{ message: client.message, extensions }] }, http?.headers);
  };

  /** An event-stream response that sends what `queue` yields, as the client reads it. */
  const eventStream = (queue: MessageQueue, onClose: () => void): Response => {
    const encoder = new TextEncoder();
    // Some browsers (Firefox, Safari) want a first message before they show the stream.
    queue.push(PING);
    const pinger = setInterval(() => queue.ping(), KEEPALIVE_MS);
    const closed = () => {
      clearInterval(pinger);
      onClose();
    };
    const body = new ReadableStreamClass<Uint8Array>(
      {
        async pull(controller) {
          const item = await queue.take();
          if (item === undefined) {
            closed();
            controller.close();
          } else {
            controller.enqueue(encoder.encode(item));
          }
        },
        cancel: closed,
      },
      { highWaterMark: 1 },
    );
    return new ResponseClass(body, {
      status: 200,
      headers: {
        connection: 'keep-alive',
        'cache-control': 'no-cache',
        'content-encoding': 'none',
        'content-type': 'text/event-stream; charset=utf-8',
      },
    });
  };

  /** Parses, validates and starts an operation: its result(s), or the response refusing it. */
  const prepare = async (
    request: Request,
    serverContext: Record<string, unknown>,
    params: Params,
  ): Promise<Result | Response> => {
    if (!yoga) throw new Error('Yoga is not initialised');
    const enveloped = yoga.getEnveloped({
      ...serverContext,
      request,
      params,
    } as unknown as YogaInitialContext);
    let document: ReturnType<typeof enveloped.parse>;
    try {
      document = enveloped.parse(params.query);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      return { errors: [withCode(error, 'GRAPHQL_PARSE_FAILED')] };
    }
    const errors = enveloped.validate(enveloped.schema, document);
    if (errors.length > 0) return { errors };
    const operation = getOperationAST(document, params.operationName);
    if (!operation) {
      const text = params.operationName
        ? `Unknown operation named "${params.operationName}".`
        : 'Must provide operation name if query contains multiple operations.';
      return { errors: [new GraphQLError(text, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })] };
    }
    if (operation.operation === 'mutation' && request.method === 'GET') {
      return refuse(405, 'BAD_REQUEST', 'Cannot perform mutations over GET', { allow: 'POST' });
    }
    try {
      const args = {
        schema: enveloped.schema,
        document,
        contextValue: await enveloped.contextFactory(),
        variableValues: params.variables,
        operationName: params.operationName,
      };
      // Refusals before execution (a spent rate limit) come out here, as on /graphql.
      return (await (operation.operation === 'subscription'
        ? enveloped.subscribe(args)
        : enveloped.execute(args))) as Result;
    } catch (error) {
      return refusal(error);
    }
  };

  const reserve = (principal: Principal): Response => {
    const held = reservationsPerKey.get(principal.keyId) ?? 0;
    if (held >= options.maxReservationsPerKey) {
      return refuse(
        429,
        'RATE_LIMITED',
        `This key already holds ${options.maxReservationsPerKey} reserved streams here; open or close one first`,
      );
    }
    // Counted before anything awaits, so that reservations racing each other cannot pass the cap.
    reservationsPerKey.set(principal.keyId, held + 1);
    const token = randomBytes(18).toString('base64url');
    const queue = new MessageQueue(QUEUE_LIMIT);
    const timer = setTimeout(() => reservation.drop(true), options.reservationTimeoutMs);
    timer.unref();
    const endSession = apiKeys.sessions.add(principal.keyId, () => {
      // Tell each operation why it ends, then end the stream.
      for (const id of reservation.operations.keys()) {
        queue.push(message('next', { id, payload: asResult(revoked()) }));
        queue.push(message('complete', { id }));
      }
      reservation.drop(!reservation.opened);
    });
    const reservation = new Reservation(token, principal.keyId, queue, () => {
      clearTimeout(timer);
      endSession();
      reservations.delete(token);
      const left = (reservationsPerKey.get(principal.keyId) ?? 1) - 1;
      if (left > 0) reservationsPerKey.set(principal.keyId, left);
      else reservationsPerKey.delete(principal.keyId);
    });
    reservations.set(token, reservation);
    return new ResponseClass(token, {
      status: 201,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  };

  const handle = async (request: Request, serverContext: Record<string, unknown>): Promise<Response> => {
    let principal: Principal;
    try {
      principal = await apiKeys.authenticate(apiKeyFromHeaders(request.headers));
    } catch (error) {
      return refusal(error);
    }
    const url = new URL(request.url);
    const accept = request.headers.get('accept') ?? '*/*';
    const token = request.headers.get(TOKEN_HEADER) || url.searchParams.get('token');
    // A token is only ever found by the key that reserved it.
    const reservation = token ? reservations.get(token) : undefined;
    const mine = reservation?.keyId === principal.keyId ? reservation : undefined;
    const notFound = () => refuse(404, 'NOT_FOUND', 'Stream not found');

    if (accept.includes('text/event-stream')) {
      if (token) {
        if (!mine) return notFound();
        if (mine.opened) return refuse(409, 'CONFLICT', 'Stream already open');
        mine.opened = true;
        return eventStream(mine.queue, () => mine.drop(true));
      }
      // Distinct connections: this request's operation is the stream.
      const params = await parseParams(request);
      if (params instanceof Error) return refuse(params.status, 'BAD_REQUEST', params.message);
      const result = await prepare(request, serverContext, params);
      if (result instanceof ResponseClass) return result;
      const queue = new MessageQueue(1);
      const operation = new Operation(null, queue, onNext);
      const response = eventStream(queue, () => {
        operation.cancel();
        queue.discard();
      });
      void operation.run(result as Result, asResult).then(() => queue.finish());
      return response;
    }
    if (request.method === 'PUT') {
      if (accept !== '*/*' && !accept.includes('text/plain')) return json(406, null);
      return reserve(principal);
    }
    if (!token || !mine) return notFound();
    if (request.method === 'DELETE') {
      const id = url.searchParams.get('operationId');
      if (!id) return refuse(400, 'BAD_REQUEST', 'Operation ID is missing');
      mine.operations.get(id)?.cancel();
      mine.operations.delete(id);
      return json(200, null);
    }
    if (request.method !== 'GET' && request.method !== 'POST') {
      return json(405, null, { allow: 'GET, POST, PUT, DELETE' });
    }
    if (!['*/*', 'application/*', 'application/json'].some((type) => accept.includes(type))) {
      return json(406, null);
    }
    const params = await parseParams(request);
    if (params instanceof Error) return refuse(params.status, 'BAD_REQUEST', params.message);
    const id = params.extensions?.operationId;
    if (typeof id !== 'string' || id === '') return refuse(400, 'BAD_REQUEST', 'Operation ID is missing');
    if (mine.operations.has(id)) return refuse(409, 'CONFLICT', 'Operation with ID already exists');
    if (mine.operations.size >= options.maxOperationsPerConnection) {
      return refuse(
        429,
        'RATE_LIMITED',
        `At most ${options.maxOperationsPerConnection} operations may run at once on one stream (WS_MAX_OPERATIONS_PER_CONNECTION)`,
      );
    }
    // Reserved before anything awaits: a second request with this id is refused meanwhile.
    const operation = new Operation(id, mine.queue, onNext);
    mine.operations.set(id, operation);
    const result = await prepare(request, serverContext, params);
    if (result instanceof ResponseClass) {
      if (mine.operations.get(id) === operation) mine.operations.delete(id);
      return result;
    }
    if (operation.cancelled || mine.operations.get(id) !== operation) {
      // Completed (or the stream dropped) while it was being prepared.
      if (Symbol.asyncIterator in (result as Result)) {
        void (result as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]().return?.();
      }
      return json(204, null);
    }
    void operation.run(result as Result, asResult).finally(() => {
      if (mine.operations.get(id) === operation) mine.operations.delete(id);
    });
    return json(202, null);
  };

  return {
    onYogaInit({ yoga: instance }) {
      yoga = instance;
      ResponseClass = instance.fetchAPI.Response;
      ReadableStreamClass = instance.fetchAPI.ReadableStream;
    },
    onRequest({ request, url, endResponse, serverContext }) {
      if (url.pathname !== GRAPHQL_SSE_PATH) return;
      return handle(request, serverContext as Record<string, unknown>).then(endResponse, (error) =>
        endResponse(refusal(error)),
      );
    },
  };
}

const revoked = () =>
  new GraphQLError('The API key of this subscription was revoked or has expired.', {
    extensions: { code: 'UNAUTHENTICATED' },
  });

/** `extensions.http` tells Yoga which status to answer with; on a stream it is noise. */
function withoutHttp(error: GraphQLError): GraphQLError {
  if (!error.extensions?.http) return error;
  const { http: _http, ...extensions } = error.extensions;
  return { message: error.message, locations: error.locations, path: error.path, extensions } as GraphQLError;
}

class ParamsError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** The GraphQL parameters of a request: the query string (GET) or a JSON body (POST). */
async function parseParams(request: Request): Promise<Params | ParamsError> {
  let raw: Record<string, unknown>;
  if (request.method === 'GET') {
    const search = new URL(request.url).searchParams;
    raw = {
      query: search.get('query') ?? undefined,
      operationName: search.get('operationName') ?? undefined,
    };
    for (const name of ['variables', 'extensions'] as const) {
      const text = search.get(name);
      if (!text) continue;
      try {
        raw[name] = JSON.parse(text);
      } catch {
        return new ParamsError(`The ${name} parameter is not valid JSON`);
      }
    }
  } else if (request.method === 'POST' && request.headers.get('content-type')?.includes('application/json')) {
    let data: unknown;
    try {
      data = JSON.parse(await request.text());
    } catch {
      return new ParamsError('The request body is not valid JSON');
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      return new ParamsError('JSON body must be an object');
    }
    raw = data as Record<string, unknown>;
  } else {
    return new ParamsError('Send the operation as JSON (content-type: application/json) or in the URL', 415);
  }
  if (raw.query == null) return new ParamsError('Missing query');
  if (typeof raw.query !== 'string') return new ParamsError('Invalid query');
  if (raw.operationName != null && typeof raw.operationName !== 'string') {
    return new ParamsError('Invalid operationName');
  }
  for (const name of ['variables', 'extensions'] as const) {
    const value = raw[name];
    if (value != null && (typeof value !== 'object' || Array.isArray(value))) {
      return new ParamsError(`Invalid ${name}`);
    }
  }
  return {
    query: raw.query,
    operationName: (raw.operationName as string | null | undefined) ?? undefined,
    variables: (raw.variables as Record<string, unknown> | null | undefined) ?? undefined,
    extensions: (raw.extensions as Record<string, unknown> | null | undefined) ?? undefined,
  };
}
