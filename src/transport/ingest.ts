// The tracking apps' own HTTP endpoints: /ingest/owntracks, /ingest/osmand and
// /ingest/overland. Each request is authenticated with an API key (only locations:write is
// needed), charged to the key's reports budget, read by its app's adapter (src/ingest) and
// stored through the same LocationService as reportLocations: same validation,
// idempotency, storage, live updates and webhooks. Answers are what each app needs to
// dequeue; refusals are 4xx with a short reason naming the app's own field.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { ApiKeyService, Principal } from '../auth/apiKeys.ts';
import { RateLimitedError, type RateLimits } from '../auth/rateLimits.ts';
import { AppError, InputError } from '../errors.ts';
import type { AppReport, IngestProtocol } from '../ingest/fix.ts';
import { readOsmAnd } from '../ingest/osmand.ts';
import { readOverland } from '../ingest/overland.ts';
import { asFriend, readOwnTracks } from '../ingest/owntracks.ts';
import { FieldError } from '../ingest/units.ts';
import type { LocationHistory } from '../locations/history.ts';
import type { Location } from '../locations/record.ts';
import type { LocationService } from '../locations/service.ts';
import type { Logger } from '../observability/logger.ts';
import { apiKeyFromHeaders } from '../schema/context.ts';

export const INGEST_PREFIX = '/ingest/';

/** Friends OwnTracks is shown: the group's most recently active devices… */
const MAX_FRIENDS = 50;
/** …read at most this often per group: apps report every few seconds at most, friends move slower. */
const FRIENDS_TTL_MS = 5_000;

interface Route {
  protocol: IngestProtocol;
  methods: readonly string[];
  /** The API key of the request, wherever this app can put it. */
  key(request: IncomingMessage, url: URL, pathKey: string | undefined): string | null;
  /** How a refused key is answered (RFC 9110 challenge). */
  challenge: string;
  read(request: IncomingMessage, url: URL, body: Buffer | undefined): AppReport;
  /** The answer the app needs to dequeue what it sent. */
  ok(res: ServerResponse, context: { principal: Principal; sentBy: readonly string[] }): Promise<void>;
  refuse(res: ServerResponse, status: number, reason: string, headers?: Record<string, string>): void;
}

export interface IngestDeps {
  apiKeys: ApiKeyService;
  locations: LocationService;
  history: LocationHistory;
  rateLimits: RateLimits;
  logger: Logger;
}

export function createIngest({ apiKeys, locations, history, rateLimits, logger }: IngestDeps) {
  const friendsCache = new LRUCache<string, Promise<Location[]>>({ max: 10_000, ttl: FRIENDS_TTL_MS });
  const recentDevices = (groupId: string) => {
    let friends = friendsCache.get(groupId);
    if (!friends) {
      friends = history.recentDevices(groupId, MAX_FRIENDS + 1);
      friendsCache.set(groupId, friends);
      friends.catch(() => friendsCache.delete(groupId));
    }
    return friends;
  };
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };
  const text = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  };
  const jsonRefusal = (
    res: ServerResponse,
    status: number,
    reason: string,
    headers?: Record<string, string>,
  ) => json(res, status, { error: reason }, headers);

  const routes: Record<IngestProtocol, Route> = {
    owntracks: {
      protocol: 'owntracks',
      methods: ['POST'],
      // HTTP Basic: any user name, the key as password (the app's "Password" setting).
      key: (request) => basicAuth(request)?.password ?? apiKeyFromHeaders(headersOf(request)),
      challenge: 'Basic realm="gofindme", charset="UTF-8"',
      read: (request, _url, body) =>
        readOwnTracks(body, {
          basicUser: basicAuth(request)?.user || null,
          limitUser: header(request, 'x-limit-u'),
          limitDevice: header(request, 'x-limit-d'),
        }),
      ok: async (res, { principal, sentBy }) => {
        const friends = principal.scopes.has('locations:read')
          ? (await recentDevices(principal.groupId)).filter((location) => !sentBy.includes(location.deviceId))
          : [];
        json(res, 200, friends.slice(0, MAX_FRIENDS).map(asFriend));
      },
      refuse: jsonRefusal,
    },
    osmand: {
      protocol: 'osmand',
      methods: ['GET', 'POST'],
      // These apps cannot set headers: the key is `?key=` or one path segment.
      key: (request, url, pathKey) =>
        pathKey ?? url.searchParams.get('key') ?? apiKeyFromHeaders(headersOf(request)),
      challenge: 'Bearer realm="gofindme"',
      read: (request, url, body) => {
        const params = new URLSearchParams(url.searchParams);
        params.delete('key');
        return readOsmAnd(params, header(request, 'content-type') ?? '', body, new Date());
      },
      ok: async (res) => text(res, 200, ''),
      refuse: (res, status, reason, headers) => text(res, status, `${reason}\n`, headers),
    },
    overland: {
      protocol: 'overland',
      methods: ['POST'],
      key: (request, url) => apiKeyFromHeaders(headersOf(request)) ?? url.searchParams.get('key'),
      challenge: 'Bearer realm="gofindme"',
      read: (_request, _url, body) => readOverland(body),
      ok: async (res) => json(res, 200, { result: 'ok' }),
      refuse: (res, status, reason, headers) =>
        json(res, status, { result: 'error', error: reason }, headers),
    },
  };

  /** Path -> route and the key in the path (only /ingest/osmand/<key>). */
  const resolve = (path: string): { route: Route; pathKey?: string } | undefined => {
    const [, , name, pathKey, ...rest] = path.split('/');
    const route = routes[name as IngestProtocol];
    if (!route || rest.length > 0) return undefined;
    if (pathKey !== undefined)
      return route.protocol === 'osmand' && pathKey !== '' ? { route, pathKey } : undefined;
    return { route };
  };

  async function handle(request: IncomingMessage, res: ServerResponse, url: URL, body: Buffer | undefined) {
    const found = resolve(url.pathname);
    if (!found)
      return text(
        res,
        404,
        'Not found: the ingest endpoints are /ingest/owntracks, /ingest/osmand and /ingest/overland\n',
      );
    const { route, pathKey } = found;
    if (!route.methods.includes(request.method ?? '')) {
      return route.refuse(res, 405, `Use ${route.methods.join(' or ')}`, { allow: route.methods.join(', ') });
    }
    let principal: Principal;
    try {
      principal = await apiKeys.authenticate(route.key(request, url, pathKey));
    } catch (error) {
      if (error instanceof AppError) {
        return route.refuse(res, 401, error.message, { 'www-authenticate': route.challenge });
      }
      throw error;
    }
    if (!principal.scopes.has('locations:write')) {
      return route.refuse(res, 403, 'This key lacks the locations:write scope');
    }
    let report: AppReport | undefined;
    try {
      await rateLimits.consume(principal.keyId, 'reports');
      report = route.read(request, url, body);
      const sentBy = [...new Set(report.fixes.map((fix) => fix.deviceId))];
      if (report.fixes.length > 0) await store(route, principal, report);
      await route.ok(res, { principal, sentBy });
    } catch (error) {
      if (error instanceof FieldError) return route.refuse(res, 400, error.message);
      if (error instanceof RateLimitedError) {
        return route.refuse(res, 429, error.message, { 'retry-after': String(error.retryAfterSeconds) });
      }
      if (error instanceof InputError) {
        return route.refuse(res, 400, describe(error, route, report));
      }
      if (error instanceof AppError) return route.refuse(res, 400, error.message);
      logger.error({ err: error, protocol: route.protocol }, 'unexpected error in an ingest request');
      return route.refuse(res, 500, 'Unexpected error');
    }
  }

  /**
   * Stores all fixes of the request, or none. A fix whose derived clientId is stored with
   * other values (the same time and position with, say, another battery level) is a
   * duplicate the app cannot fix: the stored one stands, the rest of the request is stored.
   */
  async function store(route: Route, principal: Principal, report: AppReport) {
    const caller = { groupId: principal.groupId, keyId: principal.keyId };
    try {
      await locations.reportMany(caller, report.fixes, route.protocol);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'IDEMPOTENCY_KEY_REUSED') throw error;
      const reused = new Set(
        ((error.details?.conflicts ?? []) as { path: (string | number)[] }[]).map((c) => c.path[1] as number),
      );
      const rest = report.fixes.filter((_, index) => !reused.has(index));
      if (rest.length > 0) await locations.reportMany(caller, rest, route.protocol);
    }
  }

  return {
    /** Whether a path is one of the ingest endpoints' (or under their prefix). */
    handles: (path: string) => path.startsWith(INGEST_PREFIX),
    handle,
  };
}

/** An InputError about `input[i].field` said with the app's names ("lat: must be between -90 and 90"). */
function describe(error: InputError, route: Route, report: AppReport | undefined): string {
  const parts = error.issues.slice(0, 3).map((issue) => {
    const [, index, field] = issue.path;
    const name =
      report && typeof index === 'number' && typeof field === 'string'
        ? report.fieldName(index, field)
        : issue.path.join('.');
    return `${name}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : '';
  return `Invalid ${route.protocol} fix: ${parts.join('; ')}${more}`;
}

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  return text ? text : null;
}

function headersOf(request: IncomingMessage): Headers {
  const headers = new Headers();
  for (const name of ['x-api-key', 'authorization']) {
    const value = header(request, name);
    if (value) headers.set(name, value);
  }
  return headers;
}

/** HTTP Basic credentials (RFC 7617), if the request carries them. */
function basicAuth(request: IncomingMessage): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header(request, 'authorization') ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A request path with a key in it (/ingest/osmand/<key>) made safe for logs. */
export function redactPath(path: string): string {
  return path.replace(/^(\/ingest\/osmand\/)[^/?]+/, '$1[key]');
}
