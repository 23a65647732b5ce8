// Where the project's own files are (migrations, web sources, dist/), the same whether this
// code runs from src/ (tests, tsx) or compiled into dist/server/ (npm start): the nearest
// directory above this module that holds the project's package.json.
import { existsSync } from 'node:fs';
import path from 'node:path';

function projectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'prisma'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No project directory above ${from}`);
  }
}

export const ROOT = projectRoot(import.meta.dirname);

/** A path inside the project: `fromRoot('prisma', 'migrations')`. */
export const fromRoot = (...parts: string[]): string => path.join(ROOT, ...parts);
