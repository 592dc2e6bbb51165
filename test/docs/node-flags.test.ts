import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS, SERVICE_ENV, SERVICES } from '../../scripts/build-services.ts';
import { projectRoot } from '../support/corpus.ts';

/** Every place that starts a service names its V8 flags and environment itself; they must be the ones measured. */
describe('the V8 flags and the environment of the services', () => {
  const read = (file: string): string => readFileSync(path.join(projectRoot, file), 'utf8');

  it.each(SERVICES)('when package.json starts the %s alone, then it passes NODE_FLAGS', (service) => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts[`start:${service}`]).toContain(`node ${NODE_FLAGS.join(' ')} dist/${service}.mjs`);
  });

  it.each(SERVICES)('when package.json starts the %s alone, then it sets SERVICE_ENV unless the environment has its own', (service) => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const assignments = Object.entries(SERVICE_ENV).map(([name, value]) => `${name}=\${${name}:-${value}}`);
    expect(scripts[`start:${service}`]).toContain(`${assignments.join(' ')} node `);
  });

  it('when the image runs a service, then its environment has SERVICE_ENV', () => {
    const dockerfile = read('Dockerfile');
    for (const [name, value] of Object.entries(SERVICE_ENV)) expect(dockerfile).toMatch(new RegExp(`^ENV ${name}=${value}$`, 'm'));
  });

  it.each(SERVICES)('when docker-compose starts the %s, then its command passes NODE_FLAGS', (service) => {
    const command = JSON.stringify(['node', ...NODE_FLAGS, `dist/${service}.mjs`]).replaceAll(',', ', ');
    expect(read('docker-compose.yml')).toContain(`command: ${command}`);
  });

  it('when the README and the bench README show how a service runs, then they show NODE_FLAGS', () => {
    const env = Object.entries(SERVICE_ENV).map(([name, value]) => `${name}=${value}`);
    const line = `${env.join(' ')} node ${NODE_FLAGS.join(' ')} dist/<service>.mjs`;
    expect(read('README.md')).toContain(line);
    expect(read('bench/README.md')).toContain(line);
  });
});
