// Live streams with gap-free resume, for anything a group stores with a dense,
// commit-ordered sequence (locations; geofence events). Each kind is a StreamSource.
//
// Every commit publishes what it created (in sequence order) on the group's topic.
// A stream subscribes to that topic first, then reads the database, so nothing can
// fall between the two:
//   1. replay: everything stored after the client's cursor, a page at a time, up to the
//      group's last sequence read after subscribing;
//   2. live: items from the topic. Sequences are dense and commit-ordered, so an item with
//      sequence N proves that everything below N is committed: a hole (items crossing
//      from other instances can arrive out of order) is filled from the database, and
//      anything at or below the cursor is a duplicate and dropped.
// Each stream buffers at most `maxBuffered` items; a subscriber that falls further
// behind is ended with SLOW_CONSUMER and resumes from its last cursor. A stream whose
// key is revoked or expires ends with UNAUTHENTICATED (LiveOptions.watchKey), on every
// transport, since they all read these streams.
import type { CursorKind } from '../cursors.ts';
import type { SqlClient } from '../db/sql.ts';
import { AppError, InputError, unauthenticated } from '../errors.ts';
import type { PubSub } from '../pubsub/pubsub.ts';
import type { StreamTopic, WireItem } from '../pubsub/topics.ts';

/** What a stream's subscriber may narrow it to. */
export interface StreamFilter {
  deviceId?: string | null;
  geofenceId?: string | null;
}

/** One kind of streamed item: where it is stored, how it travels, how it is filtered. */
export interface StreamSource<T extends { sequence: bigint }> {
  /** For messages: "location", "geofence event". */
  name: string;
  topic: StreamTopic;
  /** The cursor clients resume after. */
  cursor: CursorKind<bigint>;
  toWire(item: T): WireItem;
  fromWire(groupId: string, wire: WireItem): T;
  /** A filter argument no stored item could match (a malformed id) is the caller's mistake. */
  checkFilter(filter: StreamFilter): AppError | undefined;
  matches(item: T, filter: StreamFilter): boolean;
  /** The group's last sequence (0 before the first). */
  lastSequence(sql: SqlClient, groupId: string): Promise<bigint>;
  /** The oldest sequence still stored, or null when nothing is. */
  oldestSequence(sql: SqlClient, groupId: string): Promise<bigint | null>;
  /** Stored items with from < sequence <= to matching the filter, in order, at most `limit`. */
  range(
    sql: SqlClient,
    groupId: string,
    filter: StreamFilter,
    from: bigint,
    to: bigint,
    limit: number,
  ): Promise<T[]>;
  /** When the item was stored (for the delivery-latency metric). */
  storedAt(item: T): Date;
}

export interface StreamRequest extends StreamFilter {
  groupId: string;
  keyId: string;
  /** A cursor of the source: replay what came after it first. */
  after?: string | null;
  /** How the subscriber is connected (a label for metrics). */
  transport?: string;
}

/** What a stream yields: an item, or the error that ends it. */
export type StreamEvent<T> = T | { end: AppError };

export interface LiveOptions {
  maxBuffered: number;
  /** Live streams one key may hold open on this instance (all kinds together); more are refused with RATE_LIMITED. */
  maxStreamsPerKey: number;
  replayPageSize?: number;
  onError?: (error: unknown) => void;
  /** Metrics hooks. */
  onPublished?: (source: string, count: number) => void;
  onPublishError?: (error: unknown) => void;
  onStreamsChanged?: (transport: string, delta: 1 | -1) => void;
  /** An item handed to a subscriber; `live` is false for replayed ones. */
  onDelivered?: (source: string, storedAt: Date, live: boolean) => void;
  /**
   * Watches a key while this instance holds streams of it (`KeySessions.add`): `end` runs
   * when the key is revoked or expires, and each of the key's streams then ends with
   * UNAUTHENTICATED. Returns the function that stops watching.
   */
  watchKey?: (keyId: string, end: () => void) => () => void;
}

export class LiveStreams {
  private readonly maxBuffered: number;
  private readonly replayPageSize: number;
  /** The open streams of each key (each by the function that ends it), and the key's watch. */
  private readonly byKey = new Map<string, KeyStreams>();
  private readonly hubs = new Map<string, Hub>();
  private readonly onError: (error: unknown) => void;

  constructor(
    private readonly sql: SqlClient,
    private readonly pubsub: PubSub,
    private readonly options: LiveOptions,
  ) {
    this.maxBuffered = options.maxBuffered;
    this.replayPageSize = options.replayPageSize ?? 500;
    this.onError = options.onError ?? (() => {});
    pubsub.onHealthChange((healthy) => {
      if (!healthy)
        this.endAll(
          new AppError('UNAVAILABLE', 'Live updates are interrupted; resume from your last cursor.', {
            retryAfterSeconds: 5,
          }),
        );
    });
  }

  /** Open streams on this instance. */
  get activeStreams(): number {
    let count = 0;
    for (const { stops } of this.byKey.values()) count += stops.size;
    return count;
  }

  /** Announces what a commit created. Called after COMMIT, in sequence order. */
  publish<T extends { sequence: bigint }>(
    source: StreamSource<T>,
    groupId: string,
    created: readonly T[],
  ): void {
    if (created.length === 0) return;
    this.options.onPublished?.(source.name, created.length);
    // In memory, only this process's hub can hear it: with no stream of the group open
    // here, there is nothing to encode (Redis carries it to other instances regardless).
    if (this.pubsub.kind === 'memory' && !this.hubs.has(hubKeyOf(source, groupId))) return;
    this.pubsub
      .publish(source.topic, groupId, { groupId, items: created.map((item) => source.toWire(item)) })
      .catch((error: unknown) => {
        this.options.onPublishError?.(error);
        this.onError(error);
      });
  }

  /** The group's stream position now: resuming after it streams everything stored from now on. */
  async cursorNow<T extends { sequence: bigint }>(source: StreamSource<T>, groupId: string): Promise<string> {
    return source.cursor.encode(await source.lastSequence(this.sql, groupId));
  }

  /** Ends every stream (shutdown). */
  close(): void {
    // Another instance can take the stream over at once: the hint says so.
    this.endAll(
      new AppError('UNAVAILABLE', 'The server is shutting down; resume from your last cursor.', {
        retryAfterSeconds: 0,
      }),
    );
  }

  /**
   * The items of one subscription. Ending it (`return()`, as transports do when the
   * client goes away) wakes a stream that is waiting for items, so it never lingers.
   */
  stream<T extends { sequence: bigint }>(
    source: StreamSource<T>,
    request: StreamRequest,
  ): AsyncIterableIterator<StreamEvent<T>> {
    const buffer = new EventBuffer<T>(this.maxBuffered, source.name);
    return new Stream(buffer, this.run(source, request, buffer));
  }

  private async *run<T extends { sequence: bigint }>(
    source: StreamSource<T>,
    request: StreamRequest,
    buffer: EventBuffer<T>,
  ): AsyncGenerator<StreamEvent<T>> {
    const { groupId } = request;
    const filter: StreamFilter = { deviceId: request.deviceId, geofenceId: request.geofenceId };
    const badFilter = source.checkFilter(filter);
    if (badFilter) {
      yield { end: badFilter };
      return;
    }
    let cursor: bigint | undefined;
    if (request.after != null) {
      cursor = source.cursor.decode(request.after);
      // Errors that end a stream are yielded, so every transport shows them the same way.
      if (cursor === undefined) {
        yield { end: InputError.at(['after'], `is not a ${source.cursor.name}`) };
        return;
      }
    }

    if (!this.pubsub.isHealthy()) {
      yield { end: unavailable() };
      return;
    }
    const limit = this.options.maxStreamsPerKey;
    if ((this.byKey.get(request.keyId)?.stops.size ?? 0) >= limit) {
      yield {
        end: new AppError(
          'RATE_LIMITED',
          `This key already has ${limit} live subscriptions open here; close one first (LIVE_MAX_SUBSCRIPTIONS_PER_KEY)`,
        ),
      };
      return;
    }
    // Counted before the first await, so that streams starting at once cannot all pass the check.
    const stop = (error: AppError) => buffer.end(error);
    this.register(request.keyId, stop);
    const transport = request.transport ?? 'unknown';
    const delivered = (item: T, live: boolean) =>
      this.options.onDelivered?.(source.name, source.storedAt(item), live);
    this.options.onStreamsChanged?.(transport, 1);
    let leave = () => {};
    try {
      leave = await this.join(source, groupId, buffer);
      const last = await source.lastSequence(this.sql, groupId);
      if (cursor === undefined) {
        cursor = last;
      } else {
        const problem =
          cursor > last
            ? InputError.at(['after'], 'is ahead of this group’s stream')
            : await this.checkRetained(source, groupId, cursor, last);
        if (problem) {
          yield { end: problem };
          return;
        }
        for await (const item of this.range(source, groupId, filter, cursor, last)) {
          // A long replay still ends at once when the subscriber falls behind or the server stops.
          if (buffer.endedWith) {
            yield { end: buffer.endedWith };
            return;
          }
          delivered(item, false);
          yield item;
        }
        cursor = last;
      }
      for (;;) {
        const next = await buffer.next();
        if (next === undefined) return;
        if ('end' in next) {
          yield next;
          return;
        }
        for (const item of next) {
          const { sequence } = item;
          if (sequence <= cursor) continue;
          if (sequence > cursor + 1n) {
            for await (const missed of this.range(source, groupId, filter, cursor, sequence - 1n)) {
              delivered(missed, false);
              yield missed;
            }
          }
          cursor = sequence;
          if (source.matches(item, filter)) {
            delivered(item, true);
            yield item;
          }
        }
      }
    } finally {
      leave();
      this.unregister(request.keyId, stop);
      this.options.onStreamsChanged?.(transport, -1);
    }
  }

  /** Stored items with from < sequence <= to, in order, a page at a time. */
  private async *range<T extends { sequence: bigint }>(
    source: StreamSource<T>,
    groupId: string,
    filter: StreamFilter,
    from: bigint,
    to: bigint,
  ) {
    let position = from;
    while (position < to) {
      const page = await source.range(this.sql, groupId, filter, position, to, this.replayPageSize);
      yield* page;
      if (page.length < this.replayPageSize) return;
      position = page[page.length - 1]!.sequence;
    }
  }

  /** A cursor older than the oldest stored item would silently skip what retention deleted. */
  private async checkRetained<T extends { sequence: bigint }>(
    source: StreamSource<T>,
    groupId: string,
    cursor: bigint,
    last: bigint,
  ): Promise<AppError | undefined> {
    const first = await source.oldestSequence(this.sql, groupId);
    // Nothing stored although items came after the cursor: retention deleted them all.
    const oldest = first ?? last + 1n;
    if (cursor + 1n < oldest) {
      return new AppError(
        'CURSOR_EXPIRED',
        `This cursor is older than the stored history; read the ${source.name} history again and subscribe without \`after\` or with a newer cursor.`,
      );
    }
    return undefined;
  }

  /**
   * Adds a stream's buffer to its group's hub for the source: one PubSub subscription
   * per (source, group) and process, whose items are decoded once and shared by every
   * stream of the group.
   */
  private async join<T extends { sequence: bigint }>(
    source: StreamSource<T>,
    groupId: string,
    buffer: EventBuffer<T>,
  ): Promise<() => void> {
    const hubKey = hubKeyOf(source, groupId);
    let hub = this.hubs.get(hubKey);
    if (!hub) {
      const created: Hub = { buffers: new Set(), ready: Promise.resolve(), unsubscribe: () => {} };
      created.ready = this.pubsub
        .subscribe(source.topic, groupId, (message) => {
          const items = message.items.map((wire) => source.fromWire(groupId, wire)) as never[];
          for (const each of created.buffers) each.push(items);
        })
        .then((unsubscribe) => {
          created.unsubscribe = unsubscribe;
        });
      hub = created;
      this.hubs.set(hubKey, hub);
      created.ready.catch(() => {
        if (this.hubs.get(hubKey) === created) this.hubs.delete(hubKey);
      });
    }
    const member = buffer as unknown as EventBuffer<never>;
    hub.buffers.add(member);
    try {
      await hub.ready;
    } catch (error) {
      hub.buffers.delete(member);
      throw error;
    }
    const joined = hub;
    return () => {
      joined.buffers.delete(member);
      if (joined.buffers.size === 0 && this.hubs.get(hubKey) === joined) {
        this.hubs.delete(hubKey);
        joined.unsubscribe();
      }
    };
  }

  private register(keyId: string, stop: (error: AppError) => void) {
    let key = this.byKey.get(keyId);
    if (!key) {
      key = { stops: new Set() };
      this.byKey.set(keyId, key);
    }
    key.stops.add(stop);
    // One watch per key, not per stream (made again if a stream registers after it ran).
    key.unwatch ??= this.options.watchKey?.(keyId, () => this.endKey(keyId));
  }

  private unregister(keyId: string, stop: (error: AppError) => void) {
    const key = this.byKey.get(keyId);
    if (!key?.stops.delete(stop) || key.stops.size > 0) return;
    this.byKey.delete(keyId);
    key.unwatch?.();
  }

  /** The key was revoked or expired: each of its streams gets UNAUTHENTICATED, then completes. */
  private endKey(keyId: string) {
    const key = this.byKey.get(keyId);
    if (!key) return;
    key.unwatch = undefined; // the watch has run
    for (const stop of key.stops) stop(revoked());
  }

  private endAll(error: AppError) {
    for (const { stops } of this.byKey.values()) for (const stop of stops) stop(error);
  }
}

interface KeyStreams {
  stops: Set<(error: AppError) => void>;
  /** Stops watching the key (LiveOptions.watchKey); unset once the watch has run. */
  unwatch?: () => void;
}

const revoked = () => unauthenticated('The API key of this subscription was revoked or has expired.');

const unavailable = () =>
  new AppError(
    'UNAVAILABLE',
    'Live updates are interrupted (PubSub unreachable); resume from your last cursor shortly.',
    { retryAfterSeconds: 5 },
  );

interface Hub {
  // One hub holds the buffers of one source, whose item type the map cannot name.
  buffers: Set<EventBuffer<never>>;
  ready: Promise<void>;
  unsubscribe: () => void;
}

/** A stream that only reports why it cannot start. */
export async function* endedStream<T>(error: AppError): AsyncGenerator<StreamEvent<T>> {
  yield { end: error };
}

/**
 * A stream as its subscriber sees it: ending it closes its buffer first, so that a
 * generator waiting there for items ends at once. (A class: its methods are shared by
 * every stream instead of being closures made for each, which idle subscribers pay for.)
 */
class Stream<T> implements AsyncIterableIterator<StreamEvent<T>> {
  constructor(
    private readonly buffer: EventBuffer<T>,
    private readonly events: AsyncGenerator<StreamEvent<T>>,
  ) {}

  next(): Promise<IteratorResult<StreamEvent<T>>> {
    return this.events.next();
  }

  return(value?: unknown): Promise<IteratorResult<StreamEvent<T>>> {
    this.buffer.close();
    return this.events.return(value as undefined);
  }

  throw(error?: unknown): Promise<IteratorResult<StreamEvent<T>>> {
    this.buffer.close();
    return this.events.throw(error);
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/** A stream's bounded inbox: batches of items from the PubSub, or the reason it ends. */
class EventBuffer<T> {
  private readonly items: (readonly T[] | { end: AppError })[] = [];
  private size = 0;
  private waiting: ((value: readonly T[] | { end: AppError } | undefined) => void) | undefined;
  private closed = false;
  /** Why the stream was ended, once it was. */
  endedWith: AppError | undefined;

  constructor(
    private readonly max: number,
    /** What the items are, for the message. */
    private readonly what: string,
  ) {}

  push(batch: readonly T[]): void {
    if (this.closed) return;
    // One commit's batch is always taken when the subscriber has caught up, however large.
    if (this.size > 0 && this.size + batch.length > this.max) {
      this.end(
        new AppError(
          'SLOW_CONSUMER',
          `You fell more than ${this.max} ${this.what}s behind; resume from your last cursor.`,
        ),
      );
      return;
    }
    this.size += batch.length;
    this.deliver(batch);
  }

  end(error: AppError): void {
    if (this.closed) return;
    this.endedWith = error;
    this.items.length = 0;
    this.size = 0;
    this.deliver({ end: error });
    this.closed = true;
  }

  close(): void {
    this.closed = true;
    this.waiting?.(undefined);
    this.waiting = undefined;
  }

  next(): Promise<readonly T[] | { end: AppError } | undefined> {
    const item = this.items.shift();
    if (item) {
      if (!('end' in item)) this.size -= item.length;
      return Promise.resolve(item);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  private deliver(item: readonly T[] | { end: AppError }) {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      if (!('end' in item)) this.size -= item.length;
      resolve(item);
    } else {
      this.items.push(item);
    }
  }
}

/** One hub per (source, group) and process. */
const hubKeyOf = (source: { topic: string }, groupId: string) => `${source.topic}\u0000${groupId}`;
