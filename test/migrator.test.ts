import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.ts';
import { type Migration, MigrationError, migrate, readMigrations } from '../src/db/migrator.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';

const opened: { db: Database; database: TestDatabase }[] = [];
async function freshDatabase(): Promise<Database> {
  const database = await createTestDatabase();
  const db = await openDatabase(database.config);
  opened.push({ db, database });
  return db;
}
afterEach(async () => {
  for (const { db, database } of opened.splice(0)) {
    await db.close();
    await database.drop();
  }
});

const tables = async (db: Database) =>
  (
    await db.sql.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    )
  ).map((row) => row.table_name);

describe('migrator', () => {
  it('brings a fresh database up to date and records each migration like prisma migrate deploy', async () => {
    const db = await freshDatabase();
    const migrations = readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    const result = await migrate(db.sql);
    expect(result).toEqual({ applied: migrations.map((m) => m.name), modified: [] });
    expect(await tables(db)).toEqual([
      '_prisma_migrations',
      'api_keys',
      'devices',
      'geofence_events',
      'geofence_states',
      'geofences',
      'groups',
      'locations',
      'webhook_deliveries',
      'webhooks',
    ]);
    const rows = await db.sql.query<Record<string, unknown>>(
      'SELECT id, checksum, migration_name, finished_at, rolled_back_at, applied_steps_count, logs FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows).toHaveLength(migrations.length);
    for (const [i, row] of rows.entries()) {
      const migration = migrations[i]!;
      expect(row.migration_name).toBe(migration.name);
      expect(row.checksum).toBe(createHash('sha256').update(migration.script).digest('hex'));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
      expect(String(row.id)).toMatch(/^[0-9a-f-]{36}$/);
    }
    // Prisma can use the result.
    const group = await db.prisma.group.create({ data: { name: 'after-migrate' } });
    expect(group.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('does nothing on an up-to-date database', async () => {
    const db = await freshDatabase();
    await migrate(db.sql);
    expect(await migrate(db.sql)).toEqual({ applied: [], modified: [] });
  });

  it('applies once when several instances start at the same time', async () => {
    const db = await freshDatabase();
    const results = await Promise.all([migrate(db.sql), migrate(db.sql), migrate(db.sql)]);
    expect(results.flatMap((r) => r.applied)).toEqual(readMigrations().map((m) => m.name));
  });

  it('applies only what is pending, and notices an edited migration', async () => {
    const db = await freshDatabase();
    const [first, ...rest] = readMigrations();
    const extra: Migration = {
      name: '99990101000000_extra',
      script: 'CREATE TABLE extra (id int);',
      checksum: 'x'.repeat(64),
    };
    await migrate(db.sql, [first!]);
    const result = await migrate(db.sql, [first!, ...rest, extra]);
    expect(result.applied).toEqual([...rest.map((m) => m.name), extra.name]);
    const edited = await migrate(db.sql, [{ ...first!, checksum: '0'.repeat(64) }, ...rest, extra]);
    expect(edited).toEqual({ applied: [], modified: [first!.name] });
  });

  it('leaves the database as it was when a migration fails', async () => {
    const db = await freshDatabase();
    const good: Migration = {
      name: '00000000000001_good',
      script: 'CREATE TABLE good (id int);',
      checksum: 'a'.repeat(64),
    };
    const bad: Migration = {
      name: '00000000000002_bad',
      script: 'CREATE TABLE nope (id int REFERENCES missing(id));',
      checksum: 'b'.repeat(64),
    };
    const error = await migrate(db.sql, [good, bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migration).toBe(bad.name);
    expect((error as Error).message).toContain('missing');
    expect(await tables(db)).toEqual([]);
  });
});
