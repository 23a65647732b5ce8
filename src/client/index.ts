// The GoFindMe client: report() queues fixes and sends them in idempotent batches until
// the server has them; watch() streams live locations and resumes after any disconnect.
// It runs in browsers and in Node.js (Node.js before 22 has no WebSocket of its own:
// pass the ws package as `webSocketImpl` to watch over 'ws').
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import type { GoFindMeError } from './errors.ts';
import { postGraphQL } from './http.ts';
import { type LocationFix, ReportQueue, type StoredLocation } from './reportQueue.ts';
import { DEFAULT_RETRY, type RetryOptions } from './retry.ts';
import { memoryStorage, type QueuedLocation, type QueueStorage } from './storage.ts';
import { type WatchOptions, watchLocations } from './watch.ts';

export { GoFindMeError, type InputIssue } from './errors.ts';
export type { LocationFix, StoredLocation } from './reportQueue.ts';
export type { RetryOptions } from './retry.ts';
export { memoryStorage, type QueuedLocation, type QueueStorage } from './storage.ts';
export type { LiveLocation, WatchOptions, WatchStatus } from './watch.ts';

export interface GoFindMeClientOptions {
  /** The GraphQL endpoint, e.g. https://gofindme.example.com/graphql. */
  url: string;
  apiKey: string;
  /** How watch() streams: graphql-sse on <url>/stream (default) or graphql-ws on ws(s)://…/graphql. */
  transport?: 'sse' | 'ws';
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** A WebSocket class for transport 'ws'; defaults to the global WebSocket. */
  webSocketImpl?: unknown;
  /** Where queued fixes wait; in memory by default. */
  storage?: QueueStorage;
  /** Fixes per `reportLocations` request, 1 to 1000 (default 100). */
  batchSize?: number;
  /** How long a report waits for others to share its request (default 200 ms). */
  batchDelayMs?: number;
  /** A request without an answer by then is retried (default 30 s). */
  requestTimeoutMs?: number;
  /**
   * A watch whose connection carries nothing for this long is taken for dead and
   * reconnected (default 30 s; the server sends a keep-alive every 12 s). Catches what
   * no error reports: a NAT that forgot the connection, a phone changing networks.
   */
  idleTimeoutMs?: number;
  /** Backoff of report retries and stream reconnections (default 1 s doubling to 60 s). */
  retry?: Partial<RetryOptions>;
  /** The server stored these fixes. */
  onStored?: (locations: StoredLocation[]) => void;
  /** The server refused these fixes as invalid (BAD_USER_INPUT); they are dropped from the queue. */
  onRejected?: (fixes: QueuedLocation[], error: GoFindMeError) => void;
  /** A batch could not be sent. If `error.retryable` it is tried again; otherwise sending has stopped. */
  onSendError?: (error: GoFindMeError) => void;
}

export interface GoFindMeClient {
  /** Queues a fix; resolves once it is in the queue's storage, with its clientId and recordedAt. */
  report(fix: LocationFix): Promise<QueuedLocation>;
  /** Sends what is queued now; resolves when the queue is empty, rejects if sending stopped for good. */
  flush(): Promise<void>;
  /** Fixes queued and not yet stored by the server. */
  readonly pending: number;
  /** Streams the group's (or a device's) new locations; returns what stops it. */
  watch(options: WatchOptions): () => void;
  /** Sends any GraphQL query or mutation with the key; resolves with its data or rejects with a GoFindMeError. */
  request<R, V>(document: DocumentTypeDecoration<R, V> | string, variables?: V): Promise<R>;
  /** Stops watching and sending; queued fixes stay in the storage. */
  close(): Promise<void>;
}

export function createGoFindMeClient(options: GoFindMeClientOptions): GoFindMeClient {
  const batchSize = options.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) {
    throw new RangeError(`batchSize must be an integer from 1 to 1000, got ${batchSize}`);
  }
  if (!options.apiKey) throw new TypeError('apiKey is required');
  const transport = options.transport ?? 'sse';
  const webSocketImpl = options.webSocketImpl ?? globalThis.WebSocket;
  if (transport === 'ws' && !webSocketImpl) {
    throw new TypeError(
      "transport 'ws' needs a WebSocket: pass webSocketImpl (the ws package on Node.js before 22)",
    );
  }
  const endpoint = {
    url: graphqlUrl(options.url),
    apiKey: options.apiKey,
    fetch: options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init)),
    timeoutMs: options.requestTimeoutMs ?? 30_000,
  };
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const queue = new ReportQueue({
    endpoint,
    storage: options.storage ?? memoryStorage(),
    batchSize,
    batchDelayMs: options.batchDelayMs ?? 200,
    retry,
    onStored: options.onStored,
    onRejected: options.onRejected,
    onSendError: options.onSendError,
  });
  const watches = new Set<() => void>();

  return {
    report: (fix) => queue.add(fix),
    flush: () => queue.flush(),
    get pending() {
      return queue.pending;
    },
    watch(watchOptions) {
      const stop = watchLocations(
        { ...endpoint, transport, webSocketImpl, retry, idleTimeoutMs },
        watchOptions,
      );
      const unwatch = () => {
        watches.delete(unwatch);
        stop();
      };
      watches.add(unwatch);
      return unwatch;
    },
    request: (document, variables) => postGraphQL(endpoint, String(document), variables),
    async close() {
      for (const unwatch of watches) unwatch();
      await queue.close();
    },
  };
}

function graphqlUrl(text: string): string {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new TypeError(
      `url must be an http(s) URL such as https://gofindme.example.com/graphql, got "${text}"`,
    );
  }
  return url.toString();
}
