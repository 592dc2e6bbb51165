import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{common,gateway,validator,descriptor}/test/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // End-to-end suites start real processes; two cores do not gain from more workers.
    maxWorkers: 2,
  },
});
