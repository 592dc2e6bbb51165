import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '@dsv/common';
import { afterEach, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config.ts';
import { projectRoot } from '../../test/support/corpus.ts';

const projectConfigDir = path.join(projectRoot, 'config');
const shipped = JSON.parse(readFileSync(path.join(projectConfigDir, 'gateway.json'), 'utf8')) as Record<string, unknown>;

describe('loadGatewayConfig', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const withConfig = (changes: Record<string, unknown>): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gateway-config-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify({ ...shipped, ...changes }));
    return dir;
  };

  it('when the shipped config is read, then the database is in var/ and a study is stable 10 s after its last delivery', () => {
    expect(loadGatewayConfig({ CONFIG_DIR: projectConfigDir })).toMatchObject({ dataDir: 'var', stableAfterSeconds: 10 });
  });

  it('when DATA_DIR and STABLE_AFTER_SECONDS are set, then they win over the file; 0 is allowed', () => {
    expect(loadGatewayConfig({ CONFIG_DIR: projectConfigDir, DATA_DIR: '/data/var', STABLE_AFTER_SECONDS: '0' })).toMatchObject({
      dataDir: '/data/var',
      stableAfterSeconds: 0,
    });
  });

  it('when retention is left out, then statuses are kept 30 days and swept hourly; RETENTION_DAYS=0 keeps them; a sweep interval beyond a week or a negative age stops start-up', () => {
    const { retention: _, ...withoutRetention } = shipped;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gateway-config-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify(withoutRetention));
    expect(loadGatewayConfig({ CONFIG_DIR: dir }).retention).toEqual({ days: 30, sweepIntervalSeconds: 3600 });
    expect(loadGatewayConfig({ CONFIG_DIR: projectConfigDir }).retention).toEqual({ days: 30, sweepIntervalSeconds: 3600 });
    expect(loadGatewayConfig({ CONFIG_DIR: projectConfigDir, RETENTION_DAYS: '0' }).retention.days).toBe(0);
    expect(() => loadGatewayConfig({ CONFIG_DIR: withConfig({ retention: { days: 30, sweepIntervalSeconds: 2_592_000 } }) })).toThrow(
      /retention\.sweepIntervalSeconds/,
    );
    expect(() => loadGatewayConfig({ CONFIG_DIR: projectConfigDir, RETENTION_DAYS: '-1' })).toThrow(/retention\.days/);
  });

  it('when stableAfterSeconds is negative or not whole, then start-up stops naming it', () => {
    expect(() => loadGatewayConfig({ CONFIG_DIR: projectConfigDir, STABLE_AFTER_SECONDS: '-1' })).toThrow(
      /stableAfterSeconds \(from STABLE_AFTER_SECONDS\)/,
    );
    expect(() => loadGatewayConfig({ CONFIG_DIR: projectConfigDir, STABLE_AFTER_SECONDS: '1.5' })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ CONFIG_DIR: withConfig({ stableAfterSeconds: 2.5 }) })).toThrow(/stableAfterSeconds/);
  });

  it('when a config file still has the status journal keys, then start-up stops naming them', () => {
    expect(() => loadGatewayConfig({ CONFIG_DIR: withConfig({ statusDir: 'var/status', finishedStatusesInMemory: 1000 }) })).toThrow(
      /statusDir.*finishedStatusesInMemory|finishedStatusesInMemory.*statusDir/s,
    );
  });
});
