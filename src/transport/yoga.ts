// The GraphQL server (Yoga) with the one context factory every transport uses.

import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { execute, GraphQLError } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { AppConfig } from '../app.ts';
import type { Principal } from '../auth/apiKeys.ts';
import type { RateLimits } from '../auth/rateLimits.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Transport } from '../observability/metrics.ts';
import { apiKeyFromHeaders, type Context, createContext } from '../schema/context.ts';
import { toClientError } from '../schema/errors.ts';
import { schema } from '../schema/index.ts';
import type { DomainServices } from '../services.ts';
import { graphiqlOptions, graphiqlPage } from './graphiql.ts';
import { GRAPHQL_SSE_PATH, useGraphQLSSE } from './graphqlSse.ts';
import { ANONYMOUS, isIntrospectionOnly } from './introspection.ts';
import { queryLimitPlugins } from './limits.ts';
import { useRateLimits } from './rateLimit.ts';
import { useSharedSubscriptionExecution } from './sharedExecution.ts';

const CSRF_HEADER = 'x-graphql-yoga-csrf';

export type Yoga = YogaServerInstance<Record<string, unknown>, Context>;

export function createGraphQLServer(
  services: DomainServices,
  rateLimits: RateLimits,
  logger: Logger,
  config: AppConfig,
): Yoga {
  /** The key's principal; without a key, anonymous for an introspection query (the schema is public). */
  const principalOf = (headers: Headers, params: { query?: string; operationName?: string | null }) => {
    const key = apiKeyFromHeaders(headers);
    return !key && isIntrospectionOnly(params) ? ANONYMOUS : services.apiKeys.authenticate(key);
  };
  /** What a client sees of an error: its code and message, or "Unexpected error." (logged). */
  const maskError = (error: unknown) =>
    toClientError(error, (unexpected) =>
      logger.error({ err: unexpected }, 'unexpected error in a GraphQL request'),
    );
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // The HTTP handler (app.ts) has read the body already, refusing more than MAX_BODY_BYTES
    // with 413; Yoga's own limit would pipe it through a second stream per request (~6% of
    // the CPU of a small mutation, most of it an AbortError built when the pipe ends).
    maxRequestBodySize: false,
    logging: yogaLogger(logger.child({ component: 'yoga' })),
    graphiql: graphiqlOptions(),
    renderGraphiQL: graphiqlPage,
    // One context factory for every transport. WebSocket connections authenticate at
    // connection_init and pass the principal in; HTTP and SSE requests carry the key.
    context: async (initial) => {
      const fromSocket = initial as { principal?: Principal; transport?: Transport };
      const principal = fromSocket.principal ?? (await principalOf(initial.request.headers, initial.params));
      const transport =
        fromSocket.transport ??
        (new URL(initial.request.url).pathname === GRAPHQL_SSE_PATH ? 'graphql-sse' : 'sse');
      return createContext(services, principal, transport);
    },
    maskedErrors: { isDev: false, maskError },
    // Keys travel in headers, never cookies, so any origin may call; CORS_ORIGINS narrows it.
    cors: {
      origin: config.corsOrigins,
      credentials: false,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['content-type', 'accept', 'x-api-key', 'authorization', CSRF_HEADER],
      maxAge: 600,
    },
    plugins: [
      ...queryLimitPlugins(config.queryLimits),
      // A request a browser sends without a CORS preflight (a form post, a plain GET) must
      // carry a header only scripts can set: the key headers count.
      useCSRFPrevention({ requestHeaders: ['x-api-key', 'authorization', CSRF_HEADER] }),
      useClientErrorCodes(),
      useRateLimits(rateLimits),
      // The subscribe step: the onSubscribe hooks of the plugins after it do not run.
      useSharedSubscriptionExecution(maskError),
      useGraphQLJsExecute(),
      useGraphQLSSE(services.apiKeys, logger, config.live),
    ],
  });
}

/**
 * Queries and mutations run on graphql-js's own executor. Yoga's default (graphql-tools'
 * normalizedExecutor) first copies every variable value into a snapshot, then coerces it:
 * for a batch of 100 fixes that copy was ~4% of the server's CPU. We use none of what
 * it adds (@defer/@stream are not enabled). Subscriptions have their own (sharedExecution.ts).
 */
function useGraphQLJsExecute(): Plugin {
  return { onExecute: ({ setExecuteFn }) => setExecuteFn(execute) };
}

/** Yoga logs every error it masks; expected client errors (bad key, bad input) are debug noise. */
function yogaLogger(logger: Logger) {
  const isClientError = (value: unknown) => {
    const original = value instanceof GraphQLError ? (value.originalError ?? value) : value;
    return original instanceof AppError || (value instanceof GraphQLError && !value.originalError);
  };
  return {
    debug: (...args: unknown[]) => logger.debug({ args }, 'yoga'),
    info: (...args: unknown[]) => logger.info({ args }, 'yoga'),
    warn: (...args: unknown[]) => logger.warn({ args }, 'yoga'),
    error: (...args: unknown[]) => {
      if (args.some(isClientError)) logger.debug({ err: args[0] }, 'client error');
      else logger.error({ err: args[0] }, 'GraphQL server error');
    },
  };
}

/**
 * graphql-js reports bad documents and bad variables without a code; give them the
 * codes clients switch on (the same ones Apollo Server uses).
 */
function useClientErrorCodes(): Plugin {
  const tag = (errors: readonly Error[], code: string) =>
    errors.map((error) =>
      !(error instanceof GraphQLError) || error.extensions.code
        ? error
        : new GraphQLError(error.message, {
            nodes: error.nodes,
            source: error.source,
            positions: error.positions,
            path: error.path,
            extensions: { ...error.extensions, code, http: { status: 400 } },
          }),
    );
  return {
    // Yoga's GET parser lets JSON.parse's SyntaxError escape from `variables=` and
    // `extensions=`, which would be masked as an unexpected error: it is the client's.
    onRequestParse: ({ requestParser, setRequestParser }) => {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw new GraphQLError(`The request's parameters are not valid JSON: ${error.message}`, {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
      });
    },
    onValidate:
      () =>
      ({ result, setResult }) => {
        if (result.length > 0) setResult(tag(result, 'GRAPHQL_VALIDATION_FAILED'));
      },
    onExecute: () => ({
      onExecuteDone: ({ result, setResult }) => {
        if (!('errors' in result) || !result.errors || result.data !== undefined) return;
        // No data at all: the request failed before execution, i.e. its variables did not coerce.
        setResult({ ...result, errors: tag(result.errors, 'BAD_USER_INPUT') });
      },
    }),
  };
}
