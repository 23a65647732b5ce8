// Subscribes with the real protocol clients: graphql-ws, graphql-sse (both modes) and
// Yoga's own SSE read with fetch. Results are collected for assertions.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';

export type Transport = 'ws' | 'sse' | 'graphql-sse' | 'graphql-sse-single';
export const TRANSPORTS: Transport[] = ['ws', 'sse', 'graphql-sse', 'graphql-sse-single'];

export interface Result<R = Record<string, unknown>> {
  data?: R | null;
  errors?: readonly { message: string; extensions?: { code?: string } | Record<string, unknown> }[];
}

export interface Subscription<R = Record<string, unknown>> {
  results: Result<R>[];
  /** Resolves when `count` results arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<Result<R>[]>;
  /** Resolves when the server ended the stream (complete or error), with a readable description of the error. */
  ended: Promise<{ error?: unknown; description: string }>;
  close(): Promise<void>;
}

/**
 * Subscribes with `document`: a typed document (graphql(`subscription …`), whose results
 * are then typed), or a plain string for documents that are wrong on purpose.
 */
export function subscribe<R = Record<string, unknown>, V = Record<string, unknown>>(
  transport: Transport,
  graphqlUrl: string,
  key: string,
  document: TypedDocumentNode<R, V> | string,
  variables: V | Record<string, unknown> = {},
): Subscription<R> {
  const query = typeof document === 'string' ? document : print(document);
  const results: Result<R>[] = [];
  let wake: (() => void) | undefined;
  let endedResolve!: (value: { error?: unknown; description: string }) => void;
  const ended = new Promise<{ error?: unknown; description: string }>((resolve) => {
    endedResolve = resolve;
  });
  const onResult = (result: Result<R>) => {
    results.push(result);
    wake?.();
  };
  const onEnd = (error?: unknown) => {
    void describe(error).then((description) => {
      endedResolve({ error, description });
      wake?.();
    });
  };
  let dispose: () => Promise<void>;

  if (transport === 'ws') {
    const client = createWsClient({
      url: graphqlUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { apiKey: key },
      retryAttempts: 0,
      lazy: true,
    });
    client.subscribe(
      { query, variables: variables as Record<string, unknown> },
      { next: (r) => onResult(r as Result<R>), error: onEnd, complete: () => onEnd() },
    );
    dispose = () => client.dispose() as Promise<void>;
  } else if (transport === 'sse') {
    const controller = new AbortController();
    void readYogaSse(graphqlUrl, key, query, variables as Record<string, unknown>, controller.signal, (r) =>
      onResult(r as Result<R>),
    ).then(
      () => onEnd(),
      (error) => onEnd(error),
    );
    dispose = async () => controller.abort();
  } else {
    const client = createSseClient({
      url: `${graphqlUrl}/stream`,
      headers: { 'x-api-key': key },
      singleConnection: transport === 'graphql-sse-single',
      retryAttempts: 0,
    });
    const unsubscribe = client.subscribe(
      { query, variables: variables as Record<string, unknown> },
      { next: (r) => onResult(r as Result<R>), error: onEnd, complete: () => onEnd() },
    );
    dispose = async () => {
      unsubscribe();
      client.dispose();
    };
  }

  let settled = false;
  void ended.then(() => {
    settled = true;
  });
  return {
    results,
    ended,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (results.length < count) {
        if (settled)
          throw new Error(
            `stream ended after ${results.length} of ${count} results: ${JSON.stringify(results.at(-1))}`,
          );
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out with ${results.length} of ${count} results`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(left, 200));
        });
      }
      return results.slice(0, count);
    },
    close: () => dispose(),
  };
}

/** Yoga's built-in SSE: POST with `Accept: text/event-stream`, read `event: next` / `data:` frames. */
async function readYogaSse(
  url: string,
  key: string,
  query: string,
  variables: Record<string, unknown>,
  signal: AbortSignal,
  onResult: (result: Result) => void,
): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { accept: 'text/event-stream', 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ query, variables }),
    signal,
  });
  if (!response.body) throw new Error(`HTTP ${response.status} without a body`);
  if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    throw Object.assign(new Error(`HTTP ${response.status}`), {
      status: response.status,
      body: await response.text(),
    });
  }
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      let end = text.indexOf('\n\n');
      while (end >= 0) {
        const frame = text.slice(0, end);
        text = text.slice(end + 2);
        const event = /^event: (\w+)/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event === 'next' && data) onResult(JSON.parse(data));
        if (event === 'complete') return;
        end = text.indexOf('\n\n');
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

/** What ended a stream, as text: close codes, HTTP statuses and bodies, GraphQL errors. */
async function describe(error: unknown): Promise<string> {
  if (error === undefined) return 'complete';
  const e = error as {
    code?: number;
    reason?: string;
    response?: Response;
    status?: number;
    body?: string;
    message?: string;
  };
  if (Array.isArray(error)) return JSON.stringify(error);
  if (typeof e.code === 'number' && 'reason' in e) return `close ${e.code} ${e.reason}`;
  if (e.response && typeof e.response.text === 'function') {
    return `HTTP ${e.response.status} ${await e.response.text().catch(() => '')}`;
  }
  if (e.status) return `HTTP ${e.status} ${e.body ?? ''}`;
  return `${e.message ?? ''} ${JSON.stringify(error)}`;
}
