// Where the report queue lives between sends. Memory by default; an app that must not
// lose fixes when it is killed gives its own (localStorage, IndexedDB, a file: see
// fileStorage.ts for Node.js).
import type { LocationInput } from './gql/graphql.ts';

/** A fix waiting to be sent: what `reportLocations` takes, with its idempotency key. */
export type QueuedLocation = LocationInput & { clientId: string; recordedAt: string };

export interface QueueStorage {
  /** The queue as last saved, oldest first (empty when nothing was saved). */
  load(): Promise<QueuedLocation[]> | QueuedLocation[];
  /** Replaces the saved queue. The client never runs two saves at once. */
  save(queue: readonly QueuedLocation[]): Promise<void> | void;
}

/** Keeps the queue in memory only: fixes not yet sent are lost with the process. */
export function memoryStorage(): QueueStorage {
  return { load: () => [], save: () => {} };
}
