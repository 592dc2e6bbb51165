#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's ESM loader, so no build step is needed. tsx comes from the
// workspace root's devDependencies: this shim works inside the repository, not from a bare install.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
