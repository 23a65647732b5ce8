// `npm run worker`: a webhook delivery worker on its own, without the API. Run any
// number of them (and of servers) against one PostgreSQL database; they share the
// outbox safely. Stops gracefully on SIGTERM/SIGINT.
import { loadConfig } from './config.ts';
import { createLogger } from './observability/logger.ts';
import { exitOnStartFailure, stopOnSignals } from './process.ts';
import { openRuntime } from './runtime.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const runtime = await openRuntime(config, logger);
  runtime.jobs.webhookWorker.start();
  // Before the line that says it runs, so that a SIGTERM sent the moment it appears is graceful.
  stopOnSignals(logger, config.shutdownTimeoutMs, () => runtime.close());
  logger.info(
    {
      database: runtime.db.kind,
      concurrency: config.webhooks.concurrency,
      endpointConcurrency: config.webhooks.endpointConcurrency,
    },
    'GoFindMe webhook worker is running',
  );
}

main().catch(exitOnStartFailure('GoFindMe worker'));
