// npm run build (run by npm ci / npm install through `prepare`): builds the web assets the
// server serves (the live map, GraphiQL) into dist/web/, compressed ahead. A server
// without a current build builds them in memory on first use instead.
import { graphiqlBundle } from '../src/transport/graphiql.ts';
import { mapBundle } from '../src/web/map/bundle.ts';
import { writeBundle } from '../src/web/static.ts';

const started = performance.now();
for (const bundle of [mapBundle, graphiqlBundle]) {
  const files = await writeBundle(bundle);
  const bytes = (pick: 'body' | 'br') => [...files.values()].reduce((n, f) => n + f[pick].length, 0);
  process.stdout.write(
    `built ${bundle.name}: ${files.size} files, ${(bytes('body') / 1024).toFixed(0)} KiB (${(bytes('br') / 1024).toFixed(0)} KiB brotli)\n`,
  );
}
process.stdout.write(`done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
