import { ErrorCodes, type ErrorCode } from './error-codes.ts';

/** The one error type of the project: a stable code, a message safe to show, optional details. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message ?? ErrorCodes[code].message, options);
    this.name = 'AppError';
    this.code = code;
    this.status = ErrorCodes[code].status;
    this.details = details;
  }
}
