import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { corpusAvailable } from '../../../test/support/corpus.ts';
import { createTestDescriptor, newStudyId, type TestDescriptor } from '../support/descriptor-app.ts';
import { rejectCorpusFiles, storeCorpusStudy, type StoredStudy } from '../support/store-studies.ts';

/** supertest hands binary bodies over as Buffers only with a parser that collects them. */
const binary = (res: request.Response, done: (error: Error | null, body: Buffer) => void): void => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

describe.skipIf(!corpusAvailable)('GET /studies/:id/files/:key', () => {
  let descriptor: TestDescriptor;
  let multi: StoredStudy;
  let single: StoredStudy;
  let rejected: StoredStudy;
  /** The stored multi-series study: SOP Instance UID -> the original bytes. */
  let originals: Map<string, Buffer>;
  let uid: string;
  let bytes: Buffer;
  let etag: string;

  const get = (path: string) => request(descriptor.app).get(path).buffer(true).parse(binary);

  beforeAll(async () => {
    descriptor = await createTestDescriptor();
    multi = await storeCorpusStudy(descriptor, 'valid/synthetic/multi-series-study');
    single = await storeCorpusStudy(descriptor, 'valid/samples/CT_small.dcm');
    rejected = await rejectCorpusFiles(descriptor, [
      'invalid/single/missing-type1-StudyInstanceUID.dcm',
      'invalid/single/png-named-dcm.dcm',
    ]);
    const { body } = await request(descriptor.app).get(`/studies/${multi.uid!}`).expect(200);
    originals = new Map();
    for (const file of body.files as { file: string; SOPInstanceUID: string }[]) {
      originals.set(file.SOPInstanceUID, await readFile(multi.sources[Number(file.file.slice(0, 4)) - 1]!));
    }
    [uid, bytes] = [...originals.entries()][0]!;
    etag = `"${createHash('sha256').update(bytes).digest('hex')}"`;
  });
  afterAll(() => descriptor?.remove());

  const fileUrl = (id: string, key: string) => `/studies/${id}/files/${key}`;

  describe('when the whole file is asked', () => {
    it('then every instance of the study answers 200 with its original bytes, as application/dicom, with Accept-Ranges and its sha256 as ETag', async () => {
      for (const [sop, original] of originals) {
        const response = await get(fileUrl(multi.uid!, sop)).expect(200);
        expect(response.headers['content-type']).toBe('application/dicom');
        expect(response.headers['accept-ranges']).toBe('bytes');
        expect(response.headers['content-length']).toBe(String(original.length));
        expect(response.headers.etag).toBe(`"${createHash('sha256').update(original).digest('hex')}"`);
        expect(response.headers['content-disposition']).toBe(`attachment; filename="${sop}.dcm"`);
        expect(Buffer.compare(response.body, original)).toBe(0);
      }
    });

    it('then a study of one file (original.dcm) answers by its UID too', async () => {
      const { body } = await request(descriptor.app).get(`/studies/${single.uid!}`).expect(200);
      expect(body.files).toHaveLength(1);
      expect(body.files[0].path).toBe('original.dcm');
      const response = await get(body.files[0].href).expect(200);
      expect(Buffer.compare(response.body, await readFile(single.sources[0]!))).toBe(0);
    });

    it('then the id of the delivery that joined the study names the study too: the same bytes', async () => {
      const response = await get(fileUrl(multi.id, uid)).expect(200);
      expect(response.body.equals(bytes)).toBe(true);
      expect(response.headers.etag).toBe(etag);
    });

    it('then the file of a rejected upload answers by its stored name, or by its UID when it was readable', async () => {
      const { body } = await request(descriptor.app).get(`/studies/${rejected.id}`).expect(200);
      for (const [index, file] of (body.files as { file: string; href: string }[]).entries()) {
        const original = await readFile(rejected.sources[index]!);
        expect(Buffer.compare((await get(file.href).expect(200)).body, original)).toBe(0);
        expect(Buffer.compare((await get(fileUrl(rejected.id, file.file)).expect(200)).body, original)).toBe(0);
      }
      // Its hash is not known without a readable header: no ETag rather than a made-up one.
      expect((await get(fileUrl(rejected.id, '0002.dcm'))).headers.etag).toBeUndefined();
    });

    it('then HEAD answers the headers without a body', async () => {
      const response = await request(descriptor.app).head(fileUrl(multi.uid!, uid)).expect(200);
      expect(response.headers['content-length']).toBe(String(bytes.length));
      expect(response.headers.etag).toBe(etag);
      expect(response.body).toEqual({});
    });
  });

  describe('when a byte range is asked', () => {
    const slice = (start: number, end: number) => bytes.subarray(start, end + 1);

    it('then bytes=a-b answers 206 with exactly those bytes and Content-Range', async () => {
      const response = await get(fileUrl(multi.uid!, uid)).set('range', 'bytes=0-131').expect(206);
      expect(response.headers['content-range']).toBe(`bytes 0-131/${bytes.length}`);
      expect(response.headers['content-length']).toBe('132');
      expect(Buffer.compare(response.body, slice(0, 131))).toBe(0);
      // PS3.10 §7.1: the 128-byte preamble, then DICM.
      expect(response.body.subarray(128, 132).toString('latin1')).toBe('DICM');
    });

    it('then bytes=a- answers from a to the end', async () => {
      const start = bytes.length - 1000;
      const response = await get(fileUrl(multi.uid!, uid)).set('range', `bytes=${start}-`).expect(206);
      expect(response.headers['content-range']).toBe(`bytes ${start}-${bytes.length - 1}/${bytes.length}`);
      expect(Buffer.compare(response.body, slice(start, bytes.length - 1))).toBe(0);
    });

    it('then bytes=-n answers the last n bytes, and the whole file when n is longer than it', async () => {
      const last = await get(fileUrl(multi.uid!, uid)).set('range', 'bytes=-500').expect(206);
      expect(last.headers['content-range']).toBe(`bytes ${bytes.length - 500}-${bytes.length - 1}/${bytes.length}`);
      expect(Buffer.compare(last.body, bytes.subarray(bytes.length - 500))).toBe(0);
      const all = await get(fileUrl(multi.uid!, uid))
        .set('range', `bytes=-${bytes.length + 10}`)
        .expect(206);
      expect(all.headers['content-range']).toBe(`bytes 0-${bytes.length - 1}/${bytes.length}`);
      expect(Buffer.compare(all.body, bytes)).toBe(0);
    });

    it('then an end past the file is cut at its last byte', async () => {
      const response = await get(fileUrl(multi.uid!, uid))
        .set('range', `bytes=10-${bytes.length * 2}`)
        .expect(206);
      expect(response.headers['content-range']).toBe(`bytes 10-${bytes.length - 1}/${bytes.length}`);
      expect(Buffer.compare(response.body, slice(10, bytes.length - 1))).toBe(0);
    });

    it('then a range starting past the end, or ending before its start (RFC 9110 §14.2: may be rejected), answers 416 RANGE_NOT_SATISFIABLE with Content-Range bytes */size', async () => {
      for (const range of [`bytes=${bytes.length}-`, `bytes=${bytes.length + 5}-${bytes.length + 9}`, 'bytes=-0', 'bytes=5-2']) {
        const response = await request(descriptor.app).get(fileUrl(multi.uid!, uid)).set('range', range).expect(416);
        expect(response.headers['content-range']).toBe(`bytes */${bytes.length}`);
        expect(response.body.error.code).toBe('RANGE_NOT_SATISFIABLE');
      }
    });

    it('then a Range that breaks the grammar, another unit, or several ranges are ignored: 200 with the whole file', async () => {
      for (const range of ['bytes=abc', 'items=0-5', 'bytes=0-1,5-6']) {
        const response = await get(fileUrl(multi.uid!, uid)).set('range', range).expect(200);
        expect(response.headers['content-range']).toBeUndefined();
        expect(response.body.length).toBe(bytes.length);
      }
    });

    it('then If-Range with the ETag keeps the range, and with another one answers the whole file', async () => {
      await get(fileUrl(multi.uid!, uid)).set('range', 'bytes=0-9').set('if-range', etag).expect(206);
      const other = await get(fileUrl(multi.uid!, uid)).set('range', 'bytes=0-9').set('if-range', '"0000"').expect(200);
      expect(other.body.length).toBe(bytes.length);
    });
  });

  it('when If-None-Match holds the ETag, then 304 without a body', async () => {
    const response = await request(descriptor.app).get(fileUrl(multi.uid!, uid)).set('if-none-match', `"other", ${etag}`).expect(304);
    expect(response.text ?? '').toBe('');
    await get(fileUrl(multi.uid!, uid)).set('if-none-match', '"other"').expect(200);
  });

  describe('when the key is wrong', () => {
    it('then a key that is neither a UID nor a stored name answers 400 REQUEST_INVALID naming SOPInstanceUID, before any lookup', async () => {
      for (const key of [
        '1.2.abc',
        '01.2.3',
        '1..2',
        '..',
        '%2E%2E',
        '..%2F..%2Fmetadata.json',
        'original.dcm',
        `1.${'2'.repeat(70)}`,
        'files%2F0001.dcm',
      ]) {
        const response = await request(descriptor.app).get(fileUrl(multi.uid!, key)).expect(400);
        expect(response.body.error).toMatchObject({ code: 'REQUEST_INVALID', details: { parameter: 'SOPInstanceUID' } });
      }
      // Before the study is looked up: an unknown study with a bad key is a bad request too.
      expect((await request(descriptor.app).get(fileUrl(newStudyId(), '..')).expect(400)).body.error.code).toBe('REQUEST_INVALID');
    });

    it('then a UID or stored name the study does not hold answers 404 INSTANCE_NOT_FOUND', async () => {
      for (const key of ['1.2.3.4', '0009.dcm']) {
        const response = await request(descriptor.app).get(fileUrl(multi.uid!, key)).expect(404);
        expect(response.body.error.code).toBe('INSTANCE_NOT_FOUND');
      }
      // A UID of another study is not found in this one.
      const { body } = await request(descriptor.app).get(`/studies/${single.uid!}`).expect(200);
      await request(descriptor.app).get(fileUrl(multi.uid!, body.files[0].SOPInstanceUID)).expect(404);
    });

    it('then a malformed study id answers 400 STUDY_ID_INVALID and an unknown one 404 STUDY_NOT_FOUND', async () => {
      expect((await request(descriptor.app).get(fileUrl('..', uid)).expect(400)).body.error.code).toBe('STUDY_ID_INVALID');
      expect((await request(descriptor.app).get(fileUrl(newStudyId(), uid)).expect(404)).body.error.code).toBe('STUDY_NOT_FOUND');
    });
  });
});
