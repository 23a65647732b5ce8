// Starts the server: config -> database -> services -> HTTP; stops gracefully on SIGTERM/SIGINT.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createApp } from './app.ts';
import { bootstrapDemo, demoBanner } from './bootstrap.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './observability/logger.ts';
import { exitOnStartFailure, stopOnSignals } from './process.ts';
import { openRuntime } from './runtime.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const { database } = config;
  if (database.kind === 'embedded' && !database.dataDir.startsWith('memory://')) {
    // Creating a PGlite database takes a while (5 to 30 s): say so, or the start looks stuck.
    const fresh = !existsSync(path.join(database.dataDir, 'pg'));
    logger.info(
      { dataDir: database.dataDir },
      fresh
        ? `Preparing the embedded database in ${database.dataDir} (only on the first start; it takes 5 to 30 s)…`
        : `Opening the embedded database in ${database.dataDir}…`,
    );
  }
  const runtime = await openRuntime(config, logger);
  await runtime.listenForChanges();
  const demoKey = await bootstrapDemo(runtime);
  const app = createApp({ runtime, logger, config });
  const address = await app.start(config.port, config.host);
  // Listening for SIGTERM/SIGINT before the line that says it is ready, so that a signal sent
  // the moment that line appears runs this stop (with no listener, Node dies of the signal).
  stopOnSignals(logger, config.shutdownTimeoutMs, async () => {
    await app.stop();
    // The webhook worker finishes what it is sending (or hands it back), then Redis and the database close.
    await runtime.close();
  });
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${shownHost}:${address.port}/graphql`;
  void runtime.db
    .warmUp()
    .catch((error: unknown) => logger.warn({ err: error }, 'database client warm-up failed'));
  if (config.webhooks.worker) runtime.jobs.webhookWorker.start();
  runtime.jobs.retention.start();
  const databaseShown =
    database.kind === 'postgres'
      ? `PostgreSQL at ${safeHost(database.url)}`
      : `embedded (PGlite) in ${database.dataDir}`;
  const pubsubShown = config.redisUrl
    ? `Redis at ${safeHost(config.redisUrl)}`
    : 'in memory (this instance only)';
  logger.info(
    { url, database: runtime.db.kind, pubsub: runtime.pubsub.kind, webhookWorker: config.webhooks.worker },
    `GoFindMe is listening on ${url} (database: ${databaseShown}; PubSub: ${pubsubShown})`,
  );
  if (demoKey) process.stdout.write(`${demoBanner(demoKey, url)}\n`);
}

/** host:port/path of a URL, without its credentials. */
function safeHost(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

main().catch(exitOnStartFailure('GoFindMe'));
