import path from 'node:path';
import { ConfigError } from '@dsv/common';
import { describe, expect, it } from 'vitest';
import { GatewayConfigSchema, loadGatewayConfig } from '../../src/config.ts';
import { projectRoot } from '../../../test/support/corpus.ts';

const CONFIG_DIR = path.join(projectRoot, 'config');

describe('dimse config', () => {
  it('when the shipped config is read, then the receiver listens on 127.0.0.1:11112', () => {
    expect(loadGatewayConfig({ CONFIG_DIR }).dimse).toMatchObject({ port: 11112, host: '127.0.0.1', allowedCallingAeTitles: [] });
  });

  it('when DIMSE_PORT is 0 or empty, then the receiver is off (port 0)', () => {
    expect(loadGatewayConfig({ CONFIG_DIR, DIMSE_PORT: '0' }).dimse.port).toBe(0);
    expect(loadGatewayConfig({ CONFIG_DIR, DIMSE_PORT: '' }).dimse.port).toBe(0);
  });

  it('when the AE title and allow-list come from the environment, then they win over the file', () => {
    const dimse = loadGatewayConfig({ CONFIG_DIR, DIMSE_AE_TITLE: 'ARCHIVE', DIMSE_ALLOWED_CALLING_AE_TITLES: 'CT1, MR2' }).dimse;
    expect(dimse).toMatchObject({ aeTitle: 'ARCHIVE', allowedCallingAeTitles: ['CT1', 'MR2'] });
  });

  it('when an AE title is longer than 16 characters or holds a backslash, then start-up stops naming the key', () => {
    expect(() => loadGatewayConfig({ CONFIG_DIR, DIMSE_AE_TITLE: 'A_VERY_LONG_AE_TITLE' })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ CONFIG_DIR, DIMSE_AE_TITLE: 'A\\B' })).toThrow(/dimse\.aeTitle.*DIMSE_AE_TITLE/);
  });

  it('when a config has no dimse section, then the receiver is off', () => {
    const { dimse: _omitted, ...rest } = loadGatewayConfig({ CONFIG_DIR }) as unknown as Record<string, unknown>;
    expect(GatewayConfigSchema.parse(rest).dimse.port).toBe(0);
  });
});
