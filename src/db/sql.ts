// A minimal SQL runner over either node-postgres or PGlite, for the hot paths
// (ingest) and the migrator, where Prisma's query builder adds cost or cannot
// run multi-statement scripts. Everything else goes through Prisma.
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type pg from 'pg';

export interface SqlClient {
  /** Runs one parameterised statement and returns its rows. */
  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters. */
  exec(script: string): Promise<void>;
}

export interface Sql extends SqlClient {
  /** Runs `work` inside one transaction on one connection; rolls back if it throws. */
  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>;
}

export function pgSql(pool: pg.Pool): Sql {
  const wrap = (client: pg.Pool | pg.PoolClient): SqlClient => ({
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const result = await client.query(text, params as unknown[]);
      return result.rows as Row[];
    },
    async exec(script: string) {
      await client.query(script);
    },
  });
  return {
    ...wrap(pool),
    async transaction(work) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work(wrap(client));
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
  };
}

export function pgliteSql(db: PGlite): Sql {
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
    transaction: (work) => db.transaction((tx) => work(wrap(tx))),
  };
}
