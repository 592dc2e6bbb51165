import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { corpusAvailable, corpusPath, corpusSkipReason, projectRoot } from '../support/corpus.ts';
import { removeConfigDirs, writeConfigDir } from '../support/config-dir.ts';
import {
  getJson,
  incomingLeftovers,
  listTree,
  statusOf,
  upload,
  visibleEntries,
  waitFor,
  waitForStates,
  type Body,
} from '../support/gateway-calls.ts';
import { scrapeWork } from '../../bench/work-counts.ts';
import { startStack, type ServiceProcess, type Stack } from '../support/services.ts';
import { makeUnwritable } from '../support/unwritable.ts';

const run = promisify(execFile);

/**
 * Issue 6, "nothing lost", when a sibling service is down, slow, or cannot write: the gateway says so on
 * /ready, retries with backoff, fails the study with 503 and the reason, and runs it again on request
 * (POST /studies/<id>/retry, npm run replay) once the service is back.
 */
const CT_SMALL = corpusPath('valid/samples/CT_small.dcm');
const MR_SMALL = corpusPath('valid/samples/MR_small.dcm');

/** The gateway's 'retrying' log lines for one study. */
function retries(gateway: ServiceProcess, studyId: string): Body[] {
  return gateway.output
    .map((line) => {
      try {
        return JSON.parse(line) as Body;
      } catch {
        return {};
      }
    })
    .filter((entry) => entry.msg === 'retrying' && entry.studyId === studyId);
}

describe.skipIf(!corpusAvailable)('the gateway when a sibling service is down, slow or cannot write', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    await removeConfigDirs();
  });

  it('when the validator is stopped, then /ready is 503, the study fails 503 after backoff retries, and POST /studies/<id>/retry stores it once the validator is back', async () => {
    const configDir = await writeConfigDir({ gateway: { pipeline: { retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 400 } } } });
    stack = await startStack({ CONFIG_DIR: configDir });
    expect((await getJson(`${stack.gateway.url}/ready`)).status).toBe(200);

    expect(await stack.validator.stop()).toBe(0);
    const ready = await getJson(`${stack.gateway.url}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual({ validator: 'unreachable', descriptor: 'up' });

    const gatewayWork = async () => (await scrapeWork([{ name: 'gateway', url: stack!.gateway.url, token: undefined }]))[0]!;
    const before = await gatewayWork();
    const failed = await upload(stack.gateway.url, [CT_SMALL], '?wait=true');
    expect(failed.status).toBe(503);
    // Accepted by its answer, its staging folder was not flushed on the way in; failed, it is kept for the
    // retry below, so its name and its parent's entry are flushed before the answer.
    expect((await gatewayWork()).fsyncDirectory - before.fsyncDirectory).toBe(2);
    expect(failed.body).toMatchObject({
      state: 'failed',
      outcome: { httpStatus: 503, code: 'DOWNSTREAM_UNAVAILABLE', details: { service: 'validator', attempts: 4 } },
    });
    expect(failed.body.outcome.message).toMatch(/validator is unreachable \(4 attempts\)/);
    const seen = retries(stack.gateway, failed.body.id);
    // Full jitter: each delay is random, up to 100, 200, 400 ms.
    expect(seen.map((r) => r.attempt)).toEqual([1, 2, 3]);
    seen.forEach((r, index) => expect(r.delayMs).toBeLessThanOrEqual(100 * 2 ** index));
    console.info(`[outage] validator down: ${seen.length} retries, delays ${seen.map((r) => r.delayMs).join(', ')} ms, then failed 503`);

    const id: string = failed.body.id;
    expect((await getJson(`${stack.gateway.url}/status?state=failed`)).body.uploads.map((s: Body) => s.id)).toEqual([id]);
    await stack.restart('validator');
    await waitFor(
      () => getJson(`${stack!.gateway.url}/ready`),
      (r) => r.status === 200,
    );

    const retried = await getJson(`${stack.gateway.url}/studies/${id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual({ id, state: 'received', statusUrl: `/status/${id}` });
    const again = await getJson(`${stack.gateway.url}/studies/${id}/retry`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('STUDY_NOT_RETRYABLE');
    const [final] = await waitForStates(stack, [id], ['stored', 'failed', 'rejected']);
    expect(final).toMatchObject({ state: 'stored', attempts: 2, outcome: { code: 'STORED' } });
    expect(final!.events.map((e: Body) => e.type)).toEqual(expect.arrayContaining(['study.failed', 'study.retried', 'study.processed']));
    expect(final!.study).toMatchObject({ StudyInstanceUID: final!.contents.StudyInstanceUID, numberOfInstances: 1 });
    expect(visibleEntries(stack.studiesDir)).toEqual([final!.study.StudyInstanceUID]);

    const stored = await getJson(`${stack.gateway.url}/studies/${id}/retry`, { method: 'POST' });
    expect([stored.status, stored.body.error.code]).toEqual([409, 'STUDY_NOT_RETRYABLE']);
    const unknown = await getJson(`${stack.gateway.url}/studies/01JD0000000000000000000000/retry`, { method: 'POST' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'STUDY_NOT_FOUND']);
  });

  it('when the descriptor was down, then `npm run replay -- --wait` runs every failed study again and prints a line for each', async () => {
    const configDir = await writeConfigDir({ gateway: { pipeline: { retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 } } } });
    stack = await startStack({ CONFIG_DIR: configDir });
    expect(await stack.descriptor.stop()).toBe(0);
    const ids: string[] = [];
    for (const file of [CT_SMALL, MR_SMALL]) {
      const answer = await upload(stack.gateway.url, [file], '?wait=true');
      expect(answer.body).toMatchObject({
        state: 'failed',
        outcome: { httpStatus: 503, code: 'DOWNSTREAM_UNAVAILABLE', details: { service: 'descriptor' } },
      });
      ids.push(answer.body.id);
    }
    await stack.restart('descriptor');

    const replay = await run('npm', ['run', '-s', 'replay', '--', '--wait'], {
      cwd: projectRoot,
      env: { ...process.env, GATEWAY_URL: stack.gateway.url },
    });
    const lines = replay.stdout.trim().split('\n');
    console.info(`[outage] npm run replay:\n${replay.stdout.trim()}`);
    expect(lines).toHaveLength(3);
    for (const [index, id] of ids.entries())
      expect(lines[index]).toMatch(new RegExp(`^${id}  DOWNSTREAM_UNAVAILABLE 503  ->  stored STORED 201$`));
    expect(lines[2]).toBe('replay: 2 of 2 failed studies ran again without failing');
    const finals = await Promise.all(ids.map((id) => statusOf(stack!, id)));
    expect(finals.map((s) => s.state)).toEqual(['stored', 'stored']);
    // CT_small and MR_small are two DICOM studies.
    expect(visibleEntries(stack.studiesDir)).toEqual(finals.map((s) => s.study.StudyInstanceUID).sort());
    expect(new Set(finals.map((s) => s.study.StudyInstanceUID)).size).toBe(2);

    const nothing = await run('npm', ['run', '-s', 'replay'], {
      cwd: projectRoot,
      env: { ...process.env, GATEWAY_URL: stack.gateway.url },
    });
    expect(nothing.stdout.trim()).toBe(`replay: no failed study at ${stack.gateway.url}`);
  });

  it('when the validator is slow (stopped with SIGSTOP), then each call times out and is retried until it answers again', async () => {
    const configDir = await writeConfigDir({
      gateway: { pipeline: { requestTimeoutMs: 400, retry: { attempts: 20, baseDelayMs: 50, maxDelayMs: 200 } } },
    });
    stack = await startStack({ CONFIG_DIR: configDir });
    stack.validator.child.kill('SIGSTOP');
    let id = '';
    try {
      const accepted = await upload(stack.gateway.url, [CT_SMALL]);
      expect(accepted.status).toBe(202);
      id = accepted.body.id;
      await waitFor(
        async () => retries(stack!.gateway, id),
        (seen) => seen.length >= 2,
        10_000,
      );
      expect(retries(stack.gateway, id)[0]).toMatchObject({ service: 'validator', reason: 'no answer within 400 ms' });
      expect((await statusOf(stack, id)).state).toBe('validating');
    } finally {
      stack.validator.child.kill('SIGCONT');
    }
    const [final] = await waitForStates(stack, [id], ['stored', 'failed', 'rejected']);
    expect(final!.state).toBe('stored');
    console.info(`[outage] slow validator: ${retries(stack.gateway, id).length} timed-out calls retried before it answered`);
  });

  it('when studies/ cannot be written, then the study fails 503 STORAGE_FAILED leaving nothing in studies/, and is stored by a retry once it can', async (context) => {
    stack = await startStack();
    const unwritable = await makeUnwritable(stack.studiesDir);
    if (!unwritable) {
      context.skip('neither chmod nor chattr makes a folder unwritable here');
      return;
    }
    let id: string;
    try {
      const failed = await upload(stack.gateway.url, [CT_SMALL], '?wait=true');
      console.info(`[outage] studies/ made unwritable by ${unwritable.how}: ${failed.status} ${failed.body.outcome?.code}`);
      expect(failed.status).toBe(503);
      expect(failed.body).toMatchObject({ state: 'failed', outcome: { httpStatus: 503, code: 'STORAGE_FAILED' } });
      expect(retries(stack.gateway, failed.body.id)).toEqual([]);
      expect(listTree(stack.studiesDir)).toEqual([]);
      expect(incomingLeftovers(stack.studiesDir)).toEqual([]);
      expect(visibleEntries(stack.rejectedDir)).toEqual([]);
      id = failed.body.id;
    } finally {
      await unwritable.restore();
    }
    const retried = await getJson(`${stack.gateway.url}/studies/${id}/retry?wait=true`, { method: 'POST' });
    expect(retried.status).toBe(201);
    const uid = retried.body.study.StudyInstanceUID;
    expect(visibleEntries(stack.studiesDir)).toEqual([uid]);
    expect(listTree(path.join(stack.studiesDir, uid))).toContain('original.dcm');
  });
});

if (!corpusAvailable)
  describe('the gateway when a sibling service is down, slow or cannot write', () => it.skip(corpusSkipReason, () => undefined));
