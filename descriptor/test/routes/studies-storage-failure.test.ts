import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newStudyId } from '@dsv/common';
import { corpusAvailable, corpusPath } from '../../../test/support/corpus.ts';
import { asUpload, describeRequest } from '../support/describe-request.ts';
import { createTestDescriptor, listTree, postStudy, type TestDescriptor } from '../support/descriptor-app.ts';
import { referenceValues } from '../support/reference-values.ts';

/**
 * Storage failures injected into node:fs: the tests run as root in CI, where chmod cannot make a folder
 * unwritable. Each fault answers the errno code to throw for a path, or undefined to let the call through.
 */
type Fault = ((first: string, second: string) => string | undefined) | undefined;
const faults = vi.hoisted(() => ({
  mkdir: undefined as Fault,
  rename: undefined as Fault,
  open: undefined as Fault,
  write: undefined as Fault,
}));

function errnoError(code: string, syscall: string, target: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected, ${syscall} '${target}'`), { code, syscall, path: target });
}

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const inject = <F extends (...args: never[]) => Promise<unknown>>(name: 'mkdir' | 'rename' | 'open', real: F): F =>
    (async (...args: Parameters<F>) => {
      const code = faults[name]?.(String(args[0]), String(args[1]));
      if (code) throw errnoError(code, name, String(args[0]));
      return real(...args);
    }) as F;
  const mocked = {
    ...actual,
    mkdir: inject('mkdir', actual.mkdir),
    rename: inject('rename', actual.rename),
    open: inject('open', actual.open),
  };
  return { ...mocked, default: mocked };
});

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  /**
   * The outputs of a study are written through a bare descriptor opened synchronously (common's
   * durable-fd.ts), and so is a file streamed in: each descriptor's path is kept for the write faults.
   */
  const paths = new Map<number, string>();
  const openSync = ((file: string, ...rest: unknown[]) => {
    const code = faults.open?.(String(file), '');
    if (code) throw errnoError(code, 'open', String(file));
    const fd = (actual.openSync as (...args: unknown[]) => number)(file, ...rest);
    paths.set(fd, String(file));
    return fd;
  }) as typeof actual.openSync;
  /** A disk that fills up after the first chunk: the file exists, partly written, when the error comes. */
  const writes = new Map<string, number>();
  const writeSync = ((fd: number, ...rest: unknown[]) => {
    const file = paths.get(fd) ?? '';
    const code = faults.write?.(file, '');
    if (code) {
      const done = writes.get(file) ?? 0;
      writes.set(file, done + 1);
      if (done > 0) throw errnoError(code, 'write', file);
    }
    return (actual.writeSync as (...args: unknown[]) => number)(fd, ...rest);
  }) as typeof actual.writeSync;
  /** A file of a batch or more is written in batches in the thread pool: the same fault, by callback. */
  const writev = ((fd: number, buffers: NodeJS.ArrayBufferView[], ...rest: unknown[]) => {
    const callback = rest.at(-1) as (error: NodeJS.ErrnoException | null, bytes?: number) => void;
    const file = paths.get(fd) ?? '';
    const code = faults.write?.(file, '');
    if (code) {
      const done = writes.get(file) ?? 0;
      writes.set(file, done + 1);
      if (done > 0) {
        process.nextTick(() => callback(errnoError(code, 'write', file)));
        return;
      }
    }
    (actual.writev as (...args: unknown[]) => void)(fd, buffers, ...rest);
  }) as typeof actual.writev;
  /** Folders and renames of the assembly are synchronous calls too. */
  const injectSync = <F extends (...args: never[]) => unknown>(name: 'mkdir' | 'rename', real: F): F =>
    ((...args: Parameters<F>) => {
      const code = faults[name]?.(String(args[0]), String(args[1]));
      if (code) throw errnoError(code, name, String(args[0]));
      return real(...args);
    }) as F;
  const mkdirSync = injectSync('mkdir', actual.mkdirSync);
  const mkdtempSync = injectSync('mkdir', actual.mkdtempSync);
  const renameSync = injectSync('rename', actual.renameSync);
  const mocked = { ...actual, openSync, writeSync, writev, mkdirSync, mkdtempSync, renameSync };
  return { ...mocked, default: mocked };
});

describe.skipIf(!corpusAvailable)('POST /v1/deliveries (streamed) when storage fails', () => {
  let descriptor: TestDescriptor;
  beforeEach(async () => {
    descriptor = await createTestDescriptor();
  });
  afterEach(async () => {
    faults.mkdir = faults.rename = faults.open = faults.write = undefined;
    await descriptor.remove();
  });

  const studies = () => listTree(descriptor.config.studiesDir);
  const send = (files = asUpload([corpusPath('valid/samples/CT_small.dcm')]), id = newStudyId()) =>
    postStudy(descriptor.app, describeRequest(id, files), files);
  const CT_HEAD = ['17106.dcm', '17136.dcm'].map((name) => `valid/studies/pcir-ct-head/${name}`);
  const CT_HEAD_UID = corpusAvailable ? referenceValues(CT_HEAD[0]!)('StudyInstanceUID') : '';
  const CT_SMALL_UID = corpusAvailable ? referenceValues('valid/samples/CT_small.dcm')('StudyInstanceUID') : '';

  it('when the studies folder refuses the assembly folder (EACCES), then 503 STORAGE_FAILED and nothing is created', async () => {
    faults.mkdir = (target) => (target.startsWith(descriptor.config.studiesDir) ? 'EACCES' : undefined);
    const response = await send();
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('STORAGE_FAILED');
    expect(await studies()).toEqual([]);
    expect(descriptor.catalogue.counts()).toEqual({ studies: 0, instances: 0, rejected: 0 });
  });

  it('when a file cannot be renamed into its study folder (EROFS), then 503 STORAGE_FAILED, nothing is recorded, .incoming is emptied, and the retry stores the delivery whole', async () => {
    const studyDir = path.join(descriptor.config.studiesDir, CT_HEAD_UID);
    // The second file's rename fails: the first is in the study folder already, the catalogue not told.
    let renamed = 0;
    faults.rename = (from, to) => (from.includes('.incoming') && to.startsWith(studyDir) && ++renamed === 2 ? 'EROFS' : undefined);
    const id = newStudyId();
    const files = asUpload(CT_HEAD.map(corpusPath));
    const response = await send(files, id);
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('STORAGE_FAILED');
    expect(descriptor.catalogue.study(CT_HEAD_UID)).toBeNull();
    expect(descriptor.catalogue.delivery(id)).toBeNull();
    expect(await listTree(path.join(descriptor.config.studiesDir, '.incoming'))).toEqual([]);

    faults.rename = undefined;
    const retry = await send(files, id);
    expect(retry.status).toBe(201);
    expect(retry.body.join).toEqual({ added: 2, duplicates: [], reencoded: [] });
    const uids = CT_HEAD.map((relative) => referenceValues(relative)('SOPInstanceUID'));
    expect(await listTree(studyDir)).toEqual([
      'metadata.json',
      'originals',
      ...uids.map((uid) => `originals/${uid}.dcm`).sort(),
      'validation.log',
    ]);
    for (const [index, uid] of uids.entries()) {
      expect((await readFile(path.join(studyDir, 'originals', `${uid}.dcm`))).equals(await readFile(corpusPath(CT_HEAD[index]!)))).toBe(
        true,
      );
    }
  });

  it('when the disk fills while a file streams in (ENOSPC), then 503 STORAGE_FULL and the half-written file is gone', async () => {
    faults.write = (file) => (file.includes('.incoming') ? 'ENOSPC' : undefined);
    const response = await send(asUpload([corpusPath('valid/synthetic/cr-1024/CR_0001.dcm')]));
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('STORAGE_FULL');
    expect(await studies()).toEqual(['.incoming']);
    expect(descriptor.catalogue.counts()).toEqual({ studies: 0, instances: 0, rejected: 0 });
  });

  describe('when validation.log cannot be written (ENOSPC), after the join was recorded', () => {
    const failOnce = async () => {
      faults.open = (target) => (target.includes('validation.log') ? 'ENOSPC' : undefined);
      const id = newStudyId();
      const response = await send(undefined, id);
      expect(response.status).toBe(503);
      expect(response.body.error.code).toBe('STORAGE_FULL');
      faults.open = undefined;
      // The join is in the catalogue and its file in place; the documents are due.
      expect(descriptor.catalogue.study(CT_SMALL_UID)).toMatchObject({ numberOfInstances: 1, lastDeliveryId: id });
      expect(descriptor.catalogue.studiesWithDocumentsDue()).toEqual([CT_SMALL_UID]);
      const studyDir = path.join(descriptor.config.studiesDir, CT_SMALL_UID);
      expect(await listTree(studyDir)).not.toContain('validation.log');
      // No write of the failed rewrite is still under way once it answered: no temporary file left.
      expect((await listTree(studyDir)).filter((entry) => entry.endsWith('.tmp'))).toEqual([]);
      return { id, studyDir };
    };

    it('then 503 STORAGE_FULL, and start-up (documents.repair) writes them', async () => {
      const { id, studyDir } = await failOnce();
      expect(await descriptor.documents.repair()).toBe(1);
      expect(await listTree(studyDir)).toEqual(['metadata.json', 'original.dcm', 'validation.log']);
      expect(await readFile(path.join(studyDir, 'validation.log'), 'utf8')).toMatch(new RegExp(`^Delivery ${id}$`, 'm'));
      expect(descriptor.catalogue.studiesWithDocumentsDue()).toEqual([]);
    });

    it("then the gateway's retry is answered from the record (200) and writes the due documents", async () => {
      const { id, studyDir } = await failOnce();
      const retry = await send(undefined, id);
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ alreadyStored: true, study: { StudyInstanceUID: CT_SMALL_UID, numberOfInstances: 1 } });
      expect(await listTree(studyDir)).toEqual(['metadata.json', 'original.dcm', 'validation.log']);
      expect(descriptor.catalogue.studiesWithDocumentsDue()).toEqual([]);
    });
  });
});
