import { createReadStream } from 'node:fs';
import path from 'node:path';
import { DicomInspector, inspectStream, type Inspection } from '@dsv/common';
import { inspectOptions, loadValidatorConfig, type ValidatorConfig } from '../../src/config.ts';
import { corpusPath, projectRoot } from '../../../test/support/corpus.ts';

/** The project's config/validator.json, as the service reads it. */
export function projectConfig(overrides: Partial<ValidatorConfig> = {}): ValidatorConfig {
  return { ...loadValidatorConfig({ CONFIG_DIR: path.join(projectRoot, 'config') }), ...overrides };
}

/** Feeds bytes to a DicomInspector in small chunks, as a network stream would. */
export function inspectBytes(bytes: Uint8Array, config: ValidatorConfig = projectConfig(), chunkSize = 4096): Inspection {
  const inspector = new DicomInspector(inspectOptions(config));
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    inspector.write(Buffer.from(bytes.subarray(offset, offset + chunkSize)));
  }
  return inspector.end();
}

export function inspectFile(file: string, config: ValidatorConfig = projectConfig()): Promise<Inspection> {
  return inspectStream(createReadStream(file), inspectOptions(config));
}

/** A corpus file by its manifest path, e.g. 'invalid/single/truncated-header.dcm'. */
export function inspectCorpus(relative: string): Promise<Inspection> {
  return inspectFile(corpusPath(relative));
}
