// What both entry points (the server, `npm run worker`) do as a process: stop gracefully
// on SIGTERM/SIGINT within a deadline, survive stray rejections, and explain a failed start.
import { ConfigError } from './config.ts';
import { DataDirInUseError } from './db/dataDirLock.ts';
import type { Logger } from './observability/logger.ts';

/** Runs `stop` once on SIGTERM or SIGINT; exits 0 when it finishes, 1 if it fails or outlasts `timeoutMs`. */
export function stopOnSignals(logger: Logger, timeoutMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took longer than SHUTDOWN_TIMEOUT; exiting');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    try {
      await stop();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  // A stray rejected promise (a library's fire-and-forget call) must not take the process down.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('SIGTERM', () => void onSignal('SIGTERM'));
  process.on('SIGINT', () => void onSignal('SIGINT'));
}

/** Prints why the process could not start (no stack for a configuration mistake) and exits 1. */
export function exitOnStartFailure(what: string) {
  return (error: unknown): never => {
    if (error instanceof ConfigError || error instanceof DataDirInUseError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(`${what} failed to start: ${(error as Error).stack ?? String(error)}\n`);
    }
    process.exit(1);
  };
}
