// The offline queue behind report(): a fix is saved to the queue's storage first, then
// sent with others in a `reportLocations` batch, one batch at a time, again and again
// until the server has it. Every fix carries a clientId, so a batch sent twice (its
// answer was lost) is stored once.
import { ReportLocations } from './documents.ts';
import { GoFindMeError } from './errors.ts';
import type { ClientReportLocationsMutation } from './gql/graphql.ts';
import { type HttpEndpoint, postGraphQL } from './http.ts';
import { type RetryOptions, retryDelay } from './retry.ts';
import type { QueuedLocation, QueueStorage } from './storage.ts';

/** What an app reports. `recordedAt` defaults to now, `clientId` to a random UUID. */
export type LocationFix = Omit<QueuedLocation, 'clientId' | 'recordedAt'> & {
  recordedAt?: Date | string;
  clientId?: string;
};

/** A fix the server has stored. */
export type StoredLocation = ClientReportLocationsMutation['reportLocations'][number];

export interface ReportQueueOptions {
  endpoint: HttpEndpoint;
  storage: QueueStorage;
  batchSize: number;
  batchDelayMs: number;
  retry: RetryOptions;
  onStored?: (locations: StoredLocation[]) => void;
  onRejected?: (fixes: QueuedLocation[], error: GoFindMeError) => void;
  onSendError?: (error: GoFindMeError) => void;
}

export class ReportQueue {
  #queue: QueuedLocation[] = [];
  readonly #loaded: Promise<void>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDue = Number.POSITIVE_INFINITY;
  #sending = false;
  #attempt = 0;
  /** Set by a Retry-After: nothing is sent before. */
  #notBefore = 0;
  /** Why sending stopped for good: a refused key, or close(). */
  #stopped: GoFindMeError | undefined;
  #flushes: { resolve: () => void; reject: (error: GoFindMeError) => void }[] = [];
  #lastSave: Promise<void> = Promise.resolve();
  #nextSave: Promise<void> | undefined;
  readonly #abort = new AbortController();

  constructor(private readonly options: ReportQueueOptions) {
    this.#loaded = Promise.resolve(options.storage.load()).then((saved) => {
      this.#queue = saved;
      if (saved.length > 0) this.#schedule(0);
    });
    this.#loaded.catch(() => {}); // surfaces in report() and flush()
  }

  get pending(): number {
    return this.#queue.length;
  }

  /** Resolves once the fix is in the queue's storage (not when it is sent). */
  async add(fix: LocationFix): Promise<QueuedLocation> {
    const queued = toQueued(fix);
    await this.#loaded;
    if (this.#abort.signal.aborted) throw closedError(this.#queue.length);
    this.#queue.push(queued);
    this.#schedule(this.#queue.length >= this.options.batchSize ? 0 : this.options.batchDelayMs);
    await this.#persist();
    return queued;
  }

  /**
   * Sends now (no batch delay, no backoff wait; a Retry-After is still honoured) and
   * resolves when the queue is empty. Rejects if sending stops for good.
   */
  async flush(): Promise<void> {
    await this.#loaded;
    if (this.#stopped) throw this.#stopped;
    if (this.#queue.length === 0) return;
    const empty = new Promise<void>((resolve, reject) => this.#flushes.push({ resolve, reject }));
    this.#schedule(0);
    return empty;
  }

  /** Stops sending (a batch in flight is abandoned: it stays queued) and waits for the last save. */
  async close(): Promise<void> {
    if (!this.#abort.signal.aborted) {
      this.#abort.abort();
      clearTimeout(this.#timer);
      this.#stop(closedError(this.#queue.length));
    }
    await this.#lastSave;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped || this.#sending) return; // a send in progress schedules the next one
    const due = Math.max(Date.now() + delayMs, this.#notBefore);
    if (this.#timer !== undefined && this.#timerDue <= due) return;
    clearTimeout(this.#timer);
    this.#timerDue = due;
    this.#timer = setTimeout(() => void this.#sendBatch(), due - Date.now());
  }

  async #sendBatch(): Promise<void> {
    this.#timer = undefined;
    this.#timerDue = Number.POSITIVE_INFINITY;
    const batch = this.#queue.slice(0, this.options.batchSize);
    if (batch.length === 0) return this.#settleFlushes();
    this.#sending = true;
    let retryInMs: number | undefined;
    try {
      const data = await postGraphQL<ClientReportLocationsMutation>(
        this.options.endpoint,
        ReportLocations.toString(),
        { input: batch },
        this.#abort.signal,
      );
      this.#attempt = 0;
      this.#remove(batch);
      this.options.onStored?.(data.reportLocations);
    } catch (caught) {
      if (this.#abort.signal.aborted) return;
      const error = caught as GoFindMeError;
      if (error.code === 'BAD_USER_INPUT') {
        // The batch is all or nothing: drop the fixes the server names and send the rest again.
        const rejected = rejectedFixes(batch, error);
        this.#remove(rejected);
        this.options.onRejected?.(rejected, error);
      } else if (error.retryable) {
        retryInMs = retryDelay(this.#attempt++, this.options.retry, error.retryAfterMs);
        this.#notBefore = Date.now() + (error.retryAfterMs ?? 0);
        this.options.onSendError?.(error);
      } else {
        this.options.onSendError?.(error);
        this.#stop(error);
        return;
      }
    } finally {
      this.#sending = false;
    }
    // A failed save shows in the next report(), which saves the whole queue again; until
    // then the storage may still hold sent fixes, which sending again would not duplicate.
    this.#persist().catch(() => {});
    if (retryInMs !== undefined) this.#schedule(retryInMs);
    else if (this.#queue.length > 0) this.#schedule(0);
    else this.#settleFlushes();
  }

  /** Saves the queue as it is when the save starts; saves run one at a time, and callers that come while one waits share it. */
  #persist(): Promise<void> {
    if (!this.#nextSave) {
      const save = this.#lastSave.then(() => {
        this.#nextSave = undefined;
        return this.options.storage.save(this.#queue.slice());
      });
      this.#nextSave = save;
      this.#lastSave = save.catch(() => {});
    }
    return this.#nextSave;
  }

  #remove(fixes: QueuedLocation[]): void {
    const gone = new Set(fixes);
    this.#queue = this.#queue.filter((fix) => !gone.has(fix));
  }

  #settleFlushes(): void {
    for (const flush of this.#flushes.splice(0)) flush.resolve();
  }

  #stop(error: GoFindMeError): void {
    this.#stopped = error;
    for (const flush of this.#flushes.splice(0)) flush.reject(error);
  }
}

/** Checks what the server cannot even parse, picks the known fields, fills in the defaults. */
function toQueued(fix: LocationFix): QueuedLocation {
  const { deviceId, latitude, longitude, accuracy, altitude, speed, heading, battery } = fix;
  if (typeof deviceId !== 'string') throw new TypeError(`deviceId must be a string, got ${typeof deviceId}`);
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) {
    throw new TypeError(`latitude and longitude must be finite numbers, got ${latitude}, ${longitude}`);
  }
  const recordedAt = fix.recordedAt === undefined ? new Date() : new Date(fix.recordedAt);
  if (Number.isNaN(recordedAt.getTime())) throw new TypeError(`recordedAt is not a date: ${fix.recordedAt}`);
  return {
    deviceId,
    latitude,
    longitude,
    accuracy,
    altitude,
    speed,
    heading,
    battery,
    recordedAt: recordedAt.toISOString(),
    clientId: fix.clientId ?? crypto.randomUUID(),
  };
}

/** The fixes a BAD_USER_INPUT error names (issue paths like ["input", 3, "latitude"]), or the whole batch if it names none. */
function rejectedFixes(batch: QueuedLocation[], error: GoFindMeError): QueuedLocation[] {
  const named = new Set(error.issues.map((issue) => (issue.path[0] === 'input' ? issue.path[1] : undefined)));
  const rejected = batch.filter((_, index) => named.has(index));
  return rejected.length > 0 ? rejected : batch;
}

const closedError = (pending: number) =>
  new GoFindMeError('CLIENT_CLOSED', `The client is closed; ${pending} fixes not sent stay in its storage.`);
