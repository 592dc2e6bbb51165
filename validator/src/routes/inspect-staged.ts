import { AppError, inspectFile, stagedFilePath, type Inspection } from '@dsv/common';
import { inspectOptions, type ValidatorConfig } from '../config.ts';
import { validateFile, type FileValidation } from '../domain/validate-file.ts';

/**
 * Validates files the gateway staged on a disk this service shares, named by reference: only each
 * file's header (and the item structure of encapsulated Pixel Data) is read; native pixel bytes are
 * counted from the file's size. Same verdicts as a streamed delivery, whose every byte is read.
 */
export async function inspectStaged(files: readonly string[], studyId: string, config: ValidatorConfig): Promise<FileValidation[]> {
  if (!config.stagingDir) {
    throw new AppError('STAGED_FILE_UNAVAILABLE', 'This validator has no stagingDir: send the files as multipart/form-data');
  }
  if (files.length > config.limits.maxFiles) throw new AppError('UPLOAD_TOO_MANY_FILES', undefined, { limit: config.limits.maxFiles });
  if (new Set(files).size !== files.length) throw new AppError('REQUEST_INVALID', 'A file is named twice');
  const paths = files.map((file) => stagedFilePath(config.stagingDir, studyId, file));
  const options = inspectOptions(config);
  const results: FileValidation[] = [];
  for (const [index, file] of files.entries()) {
    const inspection = await inspectStagedFile(paths[index]!, file, options);
    if (inspection.fileBytes > config.limits.maxFileBytes)
      throw new AppError('UPLOAD_FILE_TOO_LARGE', undefined, { limit: config.limits.maxFileBytes });
    results.push(validateFile(inspection, file, config));
  }
  return results;
}

async function inspectStagedFile(filePath: string, file: string, options: ReturnType<typeof inspectOptions>): Promise<Inspection> {
  try {
    return await inspectFile(filePath, options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ELOOP: a link where a staged file should be (opened with O_NOFOLLOW).
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') throw new AppError('STAGED_FILE_UNAVAILABLE', undefined, { file });
    throw error;
  }
}
