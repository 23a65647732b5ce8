// Runs one of GoFindMe's programs compiled ahead of time: `node scripts/launch.mjs main`
// (the server), `cli …`, `worker`, `simulate …`, or `build` (what `npm ci` runs through
// `prepare`: the programs, then the web pages' files). This file is plain JavaScript so
// that nothing has to be compiled before it runs.
//
// The TypeScript in src/ and the packages it uses are bundled and minified by esbuild into
// dist/server/<fingerprint>/, where the fingerprint is a hash of every source file and of
// package-lock.json: a start finds the build of exactly the sources it has, or makes it first
// (a few seconds), so an edited source is never run stale. One file parsed at start instead
// of thousands of modules found, read and compiled one by one is what makes the start fast.
// The packages that load files of their own (PGlite's WebAssembly, esbuild's binary, pino's
// workers, GraphiQL's assets) stay in node_modules. Builds made by processes started at the
// same moment do not disturb each other: each writes its own directory and renames it into
// place; the last two builds are kept, so a process still running keeps its files.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist', 'server');
const SOURCES = ['src', 'scripts'];

/** The programs, by the name given on the command line. */
const PROGRAMS = {
  main: 'src/main.ts',
  cli: 'src/cli.ts',
  worker: 'src/worker.ts',
  simulate: 'src/simulator/main.ts',
  build: 'scripts/build.ts',
};

/** A hash of every source file the programs may be built from (and of this file). */
function fingerprint() {
  const hash = createHash('sha256');
  hash.update(readFileSync(import.meta.filename));
  hash.update(readFileSync(path.join(ROOT, 'package-lock.json')));
  for (const dir of SOURCES) {
    const names = readdirSync(path.join(ROOT, dir), { recursive: true })
      .filter((name) => /\.(ts|mts|json)$/.test(name))
      .sort();
    for (const name of names) {
      hash.update(`\0${dir}/${name}\0`);
      hash.update(readFileSync(path.join(ROOT, dir, name)));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

async function build(dir) {
  const { build: esbuild } = await import('esbuild');
  const staging = mkdtempSync(path.join(OUT, '.building-'));
  try {
    await esbuild({
      entryPoints: Object.fromEntries(
        Object.entries(PROGRAMS).map(([name, file]) => [name, path.join(ROOT, file)]),
      ),
      outdir: staging,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: [
        '@electric-sql/pglite',
        '@electric-sql/pglite/*',
        '@graphql-yoga/render-graphiql',
        '@graphql-yoga/render-graphiql/*',
        'esbuild',
        'pino',
        'thread-stream',
        // Optional native helpers some packages try to load.
        'bufferutil',
        'utf-8-validate',
        'pg-native',
      ],
      // Bundled CommonJS packages require Node's own modules.
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
      // Whitespace and syntax minified, identifiers kept: functions and classes keep their
      // names (stack traces, error names) without esbuild's keepNames, which wraps every named
      // function in a call that redefines its `name` (a property store on each closure: about
      // 7 KiB per live subscription, and work on hot paths).
      minifyWhitespace: true,
      minifySyntax: true,
      // Stack traces point into src/ with NODE_OPTIONS=--enable-source-maps (reading the maps
      // costs every start a tenth of a second, so it is not the default).
      sourcemap: 'linked',
      chunkNames: 'chunks/[name]-[hash]',
      logLevel: 'warning',
    });
    writeFileSync(path.join(staging, 'complete'), '');
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another process has put the same build in place meanwhile: use that one.
      if (!existsSync(path.join(dir, 'complete'))) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  // Keep this build and the one before (a process started earlier may still load its chunks).
  const builds = readdirSync(OUT)
    .filter((name) => !name.startsWith('.'))
    .map((name) => ({ name, time: statSync(path.join(OUT, name)).mtimeMs }))
    .sort((a, b) => b.time - a.time);
  for (const old of builds.slice(2)) rmSync(path.join(OUT, old.name), { recursive: true, force: true });
}

/** The directory with the build of the current sources, made first when missing. */
async function current() {
  const dir = path.join(OUT, fingerprint());
  if (!existsSync(path.join(dir, 'complete'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    await build(dir);
  }
  return dir;
}

const [program, ...args] = process.argv.slice(2);
if (!Object.hasOwn(PROGRAMS, program ?? '')) {
  process.stderr.write(`Usage: node scripts/launch.mjs ${Object.keys(PROGRAMS).join('|')} [arguments]\n`);
  process.exit(2);
}
const file = path.join(await current(), `${program}.js`);
if (program === 'cli') {
  // A command runs for a moment: compiling the WebAssembly of PGlite and Prisma's query
  // compiler with the optimising tier only costs it (and its exit waits for that), so the
  // baseline tier does all (the server keeps V8's default: it runs long enough to gain).
  (await import('node:v8')).setFlagsFromString('--liftoff-only');
}
// The program sees its own arguments, as if it had been started directly.
process.argv = [process.argv[0], file, ...args];
await import(pathToFileURL(file).href);
