import { defineConfig } from 'vitest/config';

/** Tests against third-party DICOM tools (dcmtk, dicom3tools): `npm run test:interop`. */
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    // Bundles the services into dist/ first: the tests that start them run `node dist/<service>.mjs`.
    globalSetup: ['test/support/build-services.global.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: process.env.CI ? { json: '.ci/out/interop.json' } : undefined,
  },
});
