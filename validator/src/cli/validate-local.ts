import { createReadStream } from 'node:fs';
import { inspectStream } from '@dsv/common';
import { inspectOptions, type ValidatorConfig } from '../config.ts';
import { validateFile, type FileValidation } from '../domain/validate-file.ts';
import { validateUpload, type UploadVerdict } from '../domain/validate-upload.ts';
import type { LocalFile } from './collect-files.ts';

/** The service's verdict on files read from disk, one at a time, streamed as the route streams parts. */
export async function validateLocal(files: readonly LocalFile[], config: ValidatorConfig): Promise<UploadVerdict> {
  const results: FileValidation[] = [];
  for (const file of files) {
    const inspection = await inspectStream(createReadStream(file.path), inspectOptions(config));
    results.push(validateFile(inspection, file.name, config));
  }
  return validateUpload(results, config.severity);
}
