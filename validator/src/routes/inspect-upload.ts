import { AppError, DicomInspector, isStoredName, STORED_NAME, streamMultipart } from '@dsv/common';
import type { Request } from 'express';
import { inspectOptions, type ValidatorConfig } from '../config.ts';
import { validateFile, type FileValidation } from '../domain/validate-file.ts';

const FILE_FIELD = 'files';

/**
 * Streams each file part of a multipart request through a DicomInspector and validates it as soon as it
 * ends: only a header per file is ever held, nothing is written to disk, and the parts are answered in
 * the order they came.
 */
export async function inspectUpload(req: Request, config: ValidatorConfig): Promise<FileValidation[]> {
  const results: FileValidation[] = [];
  const names = new Set<string>();
  await streamMultipart(req, {
    limits: {
      files: config.limits.maxFiles,
      fileSize: config.limits.maxFileBytes,
      fields: 16,
      fieldSize: 1024,
      parts: config.limits.maxFiles + 16,
    },
    // A text part in the file field is a file sent without its name: refused, never dropped unread.
    onField: (name) => {
      if (name === FILE_FIELD) throw new AppError('UPLOAD_PART_UNNAMED', undefined, { field: name });
    },
    onFile: async ({ field, filename, stream }) => {
      if (field !== FILE_FIELD) throw new AppError('UPLOAD_UNEXPECTED_FIELD', `Files must be sent in the field "${FILE_FIELD}"`);
      // The name itself is not echoed: a client's name can carry patient data.
      if (!isStoredName(filename))
        throw new AppError('REQUEST_INVALID', 'A file part is not named like a stored file (e.g. 0001.dcm)', {
          pattern: STORED_NAME.source,
        });
      if (names.has(filename)) throw new AppError('REQUEST_INVALID', 'Two file parts have the same name', { file: filename });
      names.add(filename);
      const slot = results.length;
      results.length += 1;
      const inspector = new DicomInspector(inspectOptions(config));
      for await (const chunk of stream) inspector.write(chunk as Buffer);
      results[slot] = validateFile(inspector.end(), filename, config);
    },
  });
  return results;
}
