// Turns what resolvers throw into what clients see: domain errors keep their message
// and get `extensions.code`; anything unexpected is logged and masked.
import { GraphQLError } from 'graphql';
import { AppError, formatPath, InputError } from '../errors.ts';

// Request-level failures get an HTTP status too; field-level ones (FORBIDDEN, NOT_FOUND)
// stay 200, as a query may well have other fields that succeeded.
const HTTP_STATUS: Partial<Record<AppError['code'], number>> = {
  UNAUTHENTICATED: 401,
  BAD_USER_INPUT: 400,
  RATE_LIMITED: 429,
  IDEMPOTENCY_KEY_REUSED: 409,
};

/** RFC 9110: a 401 says how to authenticate. */
const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="gofindme"' };

export function toClientError(error: unknown, onUnexpected: (error: unknown) => void): GraphQLError {
  const graphqlError = error instanceof GraphQLError ? error : undefined;
  const original = graphqlError ? (graphqlError.originalError ?? graphqlError) : error;
  if (original instanceof AppError) {
    const status = HTTP_STATUS[original.code];
    return new GraphQLError(original.message, {
      nodes: graphqlError?.nodes,
      path: graphqlError?.path,
      extensions: {
        code: original.code,
        ...original.details,
        ...(original instanceof InputError
          ? {
              issues: original.issues.map((issue) => ({
                field: formatPath(issue.path),
                path: issue.path,
                message: issue.message,
              })),
            }
          : {}),
        ...(original.retryAfterSeconds === undefined ? {} : { retryAfter: original.retryAfterSeconds }),
        ...(original.code === 'RATE_LIMITED' && original.retryAfterSeconds !== undefined
          ? { http: { status: 429, headers: { 'Retry-After': String(original.retryAfterSeconds) } } }
          : original.code === 'UNAUTHENTICATED'
            ? { http: { status, headers: CHALLENGE } }
            : status
              ? { http: { status } }
              : {}),
      },
    });
  }
  // Errors graphql-js raises about the document or variables are the client's and safe to show.
  if (graphqlError && !graphqlError.originalError) {
    const status = (graphqlError.extensions.http as { status?: number } | undefined)?.status;
    // A request refused before parsing (CSRF prevention) gets a code like every other error.
    if (status === 403 && !graphqlError.extensions.code) {
      return new GraphQLError(graphqlError.message, {
        nodes: graphqlError.nodes,
        extensions: { ...graphqlError.extensions, code: 'FORBIDDEN' },
      });
    }
    return graphqlError;
  }
  onUnexpected(original);
  return new GraphQLError('Unexpected error.', {
    nodes: graphqlError?.nodes,
    path: graphqlError?.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}

/** An error graphql-js raised (a syntax error, say) with the code clients switch on, unless it has one. */
export function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions.code) return error;
  return new GraphQLError(error.message, {
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}
