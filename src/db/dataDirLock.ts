// Keeps two processes (server, CLI, a second server) from opening the same
// embedded database directory: PGlite is single-process and would corrupt it.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';

export class DataDirInUseError extends Error {
  constructor(readonly dataDir: string) {
    super(
      `The embedded database in ${path.resolve(dataDir)} is in use by another GoFindMe process ` +
        '(a running server or CLI). Stop that process first, or use the GraphQL API of the running server, ' +
        'or set DATABASE_URL to share a PostgreSQL database. If no other process is running, ' +
        'the lock goes stale and is taken over after 10 seconds.',
    );
    this.name = 'DataDirInUseError';
  }
}

/** Takes the directory's lock; resolves to a function that releases it. */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  mkdirSync(dataDir, { recursive: true });
  try {
    return await lockfile.lock(dataDir, {
      lockfilePath: path.join(dataDir, 'gofindme.lock'),
      stale: 10_000,
      update: 2_000,
      realpath: false,
      onCompromised: (error) => {
        // Another process took over our stale lock (we were frozen for > 10 s). Stop
        // rather than risk two writers.
        console.error(`Lost the lock on ${dataDir}: ${error.message}. Exiting.`);
        process.exit(1);
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') throw new DataDirInUseError(dataDir);
    throw error;
  }
}
