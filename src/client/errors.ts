// What the client reports when a request or a stream fails, and which failures are
// worth trying again.

/** One invalid field of a BAD_USER_INPUT error: `path` is like ["input", 3, "latitude"]. */
export interface InputIssue {
  field: string;
  path: (string | number)[];
  message: string;
}

/** A GraphQL error as the server sends it. */
interface ServerError {
  message: string;
  extensions?: { code?: string; retryAfter?: number; issues?: InputIssue[] };
}

/**
 * Codes of failures that may go away by themselves. Besides the server's own codes there
 * are NETWORK_ERROR (no answer: refused, dropped, timed out) and HTTP_ERROR (an answer
 * that is not GraphQL: a proxy's 502, a captive portal's page), retried unless its status
 * is a 4xx other than 408 and 429 (a wrong URL stays wrong).
 */
const TRANSIENT_CODES = new Set([
  'NETWORK_ERROR',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'SLOW_CONSUMER',
  'INTERNAL_SERVER_ERROR',
]);

export class GoFindMeError extends Error {
  /** The server's `extensions.code` (UNAUTHENTICATED, BAD_USER_INPUT, …), NETWORK_ERROR, HTTP_ERROR or CLIENT_CLOSED. */
  readonly code: string;
  /** HTTP status, when there was an HTTP answer. */
  readonly status: number | undefined;
  /** How long the server asked to wait (Retry-After). */
  readonly retryAfterMs: number | undefined;
  /** The invalid fields of a BAD_USER_INPUT error. */
  readonly issues: InputIssue[];
  /** Whether the client tries again by itself. */
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    details: { status?: number; retryAfterMs?: number; issues?: InputIssue[]; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = 'GoFindMeError';
    this.code = code;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.issues = details.issues ?? [];
    this.retryable = TRANSIENT_CODES.has(code) || (code === 'HTTP_ERROR' && !isClientError(details.status));
  }
}

const isClientError = (status: number | undefined) =>
  status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;

/** A request or stream that got no usable answer: refused, reset, timed out. */
export function networkError(target: string, cause: unknown): GoFindMeError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const systemCode = (cause as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  const detail = typeof systemCode === 'string' ? ` (${systemCode})` : '';
  return new GoFindMeError('NETWORK_ERROR', `${target} failed: ${reason}${detail}`, { cause });
}

/** The first GraphQL error of an answer, with every input issue of all of them. */
export function fromServerErrors(
  errors: readonly ServerError[],
  details: { status?: number; retryAfterMs?: number } = {},
): GoFindMeError {
  const [first] = errors;
  const code = first?.extensions?.code ?? 'HTTP_ERROR';
  const retryAfterSeconds = first?.extensions?.retryAfter;
  return new GoFindMeError(code, first?.message ?? 'The server answered with an error.', {
    status: details.status,
    retryAfterMs:
      details.retryAfterMs ?? (typeof retryAfterSeconds === 'number' ? retryAfterSeconds * 1000 : undefined),
    issues: errors.flatMap((error) => error.extensions?.issues ?? []),
  });
}

/** Reads a non-GraphQL or failed HTTP answer into an error (GraphQL errors when the body has them). */
export async function fromHttpResponse(response: Response, target: string): Promise<GoFindMeError> {
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    return networkError(target, cause);
  }
  const errors = parseErrors(text);
  if (errors) return fromServerErrors(errors, { status: response.status, retryAfterMs });
  return new GoFindMeError(
    'HTTP_ERROR',
    `${target} answered HTTP ${response.status}: ${text.slice(0, 200)}`,
    {
      status: response.status,
      retryAfterMs,
    },
  );
}

function parseErrors(text: string): ServerError[] | undefined {
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    return Array.isArray(body.errors) && body.errors.length > 0 ? (body.errors as ServerError[]) : undefined;
  } catch {
    return undefined;
  }
}

/** `Retry-After` is either seconds or an HTTP date. */
function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
