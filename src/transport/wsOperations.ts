// Guards around graphql-ws's handling of operations on one socket.
//
// graphql-ws (6.4.2, the latest) races when a client completes an operation and at once
// subscribes again with the same id: the old operation's cleanup, still running, sends
// a spurious `complete` for the new one and deletes it from the socket's table, which
// leaves it running unseen: it keeps sending, is never ended by a later `complete` or by
// closing the socket, and keeps counting against the key's subscription limit. Two
// guards here make that impossible:
//
// - `gateOperationIds`: a `subscribe` that reuses the id of an operation the client has
//   completed is held until graphql-ws has finished with the old one, so there is only
//   ever one operation per id (a `complete` for the held one cancels it unseen).
// - `OperationTracker`: every result stream started on a socket is tracked by us, not
//   only by graphql-ws, and ended when the socket closes; once ended, nothing more of it
//   is handed to graphql-ws to send.
import type WebSocket from 'ws';

/** A graphql-ws close code: a second `subscribe` for an id that is still running. */
const SUBSCRIBER_ALREADY_EXISTS = 4409;

type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

/** `{ type, id }` of a protocol message, if it is one (graphql-ws parses it properly). */
function peek(data: unknown): { type: string; id: string } | undefined {
  try {
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
    const message = JSON.parse(text) as { type?: unknown; id?: unknown };
    return typeof message.type === 'string' && typeof message.id === 'string'
      ? { type: message.type, id: message.id }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Wraps the socket's 'message' dispatch (install it before graphql-ws attaches its
 * listener); other events go to the socket's own emit.
 */
export function gateOperationIds(socket: WebSocket): Emit {
  const { emit } = Object.getPrototypeOf(socket) as { emit: Emit }; // shared, not bound per socket
  /** Operations handed to graphql-ws, until its handling of them has ended. */
  const running = new Map<string, Promise<unknown>>();
  /** Ids the client completed whose operation graphql-ws is still winding down. */
  const completing = new Set<string>();
  /** A `subscribe` reusing such an id, held until then. */
  const held = new Map<string, unknown[]>();

  // graphql-ws's listener returns the promise of handling the message, which for a
  // subscription settles only after its cleanup: call the listeners ourselves to get it.
  // (A subscription holds this promise for as long as it runs: no Promise.all for the
  // usual single listener.)
  const dispatch = (args: unknown[]): Promise<unknown> => {
    const listeners = socket.rawListeners('message');
    return listeners.length === 1
      ? Promise.resolve(listeners[0]!.apply(socket, args))
      : Promise.all(listeners.map((listener) => listener.apply(socket, args)));
  };

  const settle = (id: string, handled: Promise<unknown>) => {
    if (running.get(id) !== handled) return;
    running.delete(id);
    completing.delete(id);
    const next = held.get(id);
    if (next) {
      held.delete(id);
      socket.emit('message', ...next);
    }
  };

  return (event, ...args) => {
    if (event !== 'message') return emit.call(socket, event, ...args);
    const message = peek(args[0]);
    if (message?.type === 'subscribe') {
      const { id } = message;
      if (held.has(id)) {
        socket.close(SUBSCRIBER_ALREADY_EXISTS, `Subscriber for ${id.slice(0, 50)} already exists`);
        return true;
      }
      if (completing.has(id)) {
        held.set(id, args);
        return true;
      }
      const handled = dispatch(args);
      // A duplicate of a running id is graphql-ws's to refuse (it closes with 4409).
      if (!running.has(id)) {
        running.set(id, handled);
        const done = () => settle(id, handled);
        handled.then(done, done);
      }
      return true;
    }
    if (message?.type === 'complete') {
      const { id } = message;
      if (held.delete(id)) return true; // cancelled before it started: nothing to tell graphql-ws
      if (running.has(id)) completing.add(id);
    }
    void dispatch(args);
    return true;
  };
}

/** The result streams of one socket's operations. */
export class OperationTracker {
  /** @internal Streams still running. */
  readonly streams = new Set<TrackedStream<unknown>>();
  private closed = false;

  /** Tracks a result stream; once ended (by the client, the socket or itself) it yields nothing more. */
  track<T>(source: AsyncIterable<T>): AsyncIterableIterator<T> {
    const tracked = new TrackedStream(this, source[Symbol.asyncIterator]());
    if (this.closed) void tracked.return();
    else this.streams.add(tracked as TrackedStream<unknown>);
    return tracked;
  }

  /** Ends every stream still running (the socket closed). */
  async closeAll(): Promise<void> {
    this.closed = true;
    const streams = [...this.streams];
    this.streams.clear();
    await Promise.all(streams.map((stream) => stream.return()));
  }

  get size(): number {
    return this.streams.size;
  }
}

/**
 * One tracked stream. (A class rather than an object of closures: an idle subscriber
 * holds one of these, and methods on the prototype cost it nothing.)
 */
class TrackedStream<T> implements AsyncIterableIterator<T> {
  private ended = false;

  constructor(
    private readonly tracker: OperationTracker,
    private readonly iterator: AsyncIterator<T>,
  ) {}

  next(): Promise<IteratorResult<T>> {
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return this.iterator.next().then((step) => {
      // Ended while this result was being produced: it is not sent.
      if (this.ended || step.done) {
        this.end();
        return { done: true, value: undefined };
      }
      return step;
    });
  }

  async return(): Promise<IteratorResult<T>> {
    this.end();
    await this.iterator.return?.();
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private end() {
    if (this.ended) return;
    this.ended = true;
    this.tracker.streams.delete(this as TrackedStream<unknown>);
  }
}
