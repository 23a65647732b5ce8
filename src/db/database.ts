// Opens the database the configuration names: PostgreSQL through a pg pool, or
// the embedded PGlite in DATA_DIR. Both expose Prisma and the raw SQL runner.
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { DatabaseConfig } from '../config.ts';
import { PrismaClient } from '../generated/prisma/client.ts';
import { lockDataDir } from './dataDirLock.ts';
import { pgliteSql, pgSql, type Sql } from './sql.ts';

export interface Database {
  kind: DatabaseConfig['kind'];
  prisma: PrismaClient;
  sql: Sql;
  /** Resolves when the database answers a trivial query (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  return config.kind === 'postgres'
    ? openPostgres(config.url, config.poolSize)
    : openEmbedded(config.dataDir);
}

function openPostgres(url: string, poolSize: number): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client that loses its connection emits 'error' on the pool; without a
  // listener that would crash the process. The next checkout reconnects.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const sql = pgSql(pool);
  return {
    kind: 'postgres',
    prisma,
    sql,
    ping: async () => {
      await sql.query('SELECT 1');
    },
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openEmbedded(dataDir: string): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  const release = inMemory ? async () => {} : await lockDataDir(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create(inMemory ? dataDir : path.join(dataDir, 'pg'));
  } catch (error) {
    await release();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
  const sql = pgliteSql(db);
  return {
    kind: 'embedded',
    prisma,
    sql,
    ping: async () => {
      await sql.query('SELECT 1');
    },
    close: async () => {
      await prisma.$disconnect();
      await db.close();
      await release();
    },
  };
}
