import { pipeline } from 'node:stream/promises';
import { AppError, Headers, isStoredName, isStudyId, isValidUid } from '@dsv/common';
import { Router, type Request, type RequestHandler } from 'express';
import type { Dispatcher } from 'undici';
import { createServiceAgent, internalAuth, type ServiceAgent } from '../clients/service-call.ts';
import type { GatewayConfig } from '../config.ts';

/** What a client may say about the answer it wants; everything else of its request stays here. */
const REQUEST_HEADERS = ['accept', 'range', 'if-range', 'if-none-match'] as const;
/** What the descriptor says about its answer that the client needs. */
const RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'content-range',
  'accept-ranges',
  'etag',
  'content-disposition',
  'cache-control',
  'last-modified',
] as const;

/**
 * GET (and HEAD) /studies, /studies/<key>, /studies/<key>/metadata, /studies/<key>/validation and
 * /studies/<key>/files/<SOPInstanceUID>, where <key> is a StudyInstanceUID (a DICOM study) or a
 * delivery id (a rejected delivery): the descriptor owns the study folders and answers these; the
 * gateway puts its API-key guard in front, adds the internal token, and streams the answer through as it
 * comes (a file is never held in memory). The path sent on is rebuilt from keys that passed their
 * grammar here (the descriptor checks them again); of the client's URL only the query goes on.
 * `descriptor`: the pool of connections to the descriptor (the gateway shares its own; a route test may
 * leave it to the router). A redirect the descriptor answers is handed back as it is, never followed.
 */
export function browseProxyRouter(
  config: Pick<GatewayConfig, 'descriptorUrl' | 'internalToken' | 'pipeline'>,
  descriptor: ServiceAgent = createServiceAgent(config.descriptorUrl),
): Router {
  const router = Router();
  const forward =
    (segments: (req: Request) => string[]): RequestHandler =>
    async (req, res) => {
      const url = new URL(config.descriptorUrl);
      url.pathname = ['', 'studies', ...segments(req)].map(encodeURIComponent).join('/');
      url.search = new URL(req.originalUrl, 'http://client.invalid').search;

      const headers: Record<string, string> = {
        ...internalAuth(config.internalToken),
        [Headers.requestId]: req.requestId,
        [Headers.correlationId]: req.correlationId,
        // The length the descriptor sends must be the length the client gets.
        'accept-encoding': 'identity',
      };
      for (const name of REQUEST_HEADERS) {
        const value = req.get(name);
        if (value !== undefined) headers[name] = value;
      }

      // The time limit is on the answer starting to come; a large file may then take as long as it takes.
      const aborter = new AbortController();
      const timer = setTimeout(() => aborter.abort(new Error('timeout')), config.pipeline.requestTimeoutMs);
      res.once('close', () => aborter.abort());
      let upstream: Dispatcher.ResponseData;
      try {
        upstream = await descriptor.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method: req.method === 'HEAD' ? 'HEAD' : 'GET',
          headers,
          signal: aborter.signal,
        });
      } catch (error) {
        throw new AppError('DOWNSTREAM_UNAVAILABLE', 'The descriptor is unreachable', { service: 'descriptor' }, { cause: error });
      } finally {
        clearTimeout(timer);
      }
      if (upstream.statusCode === 401) {
        await upstream.body.dump().catch(() => undefined);
        throw new AppError('DOWNSTREAM_UNAVAILABLE', "The descriptor refused the gateway's internal token", { service: 'descriptor' });
      }

      res.status(upstream.statusCode);
      for (const name of RESPONSE_HEADERS) {
        const value = upstream.headers[name];
        // A header sent twice reaches the client once, its values joined as HTTP allows (RFC 9110 §5.3).
        if (value !== undefined) res.setHeader(name, Array.isArray(value) ? value.join(', ') : value);
      }
      if (req.method === 'HEAD') {
        await upstream.body.dump().catch(() => undefined);
        res.end();
        return;
      }
      try {
        await pipeline(upstream.body, res);
      } catch (error) {
        // The client went away, or the descriptor stopped mid-file: the status line is gone, so the answer
        // can only be cut off; the client sees fewer bytes than Content-Length promised.
        if (!res.writableEnded) res.destroy();
        if (req.destroyed || (error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
        throw error;
      }
    };

  router.get(
    '/studies',
    forward(() => []),
  );
  router.get(
    '/studies/:key',
    forward((req) => [assertStudyKey(req.params.key)]),
  );
  router.get(
    '/studies/:key/metadata',
    forward((req) => [assertStudyKey(req.params.key), 'metadata']),
  );
  router.get(
    '/studies/:key/validation',
    forward((req) => [assertStudyKey(req.params.key), 'validation']),
  );
  router.get(
    '/studies/:key/files/:file',
    forward((req) => [assertStudyKey(req.params.key), 'files', assertFileKey(req.params.file)]),
  );
  return router;
}

function assertStudyKey(key: unknown): string {
  // A study is named by its StudyInstanceUID (PS3.5 §9.1); a rejected delivery, which joined none, by its id.
  if (typeof key === 'string' && (isValidUid(key) || isStudyId(key))) return key;
  throw new AppError('STUDY_ID_INVALID', 'A study is named by its StudyInstanceUID (PS3.5 §9.1), a rejected delivery by its id (a ULID)');
}

function assertFileKey(key: unknown): string {
  // A file of a study is named by its SOP Instance UID (PS3.5 §9.1) or by the stored name NNNN.dcm.
  if (typeof key === 'string' && (isValidUid(key) || isStoredName(key))) return key;
  throw new AppError('REQUEST_INVALID', 'A file is named by its SOP Instance UID (PS3.5 §9.1) or its stored name (NNNN.dcm)', {
    parameter: 'SOPInstanceUID',
  });
}
