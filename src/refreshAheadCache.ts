// A cache for what a request must look up before it can run (an API key, a group's
// geofences): entries live `ttlMs`, and one in steady use is loaded again in the
// background once past half its TTL (refresh-ahead), so that a request seldom waits for the
// database. What is served is never older than `ttlMs`; a load overtaken by `delete` (a
// revocation, a changed geofence) is discarded rather than stored.
import { LRUCache, type Perf } from 'lru-cache';

export interface RefreshAheadCacheOptions<K, V> {
  /** How long a loaded value may be served, in ms. */
  ttlMs: number;
  /** Most entries kept; the least recently used go first. */
  max: number;
  /** Reads a value; `undefined` when there is none (nothing is cached then). */
  load: (key: K) => Promise<V | undefined>;
  /** A background load failed (the value served stays until it expires). */
  onRefreshError?: (error: unknown) => void;
  /** The clock (tests only). */
  perf?: Perf;
}

export class RefreshAheadCache<K extends {}, V extends {}> {
  readonly #values: LRUCache<K, V>;
  /** Loads of missing keys, one per key however many ask at once. */
  readonly #loading = new Map<K, Promise<V | undefined>>();
  /** Keys being loaded again in the background. */
  readonly #refreshing = new Set<K>();
  readonly #ttlMs: number;
  readonly #load: (key: K) => Promise<V | undefined>;
  readonly #onRefreshError: (error: unknown) => void;

  constructor(options: RefreshAheadCacheOptions<K, V>) {
    this.#ttlMs = options.ttlMs;
    this.#load = options.load;
    this.#onRefreshError = options.onRefreshError ?? (() => {});
    this.#values = new LRUCache({
      max: options.max,
      ttl: options.ttlMs,
      // A clock given is read at every use (by default, a reading is reused for 1 ms).
      ...(options.perf && { perf: options.perf, ttlResolution: 0 }),
    });
  }

  /** The key's value, from the cache or loaded; rejects when a load the caller waits for fails. */
  get(key: K): Promise<V | undefined> {
    const value = this.#values.get(key);
    if (value === undefined) return this.#loadMissing(key);
    if (this.#values.getRemainingTTL(key) < this.#ttlMs / 2) this.#refresh(key, value);
    return Promise.resolve(value);
  }

  /** The key's value if it is in the cache, without loading or refreshing it. */
  peek(key: K): V | undefined {
    return this.#values.get(key);
  }

  /** Forgets a key: its next use loads it, and a load of it under way is not stored. */
  delete(key: K): void {
    this.#values.delete(key);
    this.#loading.delete(key);
  }

  /** Forgets every key whose value matches, and every load under way (which may match once done). */
  deleteWhere(matches: (value: V) => boolean): void {
    for (const [key, value] of this.#values.entries()) if (matches(value)) this.#values.delete(key);
    this.#loading.clear();
  }

  #loadMissing(key: K): Promise<V | undefined> {
    const pending = this.#loading.get(key);
    if (pending) return pending;
    const loading = this.#load(key).then(
      (value) => {
        if (this.#loading.get(key) !== loading) return value; // deleted meanwhile: serve, don't keep
        this.#loading.delete(key);
        if (value !== undefined) this.#values.set(key, value);
        return value;
      },
      (error: unknown) => {
        if (this.#loading.get(key) === loading) this.#loading.delete(key);
        throw error;
      },
    );
    this.#loading.set(key, loading);
    return loading;
  }

  /** Loads a value in use again; stored only if the entry is still the one that was served. */
  #refresh(key: K, current: V): void {
    if (this.#refreshing.has(key)) return;
    this.#refreshing.add(key);
    this.#load(key)
      .then((fresh) => {
        if (this.#values.peek(key) !== current) return; // deleted or replaced meanwhile
        if (fresh === undefined) this.#values.delete(key);
        else this.#values.set(key, fresh);
      })
      .catch(this.#onRefreshError)
      .finally(() => this.#refreshing.delete(key));
  }
}
