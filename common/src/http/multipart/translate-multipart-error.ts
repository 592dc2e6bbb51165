import multer from 'multer';
import { AppError } from '../../errors/app-error.ts';
import type { ErrorTranslator } from '../error-handler.ts';

/**
 * multer's and busboy's errors in the project's vocabulary, for every service that reads multipart bodies
 * (the gateway's uploads and the streamed transport alike); undefined for an error that is not theirs.
 */
export const translateMultipartError: ErrorTranslator = (error) => {
  if (error instanceof AppError) return error;
  if (error instanceof multer.MulterError) {
    switch (error.code) {
      case 'LIMIT_FILE_SIZE':
        return new AppError('UPLOAD_FILE_TOO_LARGE');
      case 'LIMIT_FILE_COUNT':
        return new AppError('UPLOAD_TOO_MANY_FILES');
      case 'LIMIT_UNEXPECTED_FILE':
        return new AppError('UPLOAD_UNEXPECTED_FIELD', undefined, { field: error.field });
      case 'LIMIT_PART_COUNT':
      case 'LIMIT_FIELD_COUNT':
        return new AppError('UPLOAD_TOO_MANY_PARTS');
      case 'LIMIT_FIELD_KEY':
      case 'LIMIT_FIELD_VALUE':
        return new AppError('UPLOAD_FIELD_TOO_LARGE', undefined, error.field ? { field: error.field.slice(0, 64) } : undefined);
      default:
        return new AppError('UPLOAD_MALFORMED', error.message);
    }
  }
  const message = (error as Error | null)?.message ?? '';
  // busboy's own words for a body it cannot read ("Multipart: Boundary not found", "Malformed part
  // header", "Unexpected end of form").
  if (/^(Multipart|Malformed|Unexpected end of form|Boundary)/i.test(message) || /boundary/i.test(message)) {
    return new AppError('UPLOAD_MALFORMED', `The multipart body could not be read: ${message}`);
  }
  // multer's words for a request that ended before its body did, and the socket's.
  if ((error as { code?: string } | null)?.code === 'ECONNRESET' || ['aborted', 'Request aborted', 'Request closed'].includes(message)) {
    return new AppError('UPLOAD_ABORTED');
  }
  return undefined;
};
