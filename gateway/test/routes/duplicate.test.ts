import { readdir } from 'node:fs/promises';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildGateway, type TestGateway } from '../build-gateway.ts';

const a = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(64, 1)]);
const b = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(64, 2)]);

describe('POST /upload of files byte-identical to an earlier upload', () => {
  let gateway: TestGateway;
  beforeEach(async () => {
    gateway = await buildGateway();
  });
  afterEach(() => gateway.cleanup());

  // Uploads' folders; emptied ones wait in the dot folder .spare to be used again (spare-folders.ts).
  const staged = async () => (await readdir(gateway.config.stagingDir)).filter((name) => !name.startsWith('.'));

  /** The first upload, marked stored (the siblings are down here). */
  async function storedStudy(): Promise<string> {
    const first = await request(gateway.app).post('/upload?wait=true').attach('files', a, 'a.dcm').attach('files', b, 'b.dcm').expect(503);
    await gateway.store.update(first.body.id, (s) => {
      s.state = 'stored';
      s.outcome = { httpStatus: 201, code: 'STORED', message: 'The study is stored' };
    });
    return first.body.id;
  }

  it('when the study is stored, then 200 with its id and duplicateOf, in any file order and any client names, and nothing new is staged', async () => {
    const id = await storedStudy();
    const before = await staged();
    const res = await request(gateway.app).post('/upload').attach('files', b, 'other-name.dcm').attach('files', a, 'x.dcm').expect(200);
    expect(res.body).toEqual({ id, duplicateOf: id, state: 'stored', statusUrl: `/status/${id}` });
    expect(res.headers.location).toBe(`/status/${id}`);
    expect(await staged()).toEqual(before);
    expect((await request(gateway.app).get('/status').expect(200)).body.uploads).toHaveLength(1);
  });

  it('when ?wait=true, then the answer is the one the first upload got (201 stored), with duplicateOf', async () => {
    const id = await storedStudy();
    const res = await request(gateway.app).post('/upload?wait=true').attach('files', a, 'a.dcm').attach('files', b, 'b.dcm').expect(201);
    expect(res.body).toMatchObject({ id, duplicateOf: id, state: 'stored', outcome: { code: 'STORED' } });
  });

  it('when the study failed, then it runs again from its own staged files: 202 with duplicateOf', async () => {
    const first = await request(gateway.app).post('/upload?wait=true').attach('files', a, 'a.dcm').expect(503);
    const id: string = first.body.id;
    const res = await request(gateway.app).post('/upload').attach('files', a, 'a.dcm').expect(202);
    expect(res.body).toEqual({ id, duplicateOf: id, state: 'received', statusUrl: `/status/${id}` });
    const final = await gateway.pipeline.submit(id);
    expect(final.attempts).toBe(2);
    expect(final.events.find((e) => e.type === 'study.retried')?.data).toMatchObject({ trigger: 'reupload' });
    expect(await staged()).toEqual([id]);
  });

  it('when only some files are the same, then it is a new upload', async () => {
    const id = await storedStudy();
    const res = await request(gateway.app).post('/upload').attach('files', a, 'a.dcm').expect(202);
    expect(res.body.id).not.toBe(id);
    expect(res.body.duplicateOf).toBeUndefined();
    await gateway.pipeline.submit(res.body.id);
  });
});
