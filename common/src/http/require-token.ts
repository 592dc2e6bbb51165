import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../errors/app-error.ts';

export interface TokenOptions {
  /** Accepted secrets; an empty list lets every request through. */
  tokens: readonly string[];
  /** Also read the secret from this header (besides `Authorization: Bearer …`), e.g. 'x-api-key'. */
  header?: string;
}

/**
 * Lets a request through only with one of the configured secrets. Every candidate is compared, in
 * constant time, on fixed-length digests, so neither the length nor which secret matched leaks.
 */
export function requireToken(options: TokenOptions): RequestHandler {
  const digests = options.tokens.map(digest);
  return (req, res, next) => {
    if (digests.length === 0) return next();
    const bearer = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const presented = bearer ?? (options.header ? req.get(options.header) : undefined);
    if (presented !== undefined && matchesAny(digest(presented.trim()), digests)) return next();
    res.setHeader('WWW-Authenticate', 'Bearer');
    next(new AppError('UNAUTHORIZED'));
  };
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

function matchesAny(candidate: Buffer, digests: readonly Buffer[]): boolean {
  let matched = false;
  for (const known of digests) matched = timingSafeEqual(candidate, known) || matched;
  return matched;
}

/** 127.0.0.0/8, ::1 and localhost: a service bound there cannot be reached from another host. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
