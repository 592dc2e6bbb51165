import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@dsv/common';
import { projectRoot } from '../../test/support/corpus.ts';
import { loadDescriptorConfig } from '../src/config.ts';

const CONFIG_DIR = path.join(projectRoot, 'config');

describe('loadDescriptorConfig', () => {
  it('when config/descriptor.json is read as shipped, then port 3002 and the folders resolve against the working directory', () => {
    const config = loadDescriptorConfig({}, CONFIG_DIR);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3002,
      studiesDir: path.resolve('studies'),
      rejectedDir: path.resolve('rejected'),
    });
    expect(config.limits.maxHeaderBytes).toBe(64 * 1024 * 1024);
    expect(config.limits.maxInflatedBytes).toBe(512 * 1024 * 1024);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('when the environment sets port, host, folders and log level, then they win over the file', () => {
    const config = loadDescriptorConfig(
      {
        DESCRIPTOR_PORT: '4002',
        DESCRIPTOR_HOST: '0.0.0.0',
        INTERNAL_TOKEN: 'shared-secret',
        STUDIES_DIR: '/srv/studies',
        REJECTED_DIR: 'var/rejected',
        LOG_LEVEL: 'debug',
      },
      CONFIG_DIR,
    );
    expect(config).toMatchObject({
      port: 4002,
      host: '0.0.0.0',
      internalToken: 'shared-secret',
      studiesDir: '/srv/studies',
      rejectedDir: path.resolve('var/rejected'),
      logLevel: 'debug',
    });
  });

  it('when config/descriptor.json is read as shipped, then FHIR forwarding is off and the outbox is ./outbox', () => {
    const config = loadDescriptorConfig({}, CONFIG_DIR);
    expect(config.fhir).toMatchObject({ forwardUrl: '', authHeader: '' });
    expect(config.outboxDir).toBe(path.resolve('outbox'));
  });

  it('when FHIR_FORWARD_URL, FHIR_AUTH_HEADER and OUTBOX_DIR are set, then forwarding is on with them', () => {
    const config = loadDescriptorConfig(
      { FHIR_FORWARD_URL: 'https://fhir.example.org/r4', FHIR_AUTH_HEADER: 'Bearer abc', OUTBOX_DIR: 'var/outbox' },
      CONFIG_DIR,
    );
    expect(config.fhir).toMatchObject({ forwardUrl: 'https://fhir.example.org/r4', authHeader: 'Bearer abc' });
    expect(config.outboxDir).toBe(path.resolve('var/outbox'));
  });

  it('when FHIR_FORWARD_URL is not an http(s) URL, then it fails at start-up naming fhir.forwardUrl', () => {
    expect(() => loadDescriptorConfig({ FHIR_FORWARD_URL: 'ftp://fhir.example.org' }, CONFIG_DIR)).toThrow(
      /fhir\.forwardUrl \(from FHIR_FORWARD_URL\)/,
    );
  });

  it('when it binds beyond loopback without an internal token, then it refuses to start naming INTERNAL_TOKEN', () => {
    expect(() => loadDescriptorConfig({ DESCRIPTOR_HOST: '0.0.0.0' }, CONFIG_DIR)).toThrow(/internalToken.*INTERNAL_TOKEN/);
  });

  it('when DESCRIPTOR_PORT is not a number, then it fails at start-up with a ConfigError', () => {
    expect(() => loadDescriptorConfig({ DESCRIPTOR_PORT: 'http' }, CONFIG_DIR)).toThrow(ConfigError);
  });

  it('when studies and rejected uploads would share a folder, then it fails with a ConfigError naming rejectedDir', () => {
    expect(() => loadDescriptorConfig({ STUDIES_DIR: 'same', REJECTED_DIR: './same' }, CONFIG_DIR)).toThrow(/rejectedDir/);
  });

  describe('when the file has an unknown key', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-config-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('then it fails with a ConfigError rather than ignoring a typo', async () => {
      const shipped = JSON.parse(await readFile(path.join(CONFIG_DIR, 'descriptor.json'), 'utf8'));
      await writeFile(path.join(dir, 'descriptor.json'), JSON.stringify({ ...shipped, studyDir: 'typo' }));
      expect(() => loadDescriptorConfig({}, dir)).toThrow(ConfigError);
    });
  });
});
