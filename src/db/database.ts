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
  /**
   * Runs Prisma's first query, which compiles its query planner (WebAssembly: a few hundred
   * milliseconds). The server calls it once it listens, so that its start does not wait for
   * it and its first request seldom does.
   */
  warmUp(): Promise<void>;
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
  return database('postgres', new PrismaClient({ adapter: new PrismaPg(pool) }), pgSql(pool), () =>
    pool.end(),
  );
}

/** The embedded database's shared buffers (PostgreSQL's default is 128MB). */
const EMBEDDED_SHARED_BUFFERS = '32MB';

async function openEmbedded(dataDir: string): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  const release = inMemory ? async () => {} : await lockDataDir(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create(inMemory ? dataDir : path.join(dataDir, 'pg'), {
      // PostgreSQL's 128 MB of shared buffers cost the start about half a second (allocating
      // and clearing them in WebAssembly) and the process 128 MB; the operating system's file
      // cache holds the data files anyway.
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`],
    });
  } catch (error) {
    await release();
    throw error;
  }
  return database(
    'embedded',
    new PrismaClient({ adapter: new PrismaPGlite(db) }),
    pgliteSql(db),
    async () => {
      await db.close();
      await release();
    },
  );
}

/** Either database behind one interface; `closeDriver` runs after Prisma disconnects. */
function database(
  kind: Database['kind'],
  prisma: PrismaClient,
  sql: Sql,
  closeDriver: () => Promise<void>,
): Database {
  return {
    kind,
    prisma,
    sql,
    ping: async () => {
      await sql.query('SELECT 1');
    },
    warmUp: async () => {
      await prisma.group.findFirst({ select: { id: true } });
    },
    close: async () => {
      await prisma.$disconnect();
      await closeDriver();
    },
  };
}
