// Starts the server: config -> database -> services -> HTTP; stops gracefully on SIGTERM/SIGINT.
import { createApp } from './app.ts';
import { bootstrapDemo, demoBanner } from './bootstrap.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './observability/logger.ts';
import { exitOnStartFailure, stopOnSignals } from './process.ts';
import { openRuntime } from './runtime.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const runtime = await openRuntime(config, logger);
  await runtime.listenForChanges();
  const demoKey = await bootstrapDemo(runtime);
  const app = createApp({ runtime, logger, config });
  const address = await app.start(config.port, config.host);
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${shownHost}:${address.port}/graphql`;
  if (config.webhooks.worker) runtime.jobs.webhookWorker.start();
  runtime.jobs.retention.start();
  logger.info(
    { url, database: runtime.db.kind, webhookWorker: config.webhooks.worker },
    'GoFindMe is listening',
  );
  if (demoKey) process.stdout.write(`${demoBanner(demoKey, url)}\n`);

  stopOnSignals(logger, config.shutdownTimeoutMs, async () => {
    await app.stop();
    // The webhook worker finishes what it is sending (or hands it back), then Redis and the database close.
    await runtime.close();
  });
}

main().catch(exitOnStartFailure('GoFindMe'));
