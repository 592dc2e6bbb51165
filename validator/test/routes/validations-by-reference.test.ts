import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, EventBus } from '@dsv/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { ValidatorConfig } from '../../src/config.ts';
import { corpusAvailable, corpusPath, entryFiles, loadManifest } from '../../../test/support/corpus.ts';
import { projectConfig } from '../support/inspect.ts';
import { postByReference, stageStudy, storedName } from '../support/staging.ts';

const build = (config: ValidatorConfig) => createApp({ config, logger: createLogger('validator', 'silent'), events: new EventBus() });
const stored = storedName;

/**
 * The gateway's by-reference call: the study's `files` as JSON (alone in its batch here), the files in
 * <stagingDir>/<id>/. The answer must be the one a multipart body gives for the same bytes.
 */
describe.skipIf(!corpusAvailable)('POST /v1/validations, application/json (one delivery by reference)', () => {
  let stagingDir: string;
  let config: ValidatorConfig;
  beforeAll(async () => {
    stagingDir = await mkdtemp(path.join(os.tmpdir(), 'dsv-validator-staging-'));
    config = { ...projectConfig(), stagingDir };
  });
  afterAll(() => rm(stagingDir, { recursive: true, force: true }));

  const stage = (sources: string[]) => stageStudy(stagingDir, sources);
  const byReference = (id: string, files: string[], app = build(config)) => postByReference(app, id, files);
  const byStream = (id: string, sources: string[]) =>
    sources.reduce(
      (req, source, index) => req.attach('files', source, stored(index)),
      request(build(config)).post('/v1/validations').set('x-study-id', id),
    );
  /** A report without what differs between two calls (the events' ids and times). */
  const comparable = (body: Record<string, unknown>) => ({ ...body, events: null });

  it('then every corpus upload gets the same report as when its bytes are streamed', async () => {
    const entries = loadManifest();
    for (const entry of entries) {
      const sources = entryFiles(entry);
      const id = await stage(sources);
      const [referenced, streamed] = await Promise.all([
        byReference(
          id,
          sources.map((_, i) => stored(i)),
        ),
        byStream(id, sources),
      ]);
      expect(referenced.status, entry.path).toBe(200);
      expect(comparable(referenced.body), entry.path).toEqual(comparable(streamed.body));
    }
  });

  it('then a file missing from staging answers 422 STAGED_FILE_UNAVAILABLE, naming the file', async () => {
    const id = await stage([corpusPath('valid/samples/CT_small.dcm')]);
    const res = await byReference(id, ['0001.dcm', '0002.dcm']);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'STAGED_FILE_UNAVAILABLE', details: { file: '0002.dcm' } });
  });

  it('then a symbolic link in place of a staged file is refused with 422, never followed', async () => {
    const id = await stage([]);
    const secret = path.join(stagingDir, 'secret.txt');
    await writeFile(secret, 'not DICOM, not yours');
    await symlink(secret, path.join(stagingDir, id, '0001.dcm'));
    const res = await byReference(id, ['0001.dcm']);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('STAGED_FILE_UNAVAILABLE');
  });

  it.each([['../../etc/passwd'], ['0001.dcm/..'], ['scan.dcm']])(
    'then the name %j never becomes a path (400 REQUEST_INVALID)',
    async (name) => {
      const id = await stage([corpusPath('valid/samples/CT_small.dcm')]);
      const res = await byReference(id, [name]);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('REQUEST_INVALID');
    },
  );

  it('then a file named twice answers 400 REQUEST_INVALID', async () => {
    const id = await stage([corpusPath('valid/samples/CT_small.dcm')]);
    const res = await byReference(id, ['0001.dcm', '0001.dcm']);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('REQUEST_INVALID');
  });

  it('then a validator without a stagingDir answers 422 STAGED_FILE_UNAVAILABLE (the gateway then streams)', async () => {
    const id = await stage([corpusPath('valid/samples/CT_small.dcm')]);
    const res = await byReference(id, ['0001.dcm'], build({ ...config, stagingDir: '' }));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('STAGED_FILE_UNAVAILABLE');
  });
});
