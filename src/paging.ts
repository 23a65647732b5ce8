// Paging: the window a Relay connection asks for, and the limits on it. Connections turn
// `first/after/last/before` into a PageWindow (Pothos' resolveCursorConnection); domain
// services read that window with a keyset query on their own order.
import { InputError } from './errors.ts';

/** Most nodes one page may hold. */
export const MAX_PAGE_SIZE = 1000;

/** A keyset window as produced by Relay arguments (see resolveCursorConnection). */
export interface PageWindow {
  after?: string;
  before?: string;
  limit: number;
  /** Read backwards from `before` (or from the end), e.g. for `last: 10`. */
  inverted: boolean;
}

/** `first` and `last` within 0..MAX_PAGE_SIZE, or BAD_USER_INPUT naming the argument. */
export function checkPageSize(args: { first?: number | null; last?: number | null }): void {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value != null && (value < 0 || value > MAX_PAGE_SIZE)) {
      throw InputError.at([name], `must be between 0 and ${MAX_PAGE_SIZE}`);
    }
  }
}
