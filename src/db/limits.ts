// Count-then-insert limits that hold under concurrency. Checking a count and inserting
// are two statements; two requests at once would both see room for one more. Doing both
// in one transaction that first takes a lock named after the limit and its owner (a
// transaction-scoped advisory lock, released at COMMIT) makes such requests take turns,
// without locking any row that other writes need.
import { AppError } from '../errors.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

/** How many of a thing a group may have. */
export interface GroupLimit {
  /** What is counted, in the plural ("webhooks"); also names the lock. */
  what: string;
  max: number;
  /** The setting that sets `max`, named in the refusal. */
  setting: string;
  /** How many the group has now, read inside the locked transaction. */
  count(tx: Prisma.TransactionClient): Promise<number>;
}

/**
 * Creates one more of `limit.what` for the group with `create`, unless the group has
 * `limit.max` already (CONFLICT): the count and the insert run in one transaction holding
 * the lock for that limit of that group.
 */
export function withinLimit<T>(
  prisma: PrismaClient,
  groupId: string,
  limit: GroupLimit,
  create: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtextextended(${`${limit.what}:${groupId}`}, 0))) AS l`;
    if ((await limit.count(tx)) >= limit.max) {
      throw new AppError(
        'CONFLICT',
        `A group can have at most ${limit.max} ${limit.what} (${limit.setting}); delete one first`,
      );
    }
    return create(tx);
  });
}

/** A unique constraint was violated (Prisma's P2002, or PostgreSQL's 23505 through an adapter). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; cause?: { originalCode?: unknown; code?: unknown } };
  return e.code === 'P2002' || e.code === '23505' || e.cause?.originalCode === '23505';
}
