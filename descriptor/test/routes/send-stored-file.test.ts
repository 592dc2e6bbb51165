import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, createServiceApp } from '@dsv/common';
import { Router, type Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendStoredFile } from '../../src/routes/send-stored-file.ts';

/** A study folder of three files and a secret beside it; `?path=` names the file, as browse.ts names one from the catalogue. */
describe('sendStoredFile', () => {
  let root: string;
  let folder: string;
  let app: Express;
  const bytes = Buffer.from('0123456789');
  const sha256 = 'a'.repeat(64);

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'dsv-send-file-'));
    folder = path.join(root, 'study');
    await mkdir(path.join(folder, 'originals'), { recursive: true });
    await writeFile(path.join(folder, 'originals', 'one.dcm'), bytes);
    await writeFile(path.join(folder, 'empty.dcm'), Buffer.alloc(0));
    await writeFile(path.join(folder, '.hidden'), 'dot file');
    await writeFile(path.join(root, 'secret.txt'), 'outside the study folder');
    const router = Router();
    router.get('/file', async (req, res) => {
      const sent = await sendStoredFile(req, res, folder, String(req.query.path), {
        contentType: 'application/dicom',
        sha256: req.query.hash === 'no' ? null : sha256,
        downloadName: 'one.dcm',
      });
      if (sent === 'missing') res.status(404).json({ missing: true });
    });
    app = createServiceApp({ service: 'descriptor', logger: createLogger('descriptor', 'silent'), routes: [router] });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const get = (file: string) => request(app).get('/file').query({ path: file });

  it('when the path would leave the folder, or names a dot file or a folder, then missing: nothing outside is read', async () => {
    for (const file of ['../secret.txt', 'originals/../../secret.txt', '.hidden', 'originals', 'originals/']) {
      const response = await get(file).expect(404);
      expect(response.body).toEqual({ missing: true });
    }
  });

  it('when the file is sent, then no Last-Modified, no Cache-Control and, without a hash, no ETag: only the stored sha256 validates', async () => {
    const response = await get('originals/one.dcm').expect(200);
    expect(response.headers).toMatchObject({
      'content-type': 'application/dicom',
      etag: `"${sha256}"`,
      'accept-ranges': 'bytes',
      'content-length': '10',
    });
    expect(response.headers['last-modified']).toBeUndefined();
    expect(response.headers['cache-control']).toBeUndefined();
    const unhashed = await request(app).get('/file').query({ path: 'originals/one.dcm', hash: 'no' }).expect(200);
    expect(unhashed.headers.etag).toBeUndefined();
  });

  it('when a range is unsatisfiable, then 416 RANGE_NOT_SATISFIABLE as JSON, not as the file type; a reversed range (RFC 9110 §14.2: may be rejected) too', async () => {
    for (const range of ['bytes=10-', 'bytes=-0', 'bytes=5-2']) {
      const response = await get('originals/one.dcm').set('range', range).expect(416);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.headers['content-disposition']).toBeUndefined();
      expect(response.headers['content-range']).toBe('bytes */10');
      expect(response.body.error).toMatchObject({ code: 'RANGE_NOT_SATISFIABLE', details: { size: 10 } });
    }
  });

  it('when a suffix range is longer than the file, then the whole file as 206 (RFC 9110 §14.1.2)', async () => {
    const response = await get('originals/one.dcm').set('range', 'bytes=-50').expect(206);
    expect(response.headers['content-range']).toBe('bytes 0-9/10');
  });

  it('when If-Range is a date, then it cannot match (no Last-Modified is sent): the whole file', async () => {
    await get('originals/one.dcm').set('range', 'bytes=0-1').set('if-range', new Date().toUTCString()).expect(200);
  });

  it('when If-Match names another version, then 412 PRECONDITION_FAILED; when it names this one, then the file', async () => {
    const response = await get('originals/one.dcm').set('if-match', '"other"').expect(412);
    expect(response.body.error.code).toBe('PRECONDITION_FAILED');
    await get('originals/one.dcm').set('if-match', `"${sha256}"`).expect(200);
  });

  it('when the file is empty, then 200 with no body, and any range is unsatisfiable', async () => {
    const response = await get('empty.dcm').expect(200);
    expect(response.headers['content-length']).toBe('0');
    await get('empty.dcm').set('range', 'bytes=0-').expect(416);
  });
});
