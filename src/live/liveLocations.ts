// Live location streams with gap-free resume.
//
// Every commit publishes its new locations (in sequence order) on the group's topic.
// A stream subscribes to that topic first, then reads the database, so nothing can
// fall between the two:
//   1. replay: every stored location after the client's cursor, a page at a time,
//      up to the group's last sequence read after subscribing;
//   2. live: events from the topic. Sequences are dense and commit-ordered, so an
//      event with sequence N proves that everything below N is committed: a hole
//      (events crossing from other instances can arrive out of order) is filled from
//      the database, and anything at or below the cursor is a duplicate and dropped.
// Each stream buffers at most `maxBuffered` locations; a subscriber that falls further
// behind is ended with SLOW_CONSUMER and resumes from its last cursor.

import { streamCursor } from '../cursors.ts';
import type { Sql } from '../db/sql.ts';
import { AppError, InputError } from '../errors.ts';
import { deviceIdError } from '../ids.ts';
import {
  fromWire,
  LOCATION_COLUMNS,
  type Location,
  type LocationRow,
  toLocation,
  toWire,
} from '../locations/record.ts';
import type { PubSub } from '../pubsub/pubsub.ts';

export interface StreamRequest {
  groupId: string;
  keyId: string;
  deviceId?: string | null;
  /** A `Location.cursor`: replay what came after it first. */
  after?: string | null;
  /** How the subscriber is connected (a label for metrics). */
  transport?: string;
}

/** What a stream yields: a location, or the error that ends it. */
export type StreamEvent = Location | { end: AppError };

export interface LiveOptions {
  maxBuffered: number;
  /** Streams one key may hold open on this instance; more are refused with RATE_LIMITED. */
  maxStreamsPerKey: number;
  replayPageSize?: number;
  onError?: (error: unknown) => void;
  /** Metrics hooks. */
  onPublished?: (count: number) => void;
  onPublishError?: (error: unknown) => void;
  onStreamsChanged?: (transport: string, delta: 1 | -1) => void;
  /** A location handed to a subscriber; `live` is false for replayed ones. */
  onDelivered?: (location: Location, live: boolean) => void;
}

export class LiveLocations {
  private readonly maxBuffered: number;
  private readonly replayPageSize: number;
  private readonly streamsByKey = new Map<string, Set<(error: AppError) => void>>();
  private readonly hubs = new Map<string, Hub>();
  private readonly onError: (error: unknown) => void;

  constructor(
    private readonly sql: Sql,
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
    for (const streams of this.streamsByKey.values()) count += streams.size;
    return count;
  }

  /** Announces what a commit created. Called after COMMIT, in sequence order. */
  publish(groupId: string, created: readonly Location[]): void {
    if (created.length === 0) return;
    this.options.onPublished?.(created.length);
    this.pubsub
      .publish('group.locations', groupId, { groupId, locations: created.map(toWire) })
      .catch((error: unknown) => {
        this.options.onPublishError?.(error);
        this.onError(error);
      });
  }

  /** The group's stream position now: resuming after it streams everything stored from now on. */
  async streamCursor(groupId: string): Promise<string> {
    return streamCursor.encode(await this.lastSequence(groupId));
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
   * The events of one subscription. Ending it (`return()`, as transports do when the
   * client goes away) wakes a stream that is waiting for events, so it never lingers.
   */
  stream(request: StreamRequest): AsyncIterableIterator<StreamEvent> {
    const buffer = new EventBuffer(this.maxBuffered);
    const events = this.run(request, buffer);
    return {
      next: () => events.next(),
      return: (value?: unknown) => {
        buffer.close();
        return events.return(value as undefined);
      },
      throw: (error?: unknown) => {
        buffer.close();
        return events.throw(error);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  private async *run(request: StreamRequest, buffer: EventBuffer): AsyncGenerator<StreamEvent> {
    const { groupId, deviceId } = request;
    const badDevice = deviceId == null ? undefined : deviceIdError(deviceId, ['deviceId']);
    if (badDevice) {
      yield { end: badDevice };
      return;
    }
    let cursor: bigint | undefined;
    if (request.after != null) {
      cursor = streamCursor.decode(request.after);
      // Errors that end a stream are yielded, so every transport shows them the same way.
      if (cursor === undefined) {
        yield { end: InputError.at(['after'], `is not a ${streamCursor.name}`) };
        return;
      }
    }

    if (!this.pubsub.isHealthy()) {
      yield { end: unavailable() };
      return;
    }
    const limit = this.options.maxStreamsPerKey;
    if ((this.streamsByKey.get(request.keyId)?.size ?? 0) >= limit) {
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
    const delivered = this.options.onDelivered ?? (() => {});
    this.options.onStreamsChanged?.(transport, 1);
    let leave = () => {};
    try {
      leave = await this.join(groupId, buffer);
      const last = await this.lastSequence(groupId);
      if (cursor === undefined) {
        cursor = last;
      } else {
        const problem =
          cursor > last
            ? InputError.at(['after'], 'is ahead of this group’s stream')
            : await this.checkRetained(groupId, cursor, last);
        if (problem) {
          yield { end: problem };
          return;
        }
        for await (const location of this.range(groupId, deviceId, cursor, last)) {
          // A long replay still ends at once when the subscriber falls behind or the server stops.
          if (buffer.endedWith) {
            yield { end: buffer.endedWith };
            return;
          }
          delivered(location, false);
          yield location;
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
        for (const location of next) {
          const { sequence } = location;
          if (sequence <= cursor) continue;
          if (sequence > cursor + 1n) {
            for await (const missed of this.range(groupId, deviceId, cursor, sequence - 1n)) {
              delivered(missed, false);
              yield missed;
            }
          }
          cursor = sequence;
          if (deviceId == null || location.deviceId === deviceId) {
            delivered(location, true);
            yield location;
          }
        }
      }
    } finally {
      leave();
      this.unregister(request.keyId, stop);
      this.options.onStreamsChanged?.(transport, -1);
    }
  }

  /** Stored locations with from < sequence <= to, in order, a page at a time. */
  private async *range(groupId: string, deviceId: string | null | undefined, from: bigint, to: bigint) {
    let position = from;
    while (position < to) {
      const rows = await this.sql.query<LocationRow>(
        `SELECT ${LOCATION_COLUMNS('l')} FROM locations l
         WHERE l.group_id = $1::uuid AND l.sequence > $2::bigint AND l.sequence <= $3::bigint
           AND ($4::text IS NULL OR l.device_id = $4::text)
         ORDER BY l.sequence LIMIT $5`,
        [groupId, position.toString(), to.toString(), deviceId ?? null, this.replayPageSize],
      );
      for (const row of rows) yield toLocation(groupId, row);
      if (rows.length < this.replayPageSize) return;
      position = BigInt(rows[rows.length - 1]!.sequence);
    }
  }

  private async lastSequence(groupId: string): Promise<bigint> {
    const [row] = await this.sql.query<{ last: string }>(
      'SELECT last_sequence::text AS last FROM groups WHERE id = $1::uuid',
      [groupId],
    );
    return BigInt(row?.last ?? '0');
  }

  /** A cursor older than the oldest stored location would silently skip what retention deleted. */
  private async checkRetained(groupId: string, cursor: bigint, last: bigint): Promise<AppError | undefined> {
    const [row] = await this.sql.query<{ first: string | null }>(
      'SELECT min(sequence)::text AS first FROM locations WHERE group_id = $1::uuid',
      [groupId],
    );
    // Nothing stored although locations came after the cursor: retention deleted them all.
    const oldest = row?.first != null ? BigInt(row.first) : last + 1n;
    if (cursor + 1n < oldest) {
      return new AppError(
        'CURSOR_EXPIRED',
        'This cursor is older than the stored history; read `locations` again and subscribe without `after` or with a newer cursor.',
      );
    }
    return undefined;
  }

  /**
   * Adds a stream's buffer to its group's hub: one PubSub subscription per group and
   * process, whose events are decoded once and shared by every stream of the group.
   */
  private async join(groupId: string, buffer: EventBuffer): Promise<() => void> {
    let hub = this.hubs.get(groupId);
    if (!hub) {
      const created: Hub = { buffers: new Set(), ready: Promise.resolve(), unsubscribe: () => {} };
      created.ready = this.pubsub
        .subscribe('group.locations', groupId, (event) => {
          const locations = event.locations.map((wire) => fromWire(groupId, wire));
          for (const member of created.buffers) member.push(locations);
        })
        .then((unsubscribe) => {
          created.unsubscribe = unsubscribe;
        });
      hub = created;
      this.hubs.set(groupId, hub);
      created.ready.catch(() => {
        if (this.hubs.get(groupId) === created) this.hubs.delete(groupId);
      });
    }
    hub.buffers.add(buffer);
    try {
      await hub.ready;
    } catch (error) {
      hub.buffers.delete(buffer);
      throw error;
    }
    const joined = hub;
    return () => {
      joined.buffers.delete(buffer);
      if (joined.buffers.size === 0 && this.hubs.get(groupId) === joined) {
        this.hubs.delete(groupId);
        joined.unsubscribe();
      }
    };
  }

  private register(keyId: string, stop: (error: AppError) => void) {
    const streams = this.streamsByKey.get(keyId) ?? new Set();
    this.streamsByKey.set(keyId, streams);
    streams.add(stop);
  }

  private unregister(keyId: string, stop: (error: AppError) => void) {
    const streams = this.streamsByKey.get(keyId);
    streams?.delete(stop);
    if (streams?.size === 0) this.streamsByKey.delete(keyId);
  }

  private endAll(error: AppError) {
    for (const streams of this.streamsByKey.values()) for (const stop of streams) stop(error);
  }
}

const unavailable = () =>
  new AppError(
    'UNAVAILABLE',
    'Live updates are interrupted (PubSub unreachable); resume from your last cursor shortly.',
    { retryAfterSeconds: 5 },
  );

interface Hub {
  buffers: Set<EventBuffer>;
  ready: Promise<void>;
  unsubscribe: () => void;
}

/** A stream that only reports why it cannot start. */
export async function* endedStream(error: AppError): AsyncGenerator<StreamEvent> {
  yield { end: error };
}

/** A stream's bounded inbox: batches of locations from the PubSub, or the reason it ends. */
class EventBuffer {
  private readonly items: (readonly Location[] | { end: AppError })[] = [];
  private size = 0;
  private waiting: ((value: readonly Location[] | { end: AppError } | undefined) => void) | undefined;
  private closed = false;
  /** Why the stream was ended, once it was. */
  endedWith: AppError | undefined;

  constructor(private readonly max: number) {}

  push(batch: readonly Location[]): void {
    if (this.closed) return;
    // One commit's batch is always taken when the subscriber has caught up, however large.
    if (this.size > 0 && this.size + batch.length > this.max) {
      this.end(
        new AppError(
          'SLOW_CONSUMER',
          `You fell more than ${this.max} locations behind; resume from your last cursor.`,
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

  next(): Promise<readonly Location[] | { end: AppError } | undefined> {
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

  private deliver(item: readonly Location[] | { end: AppError }) {
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
