import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      '{common,gateway,validator,descriptor}/test/**/*.test.ts',
      'test/e2e/**/*.test.ts',
      'test/docs/**/*.test.ts',
      'test/bench/**/*.test.ts',
    ],
    // Bundles the services into dist/ first: the tests that start them run `node dist/<service>.mjs`.
    globalSetup: ['test/support/build-services.global.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // End-to-end suites start real processes; two cores do not gain from more workers.
    maxWorkers: 2,
    // Under CI, also a JSON report, from which .ci/run prints a plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: process.env.CI ? { json: '.ci/out/unit.json' } : undefined,
  },
});
