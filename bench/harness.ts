// What the benchmarks share: a server and the CLI run the way users run them (the launcher,
// the programs compiled ahead), and a throw-away PostgreSQL database next to
// BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { BENCH_SERVER_ENV } from './serverEnv.ts';

const run = promisify(execFile);
export const ROOT = path.resolve(import.meta.dirname, '..');
const LAUNCH = 'scripts/launch.mjs';

/** Runs a CLI command with --json and returns what it printed. */
export async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [LAUNCH, 'cli', ...args, '--json'], { cwd: ROOT, env });
  return JSON.parse(stdout);
}

/**
 * Starts `npm start`'s server on `port` with the benchmarks' settings (BENCH_SERVER_ENV,
 * logs at BENCH_LOG_LEVEL or warn) and resolves once /readyz answers 200.
 */
export async function startServer(
  env: NodeJS.ProcessEnv,
  port: number,
  nodeOptions: string[] = [],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeOptions, LAUNCH, 'main'], {
    cwd: ROOT,
    env: {
      ...env,
      PORT: String(port),
      ...BENCH_SERVER_ENV,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    if (
      await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('the server did not start');
}

/** SIGTERM, and resolves once it has exited. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Runs `work` with the URL of a new, empty PostgreSQL database, dropped afterwards. */
export async function withThrowawayDatabase<T>(
  prefix: string,
  work: (url: string) => Promise<T>,
): Promise<T> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const name = `${prefix}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    return await work(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
