import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS and ESM copies; Node loads the CommonJS one for our
    // dependencies, so make the code vitest transforms use that same copy (two copies
    // break `instanceof GraphQLError` and Yoga then masks our errors).
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // expect.poll waits for what background work (webhook workers, live streams, browsers)
    // brings about; on a loaded 2-core CI machine 1 s (vitest's default) is not always enough.
    // A longer wait changes nothing for a passing test, and a test never asserts a speed.
    expect: { poll: { timeout: 10_000 } },
    reporters: ['default', './test/helpers/failOnSkipReporter.ts'],
    // PGlite and PostgreSQL databases are made per test file; two files at once suit 2 cores.
    maxWorkers: 2,
  },
});
