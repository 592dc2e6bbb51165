import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '@dsv/common';
import { afterEach, describe, expect, it } from 'vitest';
import { loadValidatorConfig } from '../src/config.ts';
import { projectRoot } from '../../test/support/corpus.ts';

const projectConfigDir = path.join(projectRoot, 'config');
const shipped = JSON.parse(readFileSync(path.join(projectConfigDir, 'validator.json'), 'utf8')) as Record<string, unknown>;

describe('loadValidatorConfig', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const withConfig = (changes: Record<string, unknown>): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'validator-config-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'validator.json'), JSON.stringify({ ...shipped, ...changes }));
    return dir;
  };

  it('when the shipped config is read, then it has the documented defaults, frozen', () => {
    const config = loadValidatorConfig({ CONFIG_DIR: projectConfigDir });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3001,
      limits: { maxHeaderBytes: 64 * 1024 * 1024, maxInflatedBytes: 512 * 1024 * 1024 },
    });
    expect(config.requiredAttributes.type1).toEqual(['SOPClassUID', 'SOPInstanceUID', 'StudyInstanceUID', 'SeriesInstanceUID', 'Modality']);
    expect(config.requiredAttributes.type2).toHaveLength(10);
    expect(Object.isFrozen(config.limits)).toBe(true);
  });

  it('when VALIDATOR_PORT, VALIDATOR_HOST and LOG_LEVEL are set, then they win over the file', () => {
    const config = loadValidatorConfig({
      CONFIG_DIR: projectConfigDir,
      VALIDATOR_PORT: '0',
      VALIDATOR_HOST: '0.0.0.0',
      INTERNAL_TOKEN: 'shared-secret',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({ port: 0, host: '0.0.0.0', logLevel: 'warn' });
  });

  it('when a required keyword is not in the dictionary, then start-up stops naming it', () => {
    const dir = withConfig({ requiredAttributes: { type1: ['StudyInstanceUID', 'StudyInstanceUid'], type2: [] } });
    expect(() => loadValidatorConfig({ CONFIG_DIR: dir })).toThrow(ConfigError);
    expect(() => loadValidatorConfig({ CONFIG_DIR: dir })).toThrow(/requiredAttributes\.type1\.1.*'StudyInstanceUid'/);
  });

  it('when a severity override names an unknown finding code, then start-up stops naming it', () => {
    const dir = withConfig({ severity: { 'missing-type3': 'warning' } });
    expect(() => loadValidatorConfig({ CONFIG_DIR: dir })).toThrow(/'missing-type3' is not a finding code/);
  });

  it('when a severity override is not error or warning, then start-up stops', () => {
    const dir = withConfig({ severity: { 'missing-type2': 'info' } });
    expect(() => loadValidatorConfig({ CONFIG_DIR: dir })).toThrow(/severity\.missing-type2/);
  });

  it('when VALIDATOR_PORT is not a number, then start-up stops naming the variable', () => {
    expect(() => loadValidatorConfig({ CONFIG_DIR: projectConfigDir, VALIDATOR_PORT: 'http' })).toThrow(/VALIDATOR_PORT/);
  });
});
