import type { RequestHandler } from 'express';
import { AppError } from '../errors/app-error.ts';

/**
 * Lets through only an application/json body, before it is parsed; any other answers 415
 * UNSUPPORTED_MEDIA_TYPE with `hint` (the routes that take files by reference only: a multipart body
 * would carry the files themselves).
 */
export function requireJson(hint: string): RequestHandler {
  return (req, _res, next) => next(req.is('application/json') ? undefined : new AppError('UNSUPPORTED_MEDIA_TYPE', hint));
}
