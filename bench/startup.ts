// Start-up benchmark: how long `npm start` takes to answer, and a CLI command to finish,
// the way users run them (node scripts/launch.mjs, the programs compiled ahead), on an
// existing embedded database and on PostgreSQL. Prints the median and the spread of the runs.
//
//   npm run bench:startup -- [--runs 5] [--db embedded|postgres|both]
//
// "Ready" is the first 200 from /readyz (the database answered), measured from the spawn of
// the process. The first start of an embedded database (creating it) is timed once apart.
// PostgreSQL comes from BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres);
// a throw-away database is created next to it and dropped afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cli, ROOT, stopServer, withThrowawayDatabase } from './harness.ts';

const PORT = 4650;

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, db: { type: 'string', default: 'both' } },
});
const runs = Number(values.runs);

/** Milliseconds from spawning the server to its first 200 on /readyz; then stops it. */
async function timeStart(env: Record<string, string>): Promise<number> {
  const started = performance.now();
  // Not the harness's startServer: this polls /readyz every 10 ms, and with the user's settings.
  const child = spawn(process.execPath, ['scripts/launch.mjs', 'main'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(PORT), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${PORT}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await stopServer(child);
  }
}

async function timeCli(args: string[], env: Record<string, string>): Promise<number> {
  const started = performance.now();
  await cli({ ...process.env, ...env }, ...args);
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const show = (label: string, xs: number[]) =>
  console.log(
    `${label.padEnd(44)} median ${Math.round(median(xs)).toString().padStart(5)} ms   (${xs.map((x) => Math.round(x)).join(', ')})`,
  );

async function bench(name: string, env: Record<string, string>) {
  const starts: number[] = [];
  const clis: number[] = [];
  for (let i = 0; i < runs; i++) {
    starts.push(await timeStart(env));
    clis.push(await timeCli(['groups', 'list'], env));
  }
  show(`${name}: npm start, ready (existing database)`, starts);
  show(`${name}: npm run cli -- groups list`, clis);
}

// The build of the current sources exists before anything is timed (npm ci makes it).
await cli(process.env, '--help').catch(() => {});

if (values.db === 'embedded' || values.db === 'both') {
  const dir = mkdtempSync(path.join(tmpdir(), 'gofindme-startup-'));
  try {
    const env = { DATA_DIR: dir };
    show('embedded: first start (creates the database)', [await timeStart(env)]);
    await bench('embedded', env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (values.db === 'postgres' || values.db === 'both') {
  await withThrowawayDatabase('gofindme_startup', async (url) => {
    const env = { DATABASE_URL: url };
    show('postgres: first start (applies migrations)', [await timeStart(env)]);
    await bench('postgres', env);
  });
}
