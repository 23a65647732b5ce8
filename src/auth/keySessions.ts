// Everything long-lived that a key opened: WebSocket connections, event streams, live
// subscriptions, graphql-sse reservations. Each registers here with a function that ends
// it; when its key is revoked or expires, that function runs. A revocation on this
// instance ends them at once; one on another instance (or an expiry) is found by a check
// of the database every `checkIntervalMs` (2 s), well within the 5 s the API promises.

export type EndSession = () => void;

export interface KeySessionsOptions {
  /** Which of these keys are neither revoked nor expired (read from the database, not a cache). */
  isKeyActive: (keyIds: string[]) => Promise<Set<string>>;
  checkIntervalMs?: number;
  onError?: (error: unknown) => void;
}

export class KeySessions {
  private readonly byKey = new Map<string, Set<EndSession>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: KeySessionsOptions) {
    this.timer = setInterval(() => void this.check(), options.checkIntervalMs ?? 2_000);
    this.timer.unref();
  }

  /** Registers a session of `keyId`; returns the function that unregisters it. */
  add(keyId: string, end: EndSession): () => void {
    let sessions = this.byKey.get(keyId);
    if (!sessions) {
      sessions = new Set();
      this.byKey.set(keyId, sessions);
    }
    sessions.add(end);
    return () => {
      const current = this.byKey.get(keyId);
      current?.delete(end);
      if (current?.size === 0) this.byKey.delete(keyId);
    };
  }

  /** Sessions open on this instance (for tests and metrics). */
  count(keyId?: string): number {
    if (keyId !== undefined) return this.byKey.get(keyId)?.size ?? 0;
    let total = 0;
    for (const sessions of this.byKey.values()) total += sessions.size;
    return total;
  }

  /** Ends every session of a key now (it was revoked here). */
  end(keyId: string): void {
    const sessions = this.byKey.get(keyId);
    if (!sessions) return;
    this.byKey.delete(keyId);
    for (const end of sessions) end();
  }

  /** Ends the sessions of every key that is no longer valid. */
  async check(): Promise<void> {
    const keyIds = [...this.byKey.keys()];
    if (keyIds.length === 0) return;
    try {
      const active = await this.options.isKeyActive(keyIds);
      for (const keyId of keyIds) if (!active.has(keyId)) this.end(keyId);
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
