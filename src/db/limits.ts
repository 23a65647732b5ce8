// Count-then-insert limits that hold under concurrency. Checking a count and inserting
// are two statements; two requests at once would both see room for one more. Doing both
// in one transaction that first takes a lock named after the limit and its owner (a
// transaction-scoped advisory lock, released at COMMIT) makes such requests take turns,
// without locking any row that other writes need.
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

/** Runs `work` in a transaction holding the lock for `limit` of `ownerId` (e.g. "webhooks" of a group). */
export function withinLimit<T>(
  prisma: PrismaClient,
  limit: string,
  ownerId: string,
  work: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtextextended(${`${limit}:${ownerId}`}, 0))) AS l`;
    return work(tx);
  });
}

/** A unique constraint was violated (Prisma's P2002, or PostgreSQL's 23505 through an adapter). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; cause?: { originalCode?: unknown; code?: unknown } };
  return e.code === 'P2002' || e.code === '23505' || e.cause?.originalCode === '23505';
}
