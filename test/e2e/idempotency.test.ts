import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusAvailable, corpusPath, corpusSkipReason } from '../support/corpus.ts';
import { upload, visibleEntries, waitFor } from '../support/gateway-calls.ts';
import { startStack, type Stack } from '../support/services.ts';

/**
 * Issue 6, "nothing stored twice": the same files sent again are answered with the study they already
 * are; an instance sent again with other content under the same SOP Instance UID is refused (409) and
 * kept under rejected/ with the reason; one re-encoded in another transfer syntax is stored with a
 * warning. Both indexes survive a restart of the gateway.
 */
const CT_SMALL = corpusPath('valid/samples/CT_small.dcm');

describe.skipIf(!corpusAvailable)('identical and conflicting uploads', () => {
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

  it('when the same file is sent again, then 200 answers with the stored study (duplicateOf) and nothing is stored or staged twice', async () => {
    const first = await upload(stack.gateway.url, [CT_SMALL], '?wait=true');
    expect(first.status).toBe(201);
    original = first.body.id;
    const again = await upload(stack.gateway.url, [CT_SMALL]);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: original, duplicateOf: original, state: 'stored', statusUrl: `/status/${original}` });
    const waited = await upload(stack.gateway.url, [CT_SMALL], '?wait=true');
    expect([waited.status, waited.body.id, waited.body.duplicateOf]).toEqual([201, original, original]);
    expect(visibleEntries(stack.studiesDir)).toEqual([original]);
    await waitFor(async () => visibleEntries(stack.env.gateway.STAGING_DIR!), (left) => left.length === 0, 5000);
  });

  it('when an instance comes again with other bytes, then 409 INSTANCE_CONFLICT names the study holding it, and the upload is kept under rejected/ only', async () => {
    const res = await upload(stack.gateway.url, [changed[0]!], '?wait=true');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      state: 'rejected',
      outcome: { httpStatus: 409, code: 'INSTANCE_CONFLICT', details: { heldBy: [original] } },
      conflicts: [{ file: '0001.dcm', heldBy: original, kind: 'changed' }],
      findings: { errors: 1, firstErrors: [{ code: 'sop-instance-conflict', keyword: 'SOPInstanceUID' }] },
    });
    expect(visibleEntries(stack.studiesDir)).toEqual([original]);
    const log = await readFile(path.join(stack.rejectedDir, res.body.id, 'validation.log'), 'utf8');
    expect(log).toMatch(new RegExp(`sop-instance-conflict.*${original}`));
  });

  it('when the gateway has restarted, then both indexes are rebuilt from the statuses', async () => {
    await stack.restart('gateway');
    const again = await upload(stack.gateway.url, [CT_SMALL]);
    expect([again.status, again.body.duplicateOf]).toEqual([200, original]);
    const conflict = await upload(stack.gateway.url, [changed[1]!], '?wait=true');
    expect([conflict.status, conflict.body.outcome.code, conflict.body.conflicts[0].heldBy]).toEqual([409, 'INSTANCE_CONFLICT', original]);
    expect(visibleEntries(stack.studiesDir)).toEqual([original]);
  });

  it('when an instance comes again in another transfer syntax, then it is stored, with a warning naming the other study', async () => {
    const explicit = await upload(stack.gateway.url, [corpusPath('valid/samples/MR_small.dcm')], '?wait=true');
    const implicit = await upload(stack.gateway.url, [corpusPath('valid/samples/MR_small_implicit.dcm')], '?wait=true');
    expect(implicit.status).toBe(201);
    expect(implicit.body).toMatchObject({ state: 'stored', findings: { warnings: 1 }, conflicts: [{ heldBy: explicit.body.id, kind: 'reencoded' }] });
    const log = await readFile(path.join(stack.studiesDir, implicit.body.id, 'validation.log'), 'utf8');
    expect(log).toContain('sop-instance-reencoded');
  });
});

if (!corpusAvailable) describe('identical and conflicting uploads', () => it.skip(corpusSkipReason, () => undefined));
