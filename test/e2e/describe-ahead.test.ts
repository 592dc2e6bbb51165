import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { corpusAvailable, corpusSkipReason, entryFiles, loadManifest } from '../support/corpus.ts';
import { sha256, storedOriginalHashes, studyFolder, upload, waitForStable, type Body } from '../support/gateway-calls.ts';
import { logged } from '../support/logs.ts';
import { startStack, type Stack } from '../support/services.ts';

/**
 * pipeline.describeAhead: while the validator checks a study of several files, the gateway names them to
 * the descriptor (POST /v1/studies/prepare), which reads them then. The study stored must be the very one
 * stored without it. Real processes, real files, one stack with it (the default) and one without.
 */
describe.skipIf(!corpusAvailable)('a study described ahead while it is validated', () => {
  const stacks: Stack[] = [];
  afterEach(async () => {
    await Promise.all(stacks.splice(0).map((stack) => stack.stop()));
  });

  /**
   * A stored study's outputs, with what names the delivery (its id) or when it was made blanked out. Read
   * once the study is stable, so metadata.dicom.json is written too.
   */
  const outputs = (stack: Stack, status: Body): Record<string, unknown> => {
    const dir = studyFolder(stack, status);
    const text = (name: string) => readFileSync(path.join(dir, name), 'utf8').replaceAll(status.id, '<id>');
    const metadata = JSON.parse(text('metadata.json'));
    for (const key of ['createdAt', 'updatedAt', 'stableAt']) delete metadata[key];
    return { metadata, dicomJson: JSON.parse(text('metadata.dicom.json')) };
  };

  it('when a CT study of four files is uploaded in one request, then the descriptor prepared all four and stored what a stack without it stores', async () => {
    const files = entryFiles(loadManifest().find((entry) => entry.path === 'valid/studies/pcir-ct-head')!);
    expect(files).toHaveLength(4);
    const [ahead, plain] = await Promise.all([startStack({ STABLE_AFTER_SECONDS: '0' }), startStack({ STABLE_AFTER_SECONDS: '0', PIPELINE_DESCRIBE_AHEAD: 'false' })]);
    stacks.push(ahead!, plain!);

    const [withIt, without] = await Promise.all([upload(ahead!.gateway.url, files, '?wait=true'), upload(plain!.gateway.url, files, '?wait=true')]);
    for (const answer of [withIt, without]) expect(answer).toMatchObject({ status: 201, body: { state: 'stored' } });
    const [aheadId, plainId] = [withIt.body.id as string, without.body.id as string];

    expect(logged(ahead!.descriptor, 'prepared')).toEqual([expect.objectContaining({ studyIds: [aheadId], prepared: 4, skipped: 0 })]);
    expect(logged(plain!.descriptor, 'prepared')).toEqual([]);
    expect(storedOriginalHashes(studyFolder(ahead!, withIt.body))).toEqual(files.map(sha256).sort());
    const [aheadStatus, plainStatus] = await Promise.all([waitForStable(ahead!, aheadId), waitForStable(plain!, plainId)]);
    expect(aheadStatus.study.StudyInstanceUID).toBe(plainStatus.study.StudyInstanceUID);
    expect(outputs(ahead!, aheadStatus)).toEqual(outputs(plain!, plainStatus));
  });
});

if (!corpusAvailable) describe('a study described ahead while it is validated', () => it.skip(corpusSkipReason, () => undefined));
