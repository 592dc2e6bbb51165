import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';

/** Turns a library's error into the project's, or answers undefined when it does not know it. */
export type ErrorTranslator = (error: unknown) => AppError | undefined;

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
  requestId: string;
}

const translateCommon: ErrorTranslator = (error) => {
  if (error instanceof AppError) return error;
  if (error instanceof ZodError) {
    return new AppError('REQUEST_INVALID', undefined, {
      issues: error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  const e = error as { type?: string; code?: string; status?: number } | null;
  if (e?.type === 'entity.parse.failed') return new AppError('REQUEST_INVALID', 'The JSON body could not be parsed');
  if (e?.type === 'entity.too.large') return new AppError('UPLOAD_TOO_LARGE', 'The request body is too large');
  if (e?.code === 'ENOSPC' || e?.code === 'EDQUOT') return new AppError('STORAGE_FULL');
  if (e?.code === 'EACCES' || e?.code === 'EROFS' || e?.code === 'EPERM') return new AppError('STORAGE_FAILED');
  return undefined;
};

export function toAppError(error: unknown, translators: readonly ErrorTranslator[] = []): AppError {
  for (const translate of [...translators, translateCommon]) {
    const known = translate(error);
    if (known) return known;
  }
  return new AppError('INTERNAL', undefined, undefined, { cause: error });
}

export function errorBody(error: AppError, requestId: string): ErrorBody {
  return {
    error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
    requestId,
  };
}

/** Where one study of a batch stands: which item, of how many, and whose. */
export interface BatchItemLog {
  requestId: string;
  correlationId: string;
  /** Null when the item's id is malformed: never echoed into the log. */
  studyId: string | null;
  index: number;
  batch: number;
}

/**
 * One study of a batch failed: its own result, the status and error body a call of its own would have
 * answered, logged as errorHandler logs such a call (a failure of the service with its cause, a refusal
 * briefly). The batch itself goes on.
 */
export function batchItemError(
  error: unknown,
  log: BatchItemLog,
  logger: Logger | undefined,
): { status: number; error: ErrorBody['error'] } {
  const appError = toAppError(error);
  const line = { ...log, code: appError.code, status: appError.status };
  if (appError.status >= 500) logger?.error({ ...line, err: appError.cause ?? error }, 'batch study failed');
  else logger?.info(line, 'batch study refused');
  return { status: appError.status, error: errorBody(appError, log.requestId).error };
}

/** The one place where errors become HTTP answers. Stack traces go to the log, never to the client. */
export function errorHandler(logger: Logger, translators: readonly ErrorTranslator[] = []): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const appError = toAppError(error, translators);
    const log = { requestId: req.requestId, code: appError.code, status: appError.status, method: req.method, route: req.route?.path };
    if (appError.status >= 500) logger.error({ ...log, err: appError.cause ?? error }, 'request failed');
    else logger.info(log, 'request refused');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(appError.status).json(errorBody(appError, req.requestId));
  };
}

export function notFoundHandler(): RequestHandler {
  return (_req, _res, next) => next(new AppError('ROUTE_NOT_FOUND'));
}
