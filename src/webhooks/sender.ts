// One HTTP attempt of a webhook delivery. Connections are kept alive per endpoint
// (undici pools them), redirects are never followed, the whole attempt (connect,
// headers and body) must finish within the timeout, and every connection goes
// through the URL policy's lookup, so a name that now resolves to a private
// address is refused at connect time.
import { Agent, request } from 'undici';
import { type UrlPolicy, UrlRefused } from './urlPolicy.ts';

/** What an attempt came to. `ok` is a 2xx; everything else is retried. */
export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** The start of the response body (at most RESPONSE_BODY_LIMIT characters). */
  responseBody: string | null;
  /** From a Retry-After header on 429 or 503. */
  retryAfterMs: number | null;
}

/** Characters of a response body kept in the delivery log. */
export const RESPONSE_BODY_LIMIT = 2048;
/** Bytes of a response body read at most (more closes the connection rather than reading on). */
const RESPONSE_READ_LIMIT = 64 * 1024;

export class WebhookSender {
  private readonly agent: Agent;

  constructor(
    private readonly policy: UrlPolicy,
    private readonly options: { timeoutMs: number; connectionsPerEndpoint: number; userAgent?: string },
  ) {
    this.agent = new Agent({
      connections: options.connectionsPerEndpoint,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: { lookup: policy.lookup, timeout: Math.min(options.timeoutMs, 10_000) },
    });
  }

  async send(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const failure = (error: string, statusCode: number | null = null): AttemptResult => ({
      ok: false,
      statusCode,
      error,
      durationMs: elapsed(),
      responseBody: null,
      retryAfterMs: null,
    });
    try {
      this.policy.parse(url); // a literal address is never looked up, so check it here
      const response = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: {
          'content-type': 'application/json',
          'user-agent': this.options.userAgent ?? 'GoFindMe-Webhooks/1.0',
          ...headers,
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const responseBody = await readStart(response.body);
      const { statusCode } = response;
      const ok = statusCode >= 200 && statusCode < 300;
      let error: string | null = null;
      if (statusCode >= 300 && statusCode < 400) {
        const location = response.headers.location;
        error = `redirect (HTTP ${statusCode}${location ? ` to ${String(location).slice(0, 200)}` : ''}) not followed`;
      } else if (!ok) {
        error = `HTTP ${statusCode}`;
      }
      return {
        ok,
        statusCode,
        error,
        durationMs: elapsed(),
        responseBody,
        retryAfterMs:
          statusCode === 429 || statusCode === 503 ? parseRetryAfter(response.headers['retry-after']) : null,
      };
    } catch (error) {
      return failure(describe(error, this.options.timeoutMs));
    }
  }

  /** Closes every connection, aborting attempts still running (the worker has handed them back). */
  close(): Promise<void> {
    return this.agent.destroy();
  }
}

async function readStart(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < RESPONSE_BODY_LIMIT * 4) chunks.push(chunk);
    size += chunk.length;
    if (size > RESPONSE_READ_LIMIT) {
      body.destroy();
      break;
    }
  }
  if (size === 0) return null;
  return Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_BODY_LIMIT);
}

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function describe(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; code?: string; message?: string; cause?: unknown };
  if (error instanceof UrlRefused) return `refused: ${error.message}`;
  if (e.cause instanceof UrlRefused) return `refused: ${e.cause.message}`;
  if (
    e.name === 'TimeoutError' ||
    e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e.code === 'UND_ERR_BODY_TIMEOUT' ||
    e.code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return `timed out after ${timeoutMs} ms`;
  }
  const message = e.message ?? String(error);
  return (e.code && !message.includes(e.code) ? `${e.code}: ${message}` : message).slice(0, 500);
}
