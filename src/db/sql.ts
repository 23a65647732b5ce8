// A minimal SQL runner over either node-postgres or PGlite, for the hot paths
// (ingest) and the migrator, where Prisma's query builder adds cost or cannot
// run multi-statement scripts. Everything else goes through Prisma.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import pg from 'pg';

export interface SqlClient {
  /**
   * Runs one parameterised statement and returns its rows. A `name` makes it a
   * prepared statement on PostgreSQL, parsed once per connection (for hot paths).
   */
  query<Row>(text: string, params?: readonly unknown[], name?: string): Promise<Row[]>;
  /** Runs a script of several statements without parameters. */
  exec(script: string): Promise<void>;
}

export interface Sql extends SqlClient {
  /**
   * Runs `work` inside one transaction on one connection; rolls back if it throws.
   * `first` is one or more statements without parameters sent together with BEGIN (one
   * round trip instead of two); the rows of each are passed to `work`, in order.
   */
  transaction<T>(
    work: (tx: SqlClient, firstResults: Record<string, unknown>[][]) => Promise<T>,
    first?: string,
  ): Promise<T>;
  /**
   * Runs `work` while this process holds the advisory lock named `name`, so that one instance
   * of several does it at a time: `pg_try_advisory_xact_lock(hashtextextended(name, 0))` in a
   * transaction left open, on a connection of its own, for as long as `work` runs (a
   * transaction, not a session, so that it also holds behind a transaction-mode pooler).
   * Resolves `undefined` at once, without running `work`, when another holds the lock.
   * `lost` is aborted if that connection fails meanwhile (the lock went with it): `work`
   * should then stop.
   */
  whileLocked<T>(name: string, work: (lost: AbortSignal) => Promise<T>): Promise<T | undefined>;
}

export function pgSql(pool: pg.Pool): Sql {
  const wrap = (client: pg.Pool | pg.PoolClient): SqlClient => ({
    async query<Row>(text: string, params: readonly unknown[] = [], name?: string) {
      const result = await client.query({ text, values: params as unknown[], ...(name ? { name } : {}) });
      return result.rows as Row[];
    },
    async exec(script: string) {
      await client.query(script);
    },
  });
  return {
    ...wrap(pool),
    async transaction(work, first) {
      const client = await pool.connect();
      let broken = false;
      try {
        let firstResults: Record<string, unknown>[][] = [];
        if (first) {
          // A multi-statement simple query yields one result per statement.
          const results = (await client.query(`BEGIN; ${first}`)) as unknown as pg.QueryResult[];
          firstResults = results.slice(1).map((result) => result.rows);
        } else {
          await client.query('BEGIN');
        }
        const result = await work(wrap(client), firstResults);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw error;
      } finally {
        // A connection whose ROLLBACK failed is in an unknown state: discard it.
        client.release(broken);
      }
    },
    async whileLocked(name, work) {
      // A connection of its own, outside the pool: holding one of the pool's for as long as
      // `work` runs would leave it one short, and with DATABASE_POOL_SIZE=1 `work` would wait forever.
      const client = new pg.Client({ ...pool.options, keepAlive: true, connectionTimeoutMillis: 10_000 });
      const lost = new AbortController();
      client.on('error', () => lost.abort());
      client.on('end', () => lost.abort());
      try {
        await client.connect();
        await client.query('BEGIN');
        const { rows } = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked',
          [name],
        );
        return rows[0]?.locked ? await work(lost.signal) : undefined;
      } finally {
        // Ending the connection ends the transaction and its lock. Bounded: on a connection
        // to a host that no longer answers, end() would wait for TCP to give up.
        await Promise.race([client.end().catch(() => {}), sleep(5_000, undefined, { ref: false })]);
      }
    },
  };
}

export function pgliteSql(db: PGlite): Sql {
  // An embedded database belongs to one process, whose callers share its one session: the
  // names held are kept here, since a session's advisory locks do not exclude the session itself.
  const held = new Set<string>();
  const wrap = (client: PGlite | Transaction): SqlClient => ({
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const result = await client.query<Row>(text, params as unknown[]);
      return result.rows;
    },
    async exec(script: string) {
      await client.exec(script);
    },
  });
  return {
    ...wrap(db),
    // PGlite has one connection; its transaction() holds it exclusively, so
    // Prisma's queries (which share the instance) wait instead of interleaving.
    transaction: (work, first) =>
      db.transaction(async (tx) => {
        const firstResults = first
          ? (await tx.exec(first)).map((result) => result.rows as Record<string, unknown>[])
          : [];
        return work(wrap(tx), firstResults);
      }),
    async whileLocked(name, work) {
      if (held.has(name)) return undefined;
      held.add(name);
      try {
        return await work(new AbortController().signal); // the process is the session: never lost
      } finally {
        held.delete(name);
      }
    },
  };
}

/**
 * `$n::type[]` for a named (prepared) statement, read through a sub-select so that the
 * planner cannot look into the array. With the array in sight, PostgreSQL estimates
 * `unnest` by its real length, every custom plan looks cheaper than the generic one, and
 * it plans the statement again at every call: 0.7 ms for the write path's statement, more
 * than running it (measured on PostgreSQL 15). Behind a sub-select every plan estimates
 * the same, and from the sixth call on the connection runs its generic plan, made once.
 */
export const arrayParam = (n: number, type: string) => `(SELECT $${n}::${type}[])`;

/**
 * A statement's parameter list, starting with `first`: `param(value, type)` appends a value
 * and returns its placeholder (`$3::timestamptz`), for statements whose conditions vary.
 */
export function sqlParams(...first: unknown[]) {
  const params = [...first];
  const param = (value: unknown, type: string) => {
    params.push(value);
    return `$${params.length}::${type}`;
  };
  return { params, param };
}

/** `unnest(…)` of the array parameters `$first`, `$first+1`, … of these types, each read as by arrayParam. */
export const unnestParams = (first: number, ...types: string[]) =>
  `unnest(${types.map((type, i) => arrayParam(first + i, type)).join(', ')})`;

/**
 * A text as an SQL string literal, for the few statements that cannot take parameters
 * (those sent with BEGIN). As node-postgres's escapeLiteral: an E'' literal when it holds
 * a backslash, so it reads the same whatever standard_conforming_strings says.
 */
export function sqlLiteral(text: string): string {
  if (text.includes('\u0000')) throw new Error('an SQL literal cannot hold NUL');
  const quoted = text.replaceAll("'", "''");
  return text.includes('\\') ? ` E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

/** A SqlClient inside a Prisma transaction, so that one transaction can mix Prisma and raw statements. */
export function prismaTransactionSql(tx: {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}): SqlClient {
  return {
    query: <Row>(text: string, params: readonly unknown[] = []) => tx.$queryRawUnsafe<Row[]>(text, ...params),
    exec: async (script: string) => {
      await tx.$executeRawUnsafe(script);
    },
  };
}
