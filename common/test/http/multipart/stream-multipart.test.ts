import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { AppError, createLogger, createServiceApp, streamMultipart, type MultipartHandlers } from '../../../src/index.ts';
import { rawMultipart } from '../../../../test/support/raw-multipart.ts';

const { contentType, part, body } = rawMultipart('PartsBoundary');
const file = (name: string, body: string | Buffer, field = 'files'): Buffer =>
  part(`name="${field}"; filename="${name}"`, body, 'application/dicom');

/** What the route saw, in order: the test reads it after the answer. */
interface Trace {
  events: string[];
}

/** An app whose one route streams the body to the handlers `make` builds, and answers what they saw. */
function appWith(make: (trace: Trace) => MultipartHandlers) {
  const router = express.Router();
  const traces: Trace[] = [];
  router.post('/parts', async (req, res) => {
    const trace: Trace = { events: [] };
    traces.push(trace);
    try {
      await streamMultipart(req, make(trace));
      trace.events.push('resolved');
    } catch (error) {
      trace.events.push('rejected');
      throw error;
    }
    res.json(trace);
  });
  const app = createServiceApp({ service: 'validator', version: 'test', logger: createLogger('test', 'silent'), routes: [router] });
  return { app, traces };
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.length;
  return bytes;
}

const post = (app: express.Express, payload: Buffer) => request(app).post('/parts').set('content-type', contentType).send(payload);

describe('streamMultipart', () => {
  describe('when a well-formed body comes', () => {
    it('then fields and files reach the handlers in the order sent, each file whole', async () => {
      const { app } = appWith((trace) => ({
        onField: (name, value) => void trace.events.push(`field ${name}=${value}`),
        onFile: async ({ field, filename, stream }) => void trace.events.push(`file ${field}/${filename} ${await readAll(stream)}`),
      }));
      const res = await post(
        app,
        body(part('name="request"', '{"a":1}'), file('0001.dcm', 'x'.repeat(300)), file('0002.dcm', 'y'.repeat(5))),
      ).expect(200);
      expect(res.body.events).toEqual(['field request={"a":1}', 'file files/0001.dcm 300', 'file files/0002.dcm 5', 'resolved']);
    });

    it('then the next part waits while a handler has not read this one (back-pressure)', async () => {
      const { app } = appWith((trace) => ({
        onFile: async ({ filename, stream }) => {
          trace.events.push(`start ${filename}`);
          // The first reader is late: the parser must hold the next part back rather than buffer this one.
          if (filename === '0001.dcm') await sleep(50);
          trace.events.push(`reading ${filename}`);
          await readAll(stream);
        },
      }));
      const res = await post(app, body(file('0001.dcm', Buffer.alloc(1024 * 1024, 7)), file('0002.dcm', 'b'))).expect(200);
      const { events } = res.body as Trace;
      expect(events.slice(0, 3)).toEqual(['start 0001.dcm', 'reading 0001.dcm', 'start 0002.dcm']);
    });
  });

  describe('when a handler refuses a part', () => {
    it('then the error goes on unchanged, only once every started handler has settled, and the rest of the body is drained', async () => {
      const { app, traces } = appWith((trace) => ({
        onFile: async ({ filename, stream }) => {
          await readAll(stream);
          if (filename === '0002.dcm') {
            trace.events.push('refused 0002.dcm');
            throw new AppError('REQUEST_INVALID', 'not this one');
          }
          // Still describing the first file when the second is refused.
          await sleep(50);
          trace.events.push(`settled ${filename}`);
        },
      }));
      const rest = Buffer.alloc(2 * 1024 * 1024, 1);
      const res = await post(app, body(file('0001.dcm', 'a'), file('0002.dcm', 'b'), file('0003.dcm', rest))).expect(400);
      expect(res.body.error.code).toBe('REQUEST_INVALID');
      expect(traces[0]!.events).toEqual(['refused 0002.dcm', 'settled 0001.dcm', 'rejected']);
    });

    it("then a handler's own error (a full disk) is not taken for a malformed body", async () => {
      const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      const { app } = appWith(() => ({
        onFile: async ({ stream }) => {
          await readAll(stream);
          throw full;
        },
      }));
      const res = await post(app, body(file('0001.dcm', 'a'))).expect(503);
      expect(res.body.error.code).toBe('STORAGE_FULL');
    });

    it('then the part being read is destroyed, so its handler settles without reading it through', async () => {
      const { app, traces } = appWith((trace) => ({
        onFile: async ({ filename, stream }) => {
          if (filename === '0001.dcm') {
            // Refused after its stream ended, while the next part is being read.
            await readAll(stream);
            await sleep(20);
            throw new AppError('REQUEST_INVALID');
          }
          try {
            for await (const _chunk of stream) await sleep(5);
            trace.events.push('read 0002.dcm through');
          } catch {
            trace.events.push('0002.dcm stopped');
          }
        },
      }));
      await post(app, body(file('0001.dcm', 'a'), file('0002.dcm', Buffer.alloc(4 * 1024 * 1024, 2)))).expect(400);
      expect(traces[0]!.events).toEqual(['0002.dcm stopped', 'rejected']);
    });

    it('then a field refused by onField refuses the body with its error, and no file after it is handed on', async () => {
      const { app, traces } = appWith((trace) => ({
        onField: (name) => {
          if (name !== 'request') throw new AppError('REQUEST_INVALID', 'The only field is "request"');
        },
        onFile: async ({ filename, stream }) => void trace.events.push(`${filename} ${await readAll(stream)}`),
      }));
      const res = await post(app, body(part('name="other"', 'x'), file('0001.dcm', 'a'))).expect(400);
      expect(res.body.error.code).toBe('REQUEST_INVALID');
      expect(traces[0]!.events).toEqual(['rejected']);
    });
  });

  describe('when the body is not acceptable', () => {
    const reading = (trace: Trace): MultipartHandlers => ({
      onFile: async ({ filename, stream }) => void trace.events.push(`${filename} ${await readAll(stream)}`),
      limits: { files: 2, fileSize: 100, fields: 1, fieldSize: 16, parts: 4 },
    });

    it('then a body that is not multipart answers 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const { app } = appWith(reading);
      const res = await request(app).post('/parts').set('content-type', 'text/plain').send('0001.dcm').expect(415);
      expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('then a multipart body without a boundary answers 400 UPLOAD_MALFORMED', async () => {
      const { app } = appWith(reading);
      const res = await request(app).post('/parts').set('content-type', 'multipart/form-data').send('x').expect(400);
      expect(res.body.error.code).toBe('UPLOAD_MALFORMED');
    });

    it('then a body cut in the middle of a part answers 400 UPLOAD_MALFORMED', async () => {
      const { app } = appWith(reading);
      const cut = file('0001.dcm', 'abc').subarray(0, -4);
      const res = await post(app, cut).expect(400);
      expect(res.body.error.code).toBe('UPLOAD_MALFORMED');
    });

    it.each<[string, number, string, Buffer[]]>([
      ['a file above fileSize', 413, 'UPLOAD_FILE_TOO_LARGE', [file('0001.dcm', Buffer.alloc(101))]],
      ['more files than allowed', 413, 'UPLOAD_TOO_MANY_FILES', [file('0001.dcm', 'a'), file('0002.dcm', 'b'), file('0003.dcm', 'c')]],
      ['more fields than allowed', 413, 'UPLOAD_TOO_MANY_PARTS', [part('name="a"', '1'), part('name="b"', '2')]],
      ['a field above fieldSize', 413, 'UPLOAD_FIELD_TOO_LARGE', [part('name="a"', 'x'.repeat(17))]],
      ['a file part without a file name', 400, 'UPLOAD_PART_UNNAMED', [part('name="files"', 'a', 'application/octet-stream')]],
      [
        'a file part with an empty file name',
        400,
        'UPLOAD_PART_UNNAMED',
        [part('name="files"; filename=""', 'a', 'application/octet-stream')],
      ],
      ['a file part without a field name', 400, 'UPLOAD_MALFORMED', [part('filename="0001.dcm"', 'a')]],
    ])('then %s answers %i %s', async (_what, status, code, parts) => {
      const { app } = appWith(reading);
      const res = await post(app, body(...parts)).expect(status);
      expect(res.body.error.code).toBe(code);
    });

    it('then more parts than allowed answer 413 UPLOAD_TOO_MANY_PARTS', async () => {
      const { app } = appWith((trace) => ({ ...reading(trace), limits: { parts: 2 } }));
      const res = await post(app, body(part('name="a"', '1'), part('name="b"', '2'), file('0001.dcm', 'a'))).expect(413);
      expect(res.body.error.code).toBe('UPLOAD_TOO_MANY_PARTS');
    });

    it('then a text part without a file name is a field: onField decides', async () => {
      const { app } = appWith((trace) => ({
        ...reading(trace),
        onField: (name) => {
          throw new AppError('UPLOAD_PART_UNNAMED', undefined, { field: name });
        },
      }));
      const res = await post(app, body(part('name="files"; filename=""', 'a'))).expect(400);
      expect(res.body.error).toMatchObject({ code: 'UPLOAD_PART_UNNAMED', details: { field: 'files' } });
    });

    // multer's limits are the most allowed (busboy's alone refuse a file of exactly fileSize bytes).
    it('then a file of exactly fileSize bytes is accepted', async () => {
      const { app } = appWith(reading);
      const res = await post(app, body(file('0001.dcm', Buffer.alloc(100)))).expect(200);
      expect(res.body.events).toEqual(['0001.dcm 100', 'resolved']);
    });
  });
});
