// A fresh database per test file: embedded PGlite by default, or a throw-away
// PostgreSQL database next to DATABASE_URL when it is set (as in CI's second run).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config.ts';

export const usingPostgres = Boolean(process.env.DATABASE_URL);

export interface TestDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

/** Creates an empty database (not migrated). `dataDir` makes an embedded one persistent there. */
export async function createTestDatabase(options: { dataDir?: string } = {}): Promise<TestDatabase> {
  if (!usingPostgres) {
    return { config: { kind: 'embedded', dataDir: options.dataDir ?? 'memory://' }, drop: async () => {} };
  }
  const base = process.env.DATABASE_URL!;
  const name = `gofindme_test_${randomBytes(6).toString('hex')}`;
  await admin(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    config: { kind: 'postgres', url: url.toString(), poolSize: 10 },
    drop: () => admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
