// GraphQL over HTTP: one POST carrying the key, answered with its data or a GoFindMeError.
import { fromHttpResponse, fromServerErrors, GoFindMeError, networkError } from './errors.ts';

export interface HttpEndpoint {
  url: string;
  apiKey: string;
  fetch: typeof fetch;
  timeoutMs: number;
}

export async function postGraphQL<R>(
  endpoint: HttpEndpoint,
  query: string,
  variables: unknown,
  signal?: AbortSignal,
): Promise<R> {
  const target = `POST ${endpoint.url}`;
  const timeout = AbortSignal.timeout(endpoint.timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await endpoint.fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        'x-api-key': endpoint.apiKey,
      },
      body: JSON.stringify({ query, variables }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (!response.ok) throw await fromHttpResponse(response, target);
    text = await response.text();
  } catch (cause) {
    throw cause instanceof GoFindMeError ? cause : networkError(target, cause);
  }
  let body: { data?: R | null; errors?: { message: string }[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new GoFindMeError(
      'HTTP_ERROR',
      `${target} answered something else than GraphQL: ${text.slice(0, 200)}`,
      {
        status: response.status,
      },
    );
  }
  if (body.errors?.length) throw fromServerErrors(body.errors, { status: response.status });
  if (!body.data)
    throw new GoFindMeError('HTTP_ERROR', `${target} answered without data`, { status: response.status });
  return body.data;
}
