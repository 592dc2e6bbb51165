import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { ErrorCodes } from '../errors/error-codes.ts';
import { acceptId, Headers } from './headers.ts';

/** How long close() lets requests in flight finish before it cuts their connections. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  /**
   * Stops taking new work at once: the port closes, and a request arriving on a connection that is
   * still open is answered 503 SHUTTING_DOWN. Requests in flight finish, each connection closing after
   * its last answer; after `timeoutMs` the connections left are cut. Calling it again returns the same
   * promise.
   */
  close(timeoutMs?: number): Promise<void>;
  readonly closing: boolean;
}

export interface ListenOptions {
  host: string;
  port: number;
  /** Slow clients must not hold a socket for ever. */
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
  /** Default bound of close(); DEFAULT_SHUTDOWN_TIMEOUT_MS when absent. */
  shutdownTimeoutMs?: number;
}

export async function listen(app: Express, options: ListenOptions): Promise<RunningServer> {
  let closing: Promise<void> | null = null;
  const active = new Set<ServerResponse>();
  const server = http.createServer({ connectionsCheckingInterval: checkingInterval(options) }, (req, res) => {
    if (closing) {
      refuse(req, res);
      return;
    }
    active.add(res);
    res.once('close', () => {
      active.delete(res);
      // While closing, a kept-alive connection goes as soon as it is idle.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    app(req, res);
  });
  if (options.requestTimeoutMs !== undefined) server.requestTimeout = options.requestTimeoutMs;
  if (options.headersTimeoutMs !== undefined) server.headersTimeout = options.headersTimeoutMs;
  server.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    server,
    port,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    get closing() {
      return closing !== null;
    },
    close(timeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS) {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const res of active) if (!res.headersSent) res.setHeader('connection', 'close');
        const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
        timer.unref();
        server.close((error) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/** The same error body as the error handler's, written without express: the app is no longer asked. */
function refuse(req: IncomingMessage, res: ServerResponse): void {
  const requestId = acceptId(req.headers[Headers.requestId]) ?? randomUUID();
  const { message } = ErrorCodes.SHUTTING_DOWN;
  const body = Buffer.from(JSON.stringify({ error: { code: 'SHUTTING_DOWN', message }, requestId }));
  res.writeHead(ErrorCodes.SHUTTING_DOWN.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
    connection: 'close',
    [Headers.requestId]: requestId,
  });
  res.end(body);
  req.resume();
}

/**
 * Node checks the request and header timeouts only every connectionsCheckingInterval (30 s by default):
 * a short timeout would be enforced up to 30 s late. Check at half the shorter timeout, within bounds.
 */
function checkingInterval(options: ListenOptions): number {
  const timeouts = [options.requestTimeoutMs, options.headersTimeoutMs].filter((t): t is number => t !== undefined && t > 0);
  if (timeouts.length === 0) return 30_000;
  return Math.max(50, Math.min(30_000, Math.floor(Math.min(...timeouts) / 2)));
}
