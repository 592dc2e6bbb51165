import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusAvailable, corpusPath, corpusSkipReason } from '../support/corpus.ts';
import { upload, visibleEntries, waitFor } from '../support/gateway-calls.ts';
import { startStack, type Stack } from '../support/services.ts';

/**
 * Issue 6, "nothing stored twice", with the DICOM study as the unit (issue 20): the same files sent
 * again are a delivery of their own whose instances the study already holds (join.duplicates), stored
 * once; an instance sent again with other content under the same SOP Instance UID makes the study
 * refuse the delivery (409 INSTANCE_CONFLICT), kept under rejected/; one re-encoded in another transfer
 * syntax joins with a warning. The descriptor's catalogue judges, so a restart of the gateway changes
 * nothing.
 */
const CT_SMALL = corpusPath('valid/samples/CT_small.dcm');

describe.skipIf(!corpusAvailable)('identical and conflicting deliveries', () => {
  let stack: Stack;
  let dir: string;
  /** CT_small with one pixel byte changed: the same SOP Instance UID, other content. */
  let changed: string[];

  beforeAll(async () => {
    stack = await startStack();
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-idempotency-'));
    const original = await readFile(CT_SMALL);
    changed = [];
    for (const delta of [1, 2]) {
      const copy = Buffer.from(original);
      copy[copy.length - 1] = (copy[copy.length - 1]! + delta) % 256;
      const file = path.join(dir, `CT_small-changed-${delta}.dcm`);
      await writeFile(file, copy);
      changed.push(file);
    }
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  let original: string;
  let study: string;
  let instance: string;

  it('when the same file is sent again, then it is a new delivery, stored, whose instance is a duplicate, and nothing is stored or staged twice', async () => {
    const first = await upload(stack.gateway.url, [CT_SMALL], '?wait=true');
    expect(first.status).toBe(201);
    original = first.body.id;
    study = first.body.study.StudyInstanceUID;
    expect(first.body).toMatchObject({ study: { url: `/studies/${study}`, numberOfInstances: 1 }, join: { added: 1, duplicates: [] } });
    const again = await upload(stack.gateway.url, [CT_SMALL]);
    expect(again.status).toBe(202);
    expect(again.body.id).not.toBe(original);
    const waited = await upload(stack.gateway.url, [CT_SMALL], '?wait=true');
    expect(waited.status).toBe(201);
    instance = waited.body.join.duplicates[0];
    expect(waited.body).toMatchObject({
      state: 'stored',
      outcome: { code: 'STORED' },
      study: { StudyInstanceUID: study, numberOfInstances: 1 },
      join: { added: 0, duplicates: [instance] },
    });
    expect(visibleEntries(stack.studiesDir)).toEqual([study]);
    await waitFor(
      async () => visibleEntries(stack.env.gateway.STAGING_DIR!),
      (left) => left.length === 0,
      5000,
    );
  });

  it('when an instance comes again with other bytes, then 409 INSTANCE_CONFLICT names the delivery holding it, and the delivery is kept under rejected/ only', async () => {
    const res = await upload(stack.gateway.url, [changed[0]!], '?wait=true');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      state: 'rejected',
      outcome: { httpStatus: 409, code: 'INSTANCE_CONFLICT' },
      conflicts: [{ file: '0001.dcm', SOPInstanceUID: instance, heldBy: original }],
      // The study that refused it, untouched, and what the delivery held.
      study: { StudyInstanceUID: study, numberOfInstances: 1, url: `/studies/${study}` },
      contents: { StudyInstanceUID: study },
      join: null,
    });
    expect(visibleEntries(stack.studiesDir)).toEqual([study]);
    expect(visibleEntries(stack.rejectedDir)).toContain(res.body.id);
  });

  it('when the gateway has restarted, then the study still judges: a duplicate joins, a conflict is refused', async () => {
    await stack.restart('gateway');
    const again = await upload(stack.gateway.url, [CT_SMALL], '?wait=true');
    expect([again.status, again.body.join.duplicates]).toEqual([201, [instance]]);
    const conflict = await upload(stack.gateway.url, [changed[1]!], '?wait=true');
    expect([conflict.status, conflict.body.outcome.code, conflict.body.conflicts[0].heldBy]).toEqual([409, 'INSTANCE_CONFLICT', original]);
    expect(visibleEntries(stack.studiesDir)).toEqual([study]);
  });

  it('when an instance comes again in another transfer syntax, then the delivery joins, the stored version is kept, and a warning says so', async () => {
    const explicit = await upload(stack.gateway.url, [corpusPath('valid/samples/MR_small.dcm')], '?wait=true');
    const implicit = await upload(stack.gateway.url, [corpusPath('valid/samples/MR_small_implicit.dcm')], '?wait=true');
    expect(implicit.status).toBe(201);
    expect(implicit.body).toMatchObject({
      state: 'stored',
      study: { StudyInstanceUID: explicit.body.study.StudyInstanceUID },
      join: { added: 0, reencoded: [{ SOPInstanceUID: expect.any(String) }] },
    });
    // The join's warning comes on top of the validator's own.
    const validated = implicit.body.events.find((event: { type: string }) => event.type === 'validation.success');
    expect(implicit.body.findings.warnings).toBe(validated.data.warnings + 1);
  });
});

if (!corpusAvailable) describe('identical and conflicting deliveries', () => it.skip(corpusSkipReason, () => undefined));
