// The graphql-sse protocol (distinct connections and single-connection mode) on its own
// path, run through Yoga's envelop so limits, rate limits, masking and the shared context
// apply as on every other transport.
//
// Yoga's own plugin for this (@graphql-yoga/plugin-graphql-sse) lets a syntax error or an
// unknown operation name escape as a 500 with a stack trace, and graphql-sse answers an
// invalid document with a bare "Unable to detect operation AST": it only recognises a
// result that has a `data` key. Here every refusal is a GraphQL error with a code.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { GraphQLError, getOperationAST } from 'graphql';
import type { Response as SseResponse } from 'graphql-sse';
import { createHandler } from 'graphql-sse/lib/use/fetch';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';
import type { ApiKeyService } from '../auth/apiKeys.ts';
import type { Logger } from '../observability/logger.ts';
import { apiKeyFromHeaders } from '../schema/context.ts';
import { toClientError, withCode } from '../schema/errors.ts';

export const GRAPHQL_SSE_PATH = '/graphql/stream';

type Handler = (request: Request) => Promise<Response>;

export function useGraphQLSSE(apiKeys: ApiKeyService, logger: Logger): Plugin {
  const refusal = (error: unknown) => asResponse(error, logger);
  const serverContexts = new WeakMap<Request, Record<string, unknown>>();
  let handler: Handler | undefined;
  let withErrorCodes: (response: Response) => Promise<Response> = async (response) => response;
  return {
    onYogaInit({ yoga }) {
      withErrorCodes = errorCodesAdder(yoga.fetchAPI.Response);
      handler = createHandler(
        {
          // Refuse a bad key before the event stream opens (the context factory runs only later).
          authenticate: async (req) => {
            try {
              await apiKeys.authenticate(apiKeyFromHeaders(req.raw.headers));
            } catch (error) {
              return refusal(error);
            }
            // graphql-sse's default token, which single-connection mode needs.
            return (
              req.headers.get('x-graphql-event-stream-token') ||
              new URL(req.url).searchParams.get('token') ||
              randomUUID()
            );
          },
          onSubscribe: async (req, params) => {
            const enveloped = yoga.getEnveloped({
              ...serverContexts.get(req.raw),
              request: req.raw,
              params,
            } as unknown as YogaInitialContext);
            let document: ReturnType<typeof enveloped.parse>;
            try {
              document = enveloped.parse(params.query);
            } catch (error) {
              return refused(error, 'GRAPHQL_PARSE_FAILED');
            }
            const errors = enveloped.validate(enveloped.schema, document);
            if (errors.length > 0) return { data: null, errors };
            const operation = getOperationAST(document, params.operationName);
            if (!operation) {
              return refused(
                new GraphQLError(
                  params.operationName
                    ? `Unknown operation named "${params.operationName}".`
                    : 'Must provide operation name if query contains multiple operations.',
                ),
                'OPERATION_RESOLUTION_FAILURE',
              );
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
              return await (operation.operation === 'subscription'
                ? enveloped.subscribe(args)
                : enveloped.execute(args));
            } catch (error) {
              return refusal(error);
            }
          },
          // `extensions.http` tells Yoga which status to answer with; on a stream it is noise.
          onNext: (_ctx, _req, result) => {
            if (!result.errors?.some((error) => error.extensions?.http)) return;
            return {
              ...result,
              errors: result.errors.map(({ message, locations, path, extensions }) => {
                const { http: _http, ...rest } = extensions ?? {};
                return { message, locations, path, extensions: rest } as unknown as GraphQLError;
              }),
            };
          },
        },
        yoga.fetchAPI,
      );
    },
    onRequest({ request, url, endResponse, serverContext }) {
      if (url.pathname !== GRAPHQL_SSE_PATH || !handler) return;
      serverContexts.set(request, serverContext as Record<string, unknown>);
      return handler(request).then(withErrorCodes).then(endResponse);
    },
  };
}

/** A request refused before its stream opens: the status and headers /graphql would answer with. */
function asResponse(error: unknown, logger: Logger): SseResponse {
  const client = toClientError(error, (unexpected) =>
    logger.error({ err: unexpected }, 'unexpected error in a graphql-sse request'),
  );
  const { http, ...extensions } = client.extensions as {
    code?: string;
    http?: { status?: number; headers?: Record<string, string> };
  };
  const status = http?.status ?? (extensions.code === 'INTERNAL_SERVER_ERROR' ? 500 : 400);
  return [
    JSON.stringify({ errors: [{ message: client.message, extensions }] }),
    {
      status,
      statusText: STATUS_CODES[status] ?? '',
      headers: { 'content-type': 'application/json; charset=utf-8', ...http?.headers },
    },
  ];
}

/** A request-level refusal as the result graphql-sse streams (or answers, without an event stream). */
function refused(error: unknown, code: string) {
  if (!(error instanceof GraphQLError)) throw error;
  return { data: null, errors: [withCode(error, code)] };
}

/**
 * graphql-sse refuses malformed requests itself ("Invalid query", "Invalid variables", a
 * missing token) with JSON errors that have no code: give them one, like Yoga's.
 */
const CODE_BY_STATUS: Record<number, string> = { 401: 'UNAUTHENTICATED', 404: 'NOT_FOUND', 409: 'CONFLICT' };

function errorCodesAdder(ResponseClass: typeof Response) {
  return async (response: Response): Promise<Response> => {
    if (response.status < 400 || !response.headers.get('content-type')?.includes('json')) return response;
    const body = (await response.json()) as { errors?: { extensions?: Record<string, unknown> }[] };
    for (const error of body.errors ?? []) {
      error.extensions = {
        code: CODE_BY_STATUS[response.status] ?? 'BAD_REQUEST',
        ...error.extensions,
      };
    }
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    return new ResponseClass(JSON.stringify(body), {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}
