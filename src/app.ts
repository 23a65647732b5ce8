// Builds the HTTP server around the GraphQL server. No I/O happens until start().
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import compression from 'compression';
import getRawBody from 'raw-body';
import type { Config } from './config.ts';
import type { Logger } from './observability/logger.ts';
import { requestContext, requestIdFrom } from './observability/requestContext.ts';
import type { Runtime } from './runtime.ts';
import { graphiqlBundle } from './transport/graphiql.ts';
import { createIngest, redactPath } from './transport/ingest.ts';
import { attachWebSocket } from './transport/websocket.ts';
import { createGraphQLServer, type Yoga } from './transport/yoga.ts';
import { WebAssets } from './web/assets.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

// expressjs/compression works on Node's own req/res (its types say Express's).
const compress = compression({
  threshold: 1024,
  filter: (req, res) =>
    !/event-stream|multipart/.test(String(res.getHeader('content-type') ?? '')) &&
    compression.filter(req, res),
}) as unknown as (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export interface AppDeps {
  /** What the HTTP layer serves: the domain services, and the metrics and limits around them. */
  runtime: Pick<Runtime, 'db' | 'pubsub' | 'services' | 'metrics' | 'rateLimits'>;
  logger: Logger;
  config: AppConfig;
}

/** What the HTTP layer needs of the configuration. */
export type AppConfig = Pick<Config, 'corsOrigins' | 'queryLimits' | 'live' | 'map'>;

export interface App {
  yoga: Yoga;
  server: Server;
  /** Listens and resolves with the bound address (port 0 picks a free port). */
  start(port: number, host?: string): Promise<AddressInfo>;
  /**
   * Graceful stop: /readyz turns 503 at once, no new connections are accepted,
   * requests in flight (reports included) finish, live streams end with UNAVAILABLE
   * (clients resume elsewhere) and WebSockets close with 1001.
   */
  stop(): Promise<void>;
  /** True once stop() has begun. */
  readonly stopping: boolean;
}

export function createApp({ runtime, logger, config }: AppDeps): App {
  const { db, pubsub, services, metrics } = runtime;
  const yoga = createGraphQLServer(services, runtime.rateLimits, logger, config);

  const web = new WebAssets(config.map).addBundle(graphiqlBundle);
  const ingest = createIngest({
    apiKeys: services.apiKeys,
    locations: services.locations,
    history: services.history,
    rateLimits: runtime.rateLimits,
    logger,
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (web.serves(path)) return web.handle(req, res, path);
    if (path === '/readyz') return sendJson(res, ...(await readiness()));
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      const { contentType, body } = await metrics.render();
      res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
      return void res.end(req.method === 'HEAD' ? undefined : body);
    }
    let body: Buffer | undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
      // Read the body here so that an oversized one is refused with 413 before anything parses it.
      try {
        body = await getRawBody(req, { limit: MAX_BODY_BYTES });
        (req as IncomingMessage & { body?: unknown }).body = bodyForYoga(body);
      } catch (error) {
        const status = (error as { status?: number }).status ?? 400;
        const message =
          status === 413
            ? `Request body is larger than ${MAX_BODY_BYTES} bytes`
            : 'Could not read the request body';
        const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
        return refuseBody(req, res, status, { errors: [{ message, extensions: { code } }] });
      }
    }
    if (ingest.handles(path))
      return ingest.handle(req, res, new URL(req.url ?? '/', 'http://localhost'), body);
    // GraphQL answers are compressed when large (the schema GraphiQL loads: ~140 KB of JSON);
    // streams are not, so that every event is written when it happens.
    await new Promise<void>((next) => compress(req, res, () => next()));
    return yoga.requestListener(req, res);
  };

  let stopping = false;
  let stopped: Promise<void> | undefined;
  const readiness = async (): Promise<[number, Record<string, string>]> => {
    // Tell the load balancer first, so it stops sending new requests here.
    if (stopping) return [503, { status: 'shutting down' }];
    const check = (probe: () => Promise<void>, what: string) =>
      probe().then(
        () => 'ok',
        (error: unknown) => {
          logger.warn({ err: error }, `readiness: ${what} unavailable`);
          return 'unavailable';
        },
      );
    const [database, redis] = await Promise.all([
      check(() => db.ping(), 'database'),
      pubsub.kind === 'redis' ? check(() => pubsub.ping(), 'redis') : Promise.resolve(undefined),
    ]);
    const body: Record<string, string> = { status: 'ready', database };
    if (redis) body.redis = redis;
    const ready = database === 'ok' && (redis === undefined || redis === 'ok');
    if (!ready) body.status = 'unready';
    return [ready ? 200 : 503, body];
  };

  const server = createServer((req, res) => {
    const reqId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', reqId);
    const started = performance.now();
    res.once('close', () => {
      // Keys in paths (/ingest/osmand/<key>) never reach the logs; query strings are not logged.
      const path = redactPath((req.url ?? '/').split('?')[0] ?? '/');
      const quiet = path === '/healthz' || path === '/readyz' || path === '/metrics';
      logger[quiet ? 'debug' : 'info'](
        {
          reqId,
          method: req.method,
          path,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
          ...(res.writableFinished ? {} : { aborted: true }),
        },
        'request',
      );
    });
    requestContext.run({ reqId }, () =>
      handle(req, res).catch((error) => {
        logger.error({ err: error }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Unexpected error.' }] });
        else res.destroy();
      }),
    );
  });

  const websocket = attachWebSocket(server, yoga, services.apiKeys, logger, config.live);

  return {
    yoga,
    server,
    get stopping() {
      return stopping;
    },
    start: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    stop: () => (stopped ??= stop()),
  };

  async function stop(): Promise<void> {
    stopping = true;
    // Stop accepting; requests in flight go on. Connections that become idle are closed
    // as they do (a kept-alive one would otherwise linger until its timeout).
    const closed = new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
    });
    const idleCloser = setInterval(() => server.closeIdleConnections(), 50);
    try {
      // End live streams first (each gets UNAVAILABLE: resume elsewhere), give that a
      // moment to reach the clients, then close the sockets with 1001.
      services.live.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      await websocket.close();
      await closed;
    } finally {
      clearInterval(idleCloser);
    }
  }
}

/**
 * A body read already, as Yoga takes it: @whatwg-node/server uses `req.body` when set, and
 * first tests `Object.keys(req.body).length`, which for a Buffer lists every byte (a string
 * for each: 18% of the server's time on 15-KB `reportLocations` batches). A one-chunk async
 * iterable has a single key and is read without a copy.
 */
function bodyForYoga(body: Buffer): { body: Buffer } & AsyncIterable<Buffer> {
  return {
    body,
    async *[Symbol.asyncIterator]() {
      yield body;
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** How much of a refused body is read and thrown away, at most, before the connection closes. */
const LINGER_BYTES = 16 * 1024 * 1024;
const LINGER_MS = 5_000;

/**
 * Refuses a request whose body is not read (too large, unreadable) so that the client
 * can read the answer: the response is sent in full at once, then the rest of the upload
 * is read and discarded (up to LINGER_BYTES or LINGER_MS) before the connection closes.
 * Closing while the client still sends would make its TCP stack receive a reset and
 * drop the response before the client reads it ("lingering close", as in Apache/nginx).
 */
export function refuseBody(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    connection: 'close',
  });
  res.write(text);
  let drained = 0;
  const finish = () => {
    clearTimeout(timer);
    req.off('data', onData);
    res.end();
  };
  const onData = (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > LINGER_BYTES) finish();
  };
  const timer = setTimeout(finish, LINGER_MS);
  req.on('data', onData);
  req.once('end', finish);
  req.once('error', finish);
  if (req.readableEnded) finish();
  else req.resume();
}
