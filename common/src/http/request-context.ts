import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { acceptId, Headers } from './headers.ts';

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
    correlationId: string;
  }
}

/** Gives every request an id and a correlation id (taken from the caller when it sent a plain one). */
export function requestContext() {
  return (req: Request, res: Response, next: NextFunction): void => {
    req.requestId = acceptId(req.get(Headers.requestId)) ?? randomUUID();
    req.correlationId = acceptId(req.get(Headers.correlationId)) ?? req.requestId;
    res.setHeader(Headers.requestId, req.requestId);
    res.setHeader(Headers.correlationId, req.correlationId);
    next();
  };
}
