// Writes schema.graphql from the Pothos schema; with --check, fails when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { printedSchema } from '../src/schema/index.ts';

const file = path.resolve(import.meta.dirname, '../schema.graphql');
const current = printedSchema();
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {}
  if (committed !== current) {
    console.error('schema.graphql is out of date: run `npm run schema` and commit the result.');
    process.exit(1);
  }
  console.log('schema.graphql is up to date.');
} else {
  writeFileSync(file, current);
  console.log(`Wrote ${path.relative(process.cwd(), file)}`);
}
