// Runs the real CLI and server as child processes, the way an operator would.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '../..');
// Node itself running the launcher, as `npm start` does (the programs compiled ahead): no
// wrapper process between the signal and the server.
const NODE = process.execPath;
const LAUNCH = 'scripts/launch.mjs';
const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

export async function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(NODE, [LAUNCH, 'cli', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr, json: parseJson(stdout) };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, json: parseJson(e.stdout) };
  }
}

function parseJson(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Collects a child's stdout and stderr together, as a terminal would show them. */
function collectOutput(child: ChildProcess): () => string {
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  return () => output;
}

/** Starts `npm start`; with `port`, on that port (to restart a server where its clients expect it). */
export async function startServerProcess(
  env: Record<string, string>,
  options: { port?: number } = {},
): Promise<ServerProcess> {
  if (options.port !== undefined) return startServerOn(options.port, env);
  // Ports below Linux's ephemeral range (32768+), so that no outgoing connection holds
  // the one picked; another test process may still, so a taken port is tried again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOn(12_000 + Math.floor(Math.random() * 20_000), env);
    } catch (error) {
      if (attempt >= 5 || !String(error).includes('EADDRINUSE')) throw error;
    }
  }
}

async function startServerOn(port: number, env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(NODE, [LAUNCH, 'main'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (i > 600) throw new Error(`server did not start:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // The banner is printed right after listening; give stdout a moment to arrive.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return {
    url,
    child,
    output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs `npm run worker` (src/worker.ts); resolves once it says it is running. */
export async function startWorkerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(NODE, [LAUNCH, 'worker'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (let i = 0; !output().includes('webhook worker is running'); i++) {
    if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}:\n${output()}`);
    if (i > 600) throw new Error(`worker did not start:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: '',
    child,
    output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * Environment that sends a program SIGTERM the moment it writes output matching `pattern`
 * (a regular expression; see sigtermAt.cjs): the worst moment to stop it.
 */
export function sigtermAt(pattern: string): Record<string, string> {
  const preload = path.join(ROOT, 'test/helpers/sigtermAt.cjs');
  return {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}`.trim(),
    SIGTERM_AT: pattern,
  };
}

export async function exitOf(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(NODE, [LAUNCH, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, output: output() };
}

export interface SimulatorProcess {
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Runs `npm run simulate -- <args>` (src/simulator/main.ts). */
export function startSimulatorProcess(args: string[], env: Record<string, string> = {}): SimulatorProcess {
  const child = spawn(NODE, [LAUNCH, 'simulate', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    output,
    exited,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
