import type { Response } from 'express';

/**
 * The answer to a POST, written as res.json writes it but without the ETag express hashes every body for:
 * a POST's answer is not revalidated (conditional requests are GET and HEAD; RFC 9110 §9.3.3).
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
