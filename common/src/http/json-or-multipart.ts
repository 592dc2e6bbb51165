import type { Request } from 'express';
import { AppError } from '../errors/app-error.ts';

/**
 * Which of its two bodies a sibling's delivery route was sent: application/json (deliveries by reference)
 * or multipart/form-data (one delivery, its files streamed). Any other type, or no body, answers 415
 * UNSUPPORTED_MEDIA_TYPE.
 */
export function jsonOrMultipart(req: Request): 'json' | 'multipart' {
  if (req.is('application/json')) return 'json';
  if (req.is('multipart/form-data')) return 'multipart';
  throw new AppError(
    'UNSUPPORTED_MEDIA_TYPE',
    'Send application/json (deliveries by reference) or multipart/form-data (one delivery, its files streamed)',
  );
}
