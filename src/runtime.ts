// Opens what both the server and the CLI need: the database (migrated) and the services.
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/database.ts';
import { migrate } from './db/migrator.ts';
import type { Logger } from './observability/logger.ts';
import { createMemoryPubSub, createRedisPubSub, type PubSub } from './pubsub/pubsub.ts';
import { type Composition, createServices, type ServiceOverrides } from './services.ts';

export interface Runtime extends Omit<Composition, 'close'> {
  db: Database;
  pubsub: PubSub;
  /** The migrations this start applied (names), and applied ones edited since. */
  migrations: { applied: string[]; modified: string[] };
  close(): Promise<void>;
}

export async function openRuntime(
  config: Config,
  logger: Logger,
  overrides: ServiceOverrides = {},
): Promise<Runtime> {
  const db = await openDatabase(config.database);
  let migrations: Runtime['migrations'];
  try {
    migrations = await migrate(db.sql);
    const { applied, modified } = migrations;
    if (applied.length > 0) logger.info({ applied }, 'applied database migrations');
    if (modified.length > 0) logger.warn({ modified }, 'applied migrations were edited after they ran');
  } catch (error) {
    await db.close();
    throw error;
  }
  const pubsub = config.redisUrl ? createRedisPubSub(config.redisUrl) : createMemoryPubSub();
  const composition = createServices(db, pubsub, config, logger, overrides);
  return {
    ...composition,
    db,
    pubsub,
    migrations,
    close: async () => {
      await composition.close();
      await pubsub.close();
      await db.close();
    },
  };
}
