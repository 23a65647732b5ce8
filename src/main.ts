// Starts the server: config -> database -> services -> HTTP; stops gracefully on SIGTERM/SIGINT.
import { createApp } from './app.ts';
import { bootstrapDemo, demoBanner } from './bootstrap.ts';
import { ConfigError, loadConfig } from './config.ts';
import { DataDirInUseError } from './db/dataDirLock.ts';
import { createLogger } from './observability/logger.ts';
import { openRuntime } from './runtime.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const runtime = await openRuntime(config, logger);
  const demoKey = await bootstrapDemo(runtime);
  const app = createApp({
    db: runtime.db,
    pubsub: runtime.pubsub,
    services: runtime.services,
    logger,
    corsOrigins: config.corsOrigins,
    queryLimits: config.queryLimits,
    maxOperationsPerConnection: config.live.maxOperationsPerConnection,
  });
  const address = await app.start(config.port, config.host);
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${shownHost}:${address.port}/graphql`;
  if (config.webhooks.worker) runtime.services.webhookWorker.start();
  runtime.services.retention.start();
  logger.info(
    { url, database: runtime.db.kind, webhookWorker: config.webhooks.worker },
    'GoFindMe is listening',
  );
  if (demoKey) process.stdout.write(`${demoBanner(demoKey, url)}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error(
        { timeoutMs: config.shutdownTimeoutMs },
        'shutdown took longer than SHUTDOWN_TIMEOUT; exiting',
      );
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    try {
      await app.stop();
      // The webhook worker finishes what it is sending (or hands it back), then Redis and the database close.
      await runtime.close();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  // A stray rejected promise (a library's fire-and-forget call) must not take the server down.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirInUseError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`GoFindMe failed to start: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
