// The `geofenceEvents` subscription over graphql-sse (the client's watch() covers
// locations only), resumed the way watch() resumes: it remembers the last event's cursor
// and, whenever the stream ends, subscribes again after it (backing off), so the server
// replays what was missed. graphql-sse's own retries are off: they would reuse the first `after`.
import { createClient, NetworkError } from 'graphql-sse';
import { fromHttpResponse, fromServerErrors, GoFindMeError, networkError } from '../../client/errors.ts';
import { DEFAULT_RETRY, retryDelay } from '../../client/retry.ts';
import { GEOFENCE_EVENTS, type GeofenceEvent } from './api.ts';

/** The errors of a result, as the server sent them (graphql-sse types them as GraphQLErrors). */
type ServerErrors = Parameters<typeof fromServerErrors>[0];

export interface GeofenceFeedOptions {
  /** The GraphQL endpoint; the stream is at <url>/stream. */
  url: string;
  apiKey: string;
  /** Start after this cursor (Group.geofenceEventCursor or an event's). */
  after: string | undefined;
  onEvent: (event: GeofenceEvent) => void;
  /** An error no retry can fix (a revoked key): the feed has stopped. */
  onError: (error: GoFindMeError) => void;
}

/** Starts the feed; returns what stops it. */
export function watchGeofenceEvents(options: GeofenceFeedOptions): () => void {
  const url = `${options.url.replace(/\/$/, '')}/stream`;
  const target = `stream ${url}`;
  let after = options.after;
  let attempt = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let close: (() => void) | undefined;

  const connect = () => {
    let ended = false;
    const client = createClient({ url, headers: { 'x-api-key': options.apiKey }, retryAttempts: 0 });
    const end = (error: GoFindMeError) => {
      if (ended || stopped) return;
      ended = true;
      close?.();
      if (error.code === 'CURSOR_EXPIRED') {
        after = undefined; // older events are gone: go on from now
        return connect();
      }
      if (!error.retryable) return options.onError(error);
      timer = setTimeout(connect, retryDelay(attempt++, DEFAULT_RETRY, error.retryAfterMs));
    };
    const unsubscribe = client.subscribe<{ geofenceEvents: GeofenceEvent }>(
      { query: GEOFENCE_EVENTS, variables: { after } },
      {
        next: (result) => {
          if (result.errors?.length) return end(fromServerErrors(result.errors as ServerErrors));
          const event = result.data?.geofenceEvents;
          if (!event || ended) return;
          after = event.cursor;
          attempt = 0;
          options.onEvent(event);
        },
        error: (error) => {
          const response =
            error instanceof NetworkError ? (error.response as Response | undefined) : undefined;
          if (response) void fromHttpResponse(response, target).then(end);
          else end(networkError(target, error));
        },
        complete: () => end(new GoFindMeError('NETWORK_ERROR', `${target} ended`)),
      },
    );
    close = () => {
      ended = true;
      unsubscribe();
      client.dispose();
    };
  };

  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    close?.();
  };
}
