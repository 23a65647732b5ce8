// A report queue kept in a file, for Node.js apps (the rest of the client also runs in
// browsers, so it does not import this). Each save replaces the file atomically, after
// syncing it to disk: a crash leaves the previous queue or the new one, never half of one.
import { open, readFile, rename } from 'node:fs/promises';
import type { QueuedLocation, QueueStorage } from './storage.ts';

export function fileStorage(path: string): QueueStorage {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      try {
        return JSON.parse(text) as QueuedLocation[];
      } catch (error) {
        throw new Error(`The report queue in ${path} is not valid JSON: ${(error as Error).message}`);
      }
    },
    async save(queue) {
      const temporary = `${path}.tmp`;
      const file = await open(temporary, 'w');
      try {
        await file.writeFile(JSON.stringify(queue));
        await file.datasync();
      } finally {
        await file.close();
      }
      await rename(temporary, path);
    },
  };
}
