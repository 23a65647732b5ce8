// `npm run worker`: a webhook delivery worker on its own, without the API. Run any
// number of them (and of servers) against one PostgreSQL database; they share the
// outbox safely. Stops gracefully on SIGTERM/SIGINT.
import { ConfigError, loadConfig } from './config.ts';
import { DataDirInUseError } from './db/dataDirLock.ts';
import { createLogger } from './observability/logger.ts';
import { openRuntime } from './runtime.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const runtime = await openRuntime(config, logger);
  runtime.services.webhookWorker.start();
  logger.info(
    {
      database: runtime.db.kind,
      concurrency: config.webhooks.concurrency,
      endpointConcurrency: config.webhooks.endpointConcurrency,
    },
    'GoFindMe webhook worker is running',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'webhook worker: shutting down');
    const deadline = setTimeout(() => {
      logger.error(
        { timeoutMs: config.shutdownTimeoutMs },
        'shutdown took longer than SHUTDOWN_TIMEOUT; exiting',
      );
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    try {
      await runtime.close();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirInUseError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`GoFindMe worker failed to start: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
