// Domain errors: what services throw for expected failures. The GraphQL layer turns
// them into GraphQL errors with `extensions.code`; anything else is masked.

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  /** A stream's subscriber read too slowly; it may resume from its last cursor. */
  | 'SLOW_CONSUMER'
  /** A resume cursor points before the oldest stored location: re-read history first. */
  | 'CURSOR_EXPIRED'
  /** Live delivery is interrupted (PubSub backend lost); resume from the last cursor. */
  | 'UNAVAILABLE'
  /** Too many at once (subscriptions per key or per connection). */
  | 'RATE_LIMITED'
  /** An idempotency key (a report's clientId) was sent again with a different payload. */
  | 'IDEMPOTENCY_KEY_REUSED';

export interface InputIssue {
  /** Where the bad value is, from the operation's argument: ["input", 3, "latitude"]. */
  path: (string | number)[];
  message: string;
}

export class AppError extends Error {
  /** When trying again makes sense: clients see it as `extensions.retryAfter`. */
  readonly retryAfterSeconds: number | undefined;
  /** More for the client to act on, shown as GraphQL `extensions` (JSON values only). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { retryAfterSeconds?: number; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
  }
}

export class InputError extends AppError {
  constructor(readonly issues: InputIssue[]) {
    super('BAD_USER_INPUT', describeIssues(issues));
    this.name = 'InputError';
  }

  static at(path: (string | number)[], message: string): InputError {
    return new InputError([{ path, message }]);
  }
}

export function formatPath(path: (string | number)[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

function describeIssues(issues: InputIssue[]): string {
  const shown = issues.slice(0, 5).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  return `Invalid input: ${shown.join('; ')}${more}`;
}

export const unauthenticated = (message: string) => new AppError('UNAUTHENTICATED', message);
export const forbidden = (message: string) => new AppError('FORBIDDEN', message);
export const notFound = (message: string) => new AppError('NOT_FOUND', message);
