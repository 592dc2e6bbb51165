import { afterEach, describe, expect, it } from 'vitest';
import { corpusAvailable, corpusPath, corpusSkipReason, entryFiles, loadManifest } from '../support/corpus.ts';
import { removeConfigDirs, writeConfigDir } from '../support/config-dir.ts';
import {
  sha256,
  statusOf,
  storedOriginalHashes,
  studyFolder,
  upload,
  visibleEntries,
  waitFor,
  type Body,
} from '../support/gateway-calls.ts';
import { logged } from '../support/logs.ts';
import { startStack, type ServiceProcess, type Stack } from '../support/services.ts';

/**
 * Issue 6, SIGTERM: a service stops taking new work, finishes what is in flight, and exits 0. Real
 * processes, real signals.
 */

/** The exit code, once the process has ended by itself (stop() would signal it again). */
const exited = (service: ServiceProcess): Promise<number | null> =>
  service.child.exitCode !== null || service.child.signalCode !== null
    ? Promise.resolve(service.child.exitCode)
    : new Promise((resolve) => service.child.once('exit', (code) => resolve(code)));

describe.skipIf(!corpusAvailable)('SIGTERM', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    await removeConfigDirs();
  });

  it('when the gateway gets SIGTERM while an upload with ?wait=true is in flight, then it refuses new connections, finishes that upload (201) and exits 0', async () => {
    const configDir = await writeConfigDir({ gateway: { pipeline: { retry: { attempts: 20, baseDelayMs: 100, maxDelayMs: 300 } } } });
    stack = await startStack({ CONFIG_DIR: configDir });
    // The validator down keeps the study in flight (retrying) for as long as the test needs.
    expect(await stack.validator.stop()).toBe(0);
    const gateway = stack.gateway;
    const answer = upload(gateway.url, [corpusPath('valid/samples/CT_small.dcm')], '?wait=true');
    await waitFor(
      async () => logged(gateway, 'retrying').length,
      (n) => n > 0,
    );

    const signalled = Date.now();
    gateway.child.kill('SIGTERM');
    await waitFor(
      async () => logged(gateway, 'shutting down').length,
      (n) => n > 0,
    );
    await expect(fetch(`${gateway.url}/health`)).rejects.toThrow();
    expect(gateway.child.exitCode).toBe(null);

    await stack.restart('validator');
    const final = await answer;
    expect(final.status).toBe(201);
    expect(final.body).toMatchObject({ state: 'stored', outcome: { code: 'STORED' } });
    expect(await exited(gateway)).toBe(0);
    console.info(`[shutdown] gateway drained its upload and exited 0 ${Date.now() - signalled} ms after SIGTERM`);
    expect(visibleEntries(stack.studiesDir)).toEqual([final.body.study.StudyInstanceUID]);
    await stack.restart('gateway');
    expect((await statusOf(stack, final.body.id)).state).toBe('stored');
  });

  it('when the gateway gets SIGTERM with a study that cannot finish, then it exits 0 after http.shutdownTimeoutMs and the next start finishes the study', async () => {
    const configDir = await writeConfigDir({
      gateway: { http: { shutdownTimeoutMs: 500 }, pipeline: { retry: { attempts: 20, baseDelayMs: 200, maxDelayMs: 1000 } } },
    });
    stack = await startStack({ CONFIG_DIR: configDir });
    expect(await stack.validator.stop()).toBe(0);
    const accepted = await upload(stack.gateway.url, [corpusPath('valid/samples/MR_small.dcm')]);
    expect(accepted.status).toBe(202);
    const gateway = stack.gateway;
    await waitFor(
      async () => logged(gateway, 'retrying').length,
      (n) => n > 0,
    );
    const signalled = Date.now();
    gateway.child.kill('SIGTERM');
    expect(await exited(gateway)).toBe(0);
    const took = Date.now() - signalled;
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(5000);
    expect(logged(gateway, 'shutdown timeout: unfinished deliveries resume at the next start')).toEqual([
      expect.objectContaining({ unfinished: 1 }),
    ]);
    console.info(`[shutdown] gateway with a stuck study exited 0 ${took} ms after SIGTERM (timeout 500 ms)`);

    await stack.restart('validator');
    await stack.restart('gateway');
    const final = await waitFor(
      () => statusOf(stack!, accepted.body.id),
      (s) => s.state === 'stored',
    );
    expect(final.events.map((e: Body) => e.type)).toContain('study.resumed');
  });

  it('when the validator and the descriptor get SIGTERM while a large study passes through them, then each exits 0 and the study is still stored once', async () => {
    // Retries spread over ~15 s to outlast a restart on a loaded machine (tsx start-up alone can take seconds).
    const configDir = await writeConfigDir({ gateway: { pipeline: { retry: { attempts: 20, baseDelayMs: 200, maxDelayMs: 1500 } } } });
    stack = await startStack({ CONFIG_DIR: configDir });
    const files = entryFiles(loadManifest().find((e) => e.path === 'valid/synthetic/ct-512-explicit-le')!);
    const answer = upload(stack.gateway.url, files, '?wait=true');
    const id = await waitFor(
      async () =>
        JSON.parse(stack!.gateway.output.find((line) => line.includes('"study.uploaded"')) ?? 'null')?.event?.studyId as string | undefined,
      (value) => value !== undefined,
      10_000,
      5,
    );
    for (const name of ['validator', 'descriptor'] as const) {
      const step = name === 'validator' ? 'validating' : 'describing';
      await waitFor(
        () => statusOf(stack!, id!),
        (s) => s.state === step || s.state === 'stored',
        15_000,
        5,
      );
      // A signal in the middle of the call: it finishes, or the gateway retries against the new process.
      expect(await stack[name].stop('SIGTERM')).toBe(0);
      await stack.restart(name);
    }
    const final = await answer;
    expect(final.status).toBe(201);
    expect(final.body.join).toMatchObject({ added: files.length, duplicates: [] });
    expect(visibleEntries(stack.studiesDir)).toEqual([final.body.study.StudyInstanceUID]);
    expect(storedOriginalHashes(studyFolder(stack, final.body))).toEqual(files.map(sha256).sort());
  });
});

if (!corpusAvailable) describe('SIGTERM', () => it.skip(corpusSkipReason, () => undefined));
