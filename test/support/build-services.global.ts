import type { TestProject } from 'vitest/node';
import { buildServices } from '../../scripts/build-services.ts';

/**
 * Vitest global setup (vitest.config.ts, vitest.interop.config.ts): bundles the services into dist/ once
 * per run, before any test file, so the tests that start services (test/support/services.ts) run what
 * `npm start` runs, built from the sources as they are now. A build that fails fails the run. In watch
 * mode every re-run builds again.
 */
export default async function setup(project: TestProject): Promise<void> {
  await build();
  project.onTestsRerun(build);
}

async function build(): Promise<void> {
  try {
    await buildServices();
  } catch (error) {
    throw new Error(
      `the services did not build (scripts/build-services.ts), so no test runs:\n${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
