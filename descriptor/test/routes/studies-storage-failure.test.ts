import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newStudyId } from '@dsv/common';
import { corpusAvailable, corpusPath } from '../../../test/support/corpus.ts';
import { asUpload, describeRequest } from '../support/describe-request.ts';
import { createTestDescriptor, listTree, postStudy, type TestDescriptor } from '../support/descriptor-app.ts';

/**
 * Storage failures injected into node:fs: the tests run as root in CI, where chmod cannot make a folder
 * unwritable. Each fault answers the errno code to throw for a path, or undefined to let the call through.
 */
type Fault = ((first: string, second: string) => string | undefined) | undefined;
const faults = vi.hoisted(() => ({ mkdir: undefined as Fault, rename: undefined as Fault, open: undefined as Fault, write: undefined as Fault }));

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
  const mocked = { ...actual, mkdir: inject('mkdir', actual.mkdir), rename: inject('rename', actual.rename), open: inject('open', actual.open) };
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

describe.skipIf(!corpusAvailable)('POST /v1/studies/:id when storage fails', () => {
  let descriptor: TestDescriptor;
  beforeEach(async () => {
    descriptor = await createTestDescriptor();
  });
  afterEach(async () => {
    faults.mkdir = faults.rename = faults.open = faults.write = undefined;
    await descriptor.remove();
  });

  const studies = () => listTree(descriptor.config.studiesDir);
  const send = (files = asUpload([corpusPath('valid/samples/CT_small.dcm')])) => {
    const id = newStudyId();
    return postStudy(descriptor.app, id, describeRequest(id, files), files);
  };

  it('when the studies folder refuses the assembly folder (EACCES), then 503 STORAGE_FAILED and nothing is created', async () => {
    faults.mkdir = (target) => (target.startsWith(descriptor.config.studiesDir) ? 'EACCES' : undefined);
    const response = await send();
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('STORAGE_FAILED');
    expect(await studies()).toEqual([]);
  });

  it('when the rename that publishes the study fails (EROFS), then 503 STORAGE_FAILED, no study folder, and .incoming is emptied', async () => {
    faults.rename = (from, to) => (path.dirname(to) === descriptor.config.studiesDir && from.includes('.incoming') ? 'EROFS' : undefined);
    const response = await send(asUpload(['17106.dcm', '17136.dcm'].map((name) => corpusPath(`valid/studies/pcir-ct-head/${name}`))));
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('STORAGE_FAILED');
    expect(await studies()).toEqual(['.incoming']);
  });

  it('when the disk fills while a file streams in (ENOSPC), then 503 STORAGE_FULL and the half-written file is gone', async () => {
    faults.write = (file) => (file.includes('.incoming') ? 'ENOSPC' : undefined);
    const response = await send(asUpload([corpusPath('valid/synthetic/cr-1024/CR_0001.dcm')]));
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('STORAGE_FULL');
    expect(await studies()).toEqual(['.incoming']);
  });

  it('when validation.log cannot be written (ENOSPC), then 503 STORAGE_FULL and no partial folder', async () => {
    faults.open = (target) => (target.includes('validation.log') ? 'ENOSPC' : undefined);
    const response = await send();
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('STORAGE_FULL');
    expect(await studies()).toEqual(['.incoming']);
  });
});
