import { createReadStream, openAsBlob } from 'node:fs';
import { copyFile, mkdtemp, rm, truncate } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ElementReader, inspectStream } from '@dsv/common';
import { generatorAvailable, generatorSkipReason, makeStudy } from '../support/make-study.ts';
import { startStack, type Stack } from '../support/services.ts';

const PATIENT_NAME = 'Privacytest^Zyxwvut';
const PATIENT_ID = 'PID-ZX-4711-Q';

/**
 * Logs never carry patient data at any level: a study with a known name, ID and birth date goes through
 * every path (stored, rejected, refused), with the services logging at trace level, and none of those
 * values may appear in anything the three processes wrote.
 */
describe.skipIf(!(await generatorAvailable()))('patient data and the logs', () => {
  let stack: Stack;
  let dir: string;
  let files: string[];
  let birthDate: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-privacy-'));
    files = await makeStudy('ct', path.join(dir, 'study'), [
      '--slices',
      '3',
      '--rows',
      '64',
      '--cols',
      '64',
      '--seed',
      '77',
      '--patient-name',
      PATIENT_NAME,
      '--patient-id',
      PATIENT_ID,
    ]);
    const reader = new ElementReader((await inspectStream(createReadStream(files[0]!))).parsed!);
    birthDate = reader.text('PatientBirthDate')!;
    expect(reader.text('PatientName')).toBe(PATIENT_NAME);
    stack = await startStack({ LOG_LEVEL: 'trace' });
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function upload(paths: string[], clientName?: (file: string) => string) {
    const form = new FormData();
    for (const file of paths) form.append('files', await openAsBlob(file), clientName?.(file) ?? path.basename(file));
    const response = await fetch(`${stack.gateway.url}/upload?wait=true`, { method: 'POST', body: form });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('when a study is stored, rejected and refused, then no log line of any service holds the name, ID or birth date', async () => {
    const stored = await upload(files, () => `${PATIENT_NAME.replace('^', '_')}.dcm`);
    expect(stored.status).toBe(201);

    const broken = path.join(dir, 'broken.dcm');
    await copyFile(files[0]!, broken);
    await truncate(broken, 2000);
    const rejected = await upload([broken, ...files.slice(1)]);
    expect(rejected.status).toBe(400);

    const refused = await fetch(`${stack.gateway.url}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ PatientName: PATIENT_NAME }),
    });
    expect(refused.status).toBe(415);

    // The capture works: each service logged its events for these very studies (asynchronously: a line
    // may reach the pipe a moment after the answer).
    await vi.waitFor(() => {
      for (const [output, type] of [
        [stack!.gateway.output, 'study.processed'],
        [stack!.validator.output, 'validation.failed'],
        [stack!.descriptor.output, 'storage.completed'],
      ] as const) {
        expect(
          output.some((line) => line.includes(String(stored.body.id)) || line.includes(String(rejected.body.id))),
          type,
        ).toBe(true);
        expect(
          output.some((line) => line.includes(`event ${type}`)),
          type,
        ).toBe(true);
      }
    });
    const lines = [...stack.gateway.output, ...stack.validator.output, ...stack.descriptor.output];
    const needles = [PATIENT_NAME, 'Privacytest', 'Zyxwvut', PATIENT_ID, birthDate];
    for (const needle of needles) {
      expect(
        lines.filter((line) => line.includes(needle)),
        needle,
      ).toEqual([]);
    }
  });
});

if (!(await generatorAvailable())) describe('patient data and the logs', () => it.skip(generatorSkipReason, () => undefined));
