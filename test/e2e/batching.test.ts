import { copyFileSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { corpusAvailable, corpusPath, corpusSkipReason, entryFiles, loadManifest } from '../support/corpus.ts';
import { sha256, storedOriginalHashes, studyFolder, upload, visibleEntries, type Body } from '../support/gateway-calls.ts';
import { logged } from '../support/logs.ts';
import { startStack, type Stack } from '../support/services.ts';

/**
 * Issue 7: under load the gateway sends deliveries to its siblings in batches (by reference), each
 * answered as a call of its own would be. Real processes, real files; the batching itself (which studies
 * share a call) depends on timing and is pinned down in gateway/test/clients/coalescer.test.ts.
 */
describe.skipIf(!corpusAvailable)('studies sent in batches between the services', () => {
  let stack: Stack | undefined;
  let scratch: string | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('when many single-file uploads come at once, one of them broken, then each is stored or rejected on its own, every study in a JSON batch by reference', async () => {
    // At debug: the lines that say how each delivery came ('validated', 'described') are debug lines.
    stack = await startStack({ LOG_LEVEL: 'debug' });
    // Valid files with SOP Instance UIDs all different (the same UID would be a conflict, not this test).
    const singles = [
      'CT_small',
      'MR_small',
      'JPEG2000',
      'JPGExtended',
      'SC_rgb_rle',
      'liver_1frame',
      'test-SR',
      'chrFren',
      'chrX1',
      'dicom3tools_0051',
    ];
    const files = [
      ...entryFiles(loadManifest().find((entry) => entry.path === 'valid/studies/pcir-ct-head')!),
      ...singles.map((name) => corpusPath(`valid/samples/${name}.dcm`)),
      ...['cr-1024/CR_0001', 'dx-1024/DX_0001', 'mf-16-frames/MF_0001'].map((name) => corpusPath(`valid/synthetic/${name}.dcm`)),
    ];
    scratch = mkdtempSync(path.join(os.tmpdir(), 'dsv-batching-'));
    const broken = path.join(scratch, 'broken.dcm');
    copyFileSync(files[0]!, broken);
    truncateSync(broken, 2000);
    const sent = [...files.slice(1), broken];

    const answers = await Promise.all(sent.map((file) => upload(stack!.gateway.url, [file], '?wait=true')));

    const ids = answers.map((answer) => answer.body.id as string);
    const sentTo = new Map<string, string[]>();
    expect(new Set(ids).size).toBe(sent.length);
    for (const [index, answer] of answers.entries()) {
      if (sent[index] === broken) {
        expect(answer.status).toBe(400);
        expect(answer.body).toMatchObject({ state: 'rejected', outcome: { code: 'CORRUPT_DICOM' } });
        continue;
      }
      expect(answer.status).toBe(201);
      expect(answer.body.state).toBe('stored');
      expect(answer.body.events.map((e: Body) => e.type)).toEqual(
        expect.arrayContaining(['validation.success', 'metadata.extracted', 'storage.completed', 'study.processed']),
      );
      // Distinct SOP Instance UIDs: each delivery adds its one instance to its study.
      expect(answer.body.join).toEqual({ added: 1, duplicates: [], reencoded: [] });
      const folder = studyFolder(stack, answer.body);
      sentTo.set(folder, [...(sentTo.get(folder) ?? []), sha256(sent[index]!)]);
    }
    // Some deliveries share a study (three slices of pcir-ct-head; JPEG2000 and JPGExtended): each study
    // folder holds exactly the files sent to it, byte for byte.
    expect(sentTo.size).toBeLessThan(sent.length - 1);
    for (const [folder, hashes] of sentTo) expect(storedOriginalHashes(folder), folder).toEqual(hashes.sort());
    expect(visibleEntries(stack.studiesDir).map((uid) => path.join(stack!.studiesDir, uid))).toEqual([...sentTo.keys()].sort());
    // Every study went in a batch (the field `batch` is logged for a batch's studies only), once each.
    await vi.waitFor(() => {
      for (const [service, msg] of [
        [stack!.validator, 'validated'],
        [stack!.descriptor, 'described'],
      ] as const) {
        const lines = logged(service, msg);
        expect(lines.map((line) => line.studyId).sort(), msg).toEqual([...ids].sort());
        for (const line of lines) expect(line).toMatchObject({ transport: 'reference', batch: expect.any(Number) });
      }
    });
  });
});

if (!corpusAvailable) describe('studies sent in batches between the services', () => it.skip(corpusSkipReason, () => undefined));
