import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newStudyId, type EventType, type LifecycleEvent } from '@dsv/common';
import { corpusAvailable, corpusPath, projectRoot } from '../../../test/support/corpus.ts';
import type { DescriptorConfig } from '../../src/config.ts';
import { readOutboxEntry } from '../../src/domain/fhir/fhir-outbox.ts';
import { replayOutbox } from '../../src/domain/fhir/replay-outbox.ts';
import { asUpload, describeRequest } from '../support/describe-request.ts';
import { createTestDescriptor, markStable, postStudy, type TestDescriptor } from '../support/descriptor-app.ts';

const execFileAsync = promisify(execFile);

interface Received {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A FHIR server on 127.0.0.1, port 0: answers each POST with the status `answer` gives for the attempt
 * number (1-based); 'hang' never answers.
 */
async function startFhirServer(answer: (attempt: number) => number | 'hang') {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ at: performance.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = answer(received.length);
      if (status === 'hang') return;
      res.writeHead(status, { 'content-type': 'application/fhir+json' });
      res.end(
        JSON.stringify(
          status < 300 ? { resourceType: 'Bundle', type: 'transaction-response' } : { resourceType: 'OperationOutcome', issue: [] },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/fhir`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const nextEvent = <T extends EventType>(descriptor: TestDescriptor, type: T): Promise<LifecycleEvent<T>> =>
  new Promise((resolve) => descriptor.events.once(type, resolve as never));

const fhirSettings = (
  url: string,
  overrides: Partial<DescriptorConfig['fhir']['retry']> = {},
  timeoutMs = 5000,
): DescriptorConfig['fhir'] => ({
  forwardUrl: url,
  authHeader: 'Bearer fhir-test-token',
  timeoutMs,
  retry: { attempts: 4, baseDelayMs: 60, maxDelayMs: 1000, ...overrides },
});

describe.skipIf(!corpusAvailable)('forwarding fhir.json to a FHIR server (fhir.forwardUrl)', () => {
  let descriptor: TestDescriptor;
  let fhir: Awaited<ReturnType<typeof startFhirServer>>;
  afterEach(async () => {
    await fhir?.close();
    await descriptor?.remove();
  });

  /**
   * Stores CT_small as one delivery, then makes its study stable: forwarding starts there, in the
   * background, after the stable call is answered. Events and outbox entries carry the last delivery's id
   * and the stable call's correlation id.
   */
  const storeCtSmall = async () => {
    const id = newStudyId();
    const files = asUpload([corpusPath('valid/samples/CT_small.dcm')]);
    const response = await postStudy(descriptor.app, describeRequest(id, files), files);
    expect(response.status).toBe(201);
    const uid = response.body.study.StudyInstanceUID as string;
    const stable = await markStable(descriptor.app, uid, id);
    expect(stable.status).toBe(200);
    const bundle = await readFile(path.join(descriptor.config.studiesDir, uid, 'fhir.json'), 'utf8');
    return { id, uid, bundle };
  };

  describe('when a delivery is only stored, not yet stable', () => {
    beforeEach(async () => {
      fhir = await startFhirServer(() => 200);
      descriptor = await createTestDescriptor({}, { fhir: fhirSettings(fhir.url) });
    });

    it('then nothing is sent until the study is stable, and then its fhir.json once', async () => {
      const events: LifecycleEvent[] = [];
      descriptor.events.on('fhir.forwarded', (event) => events.push(event));
      const id = newStudyId();
      const files = asUpload([corpusPath('valid/samples/CT_small.dcm')]);
      const stored = await postStudy(descriptor.app, describeRequest(id, files), files).expect(201);
      expect(fhir.received).toEqual([]);
      const forwarded = nextEvent(descriptor, 'fhir.forwarded');
      await markStable(descriptor.app, stored.body.study.StudyInstanceUID, id).expect(200);
      await forwarded;
      expect(events).toHaveLength(1);
      expect(fhir.received.map((request) => request.body)).toEqual([
        await readFile(path.join(descriptor.config.studiesDir, stored.body.study.StudyInstanceUID, 'fhir.json'), 'utf8'),
      ]);
    });
  });

  describe('when the server fails twice, then accepts', () => {
    beforeEach(async () => {
      fhir = await startFhirServer((attempt) => (attempt <= 2 ? 503 : 200));
      descriptor = await createTestDescriptor({}, { fhir: fhirSettings(fhir.url) });
    });

    it('then the third POST delivers fhir.json as application/fhir+json with the auth header, after backoffs that double', async () => {
      const forwarded = nextEvent(descriptor, 'fhir.forwarded');
      const { id, bundle } = await storeCtSmall();
      const event = await forwarded;

      expect(event).toMatchObject({
        studyId: id,
        correlationId: 'corr-stable-1',
        service: 'descriptor',
        data: { attempts: 3, httpStatus: 200 },
      });
      expect(fhir.received).toHaveLength(3);
      for (const request of fhir.received) {
        expect(request.headers['content-type']).toBe('application/fhir+json');
        expect(request.headers.authorization).toBe('Bearer fhir-test-token');
        expect(request.body).toBe(bundle);
      }
      // Equal jitter: the wait after attempt n is between half and all of 60 ms × 2^(n-1).
      const gaps = [fhir.received[1]!.at - fhir.received[0]!.at, fhir.received[2]!.at - fhir.received[1]!.at];
      expect(gaps[0]).toBeGreaterThanOrEqual(30 - 2);
      expect(gaps[1]).toBeGreaterThanOrEqual(60 - 2);
      expect(gaps[1]).toBeLessThan(120 + 500);
      expect(existsSync(path.join(descriptor.config.outboxDir, 'failed', `${id}.json`))).toBe(false);
    });
  });

  describe('when the server never answers', () => {
    beforeEach(async () => {
      fhir = await startFhirServer(() => 'hang');
      descriptor = await createTestDescriptor({}, { fhir: fhirSettings(fhir.url, { attempts: 1 }, 1500) });
    });

    it('then the stable call is answered before the FHIR timeout expires, and the bundle goes to the outbox once it does', async () => {
      const failed = nextEvent(descriptor, 'fhir.forward_failed');
      let expired = false;
      void failed.then(() => (expired = true));
      const { id } = await storeCtSmall();
      // Ordered, not timed: the answer did not wait for the FHIR server.
      expect(expired).toBe(false);
      expect((await failed).data).toEqual({ attempts: 1, httpStatus: null, reason: 'no answer within 1500 ms', outbox: true });
      expect(await readOutboxEntry(descriptor.config.outboxDir, id)).toMatchObject({ attempts: 1, reason: 'no answer within 1500 ms' });
    });
  });

  describe('when the server refuses the bundle (400)', () => {
    beforeEach(async () => {
      fhir = await startFhirServer(() => 400);
      descriptor = await createTestDescriptor({}, { fhir: fhirSettings(fhir.url) });
    });

    it('then it is not sent again, since the same bundle would get the same answer, and it waits in the outbox', async () => {
      const failed = nextEvent(descriptor, 'fhir.forward_failed');
      await storeCtSmall();
      expect((await failed).data).toEqual({ attempts: 1, httpStatus: 400, reason: 'HTTP 400', outbox: true });
      expect(fhir.received).toHaveLength(1);
    });
  });

  describe('when the server always fails, then is healthy again', () => {
    let healthy = false;
    beforeEach(async () => {
      healthy = false;
      fhir = await startFhirServer(() => (healthy ? 201 : 500));
      descriptor = await createTestDescriptor({}, { fhir: fhirSettings(fhir.url, { attempts: 3, baseDelayMs: 10 }) });
    });

    it('then the bundle is kept under outbox/failed/<id>.json with reason and attempts, and fhir:replay sends it and removes it', async () => {
      const failed = nextEvent(descriptor, 'fhir.forward_failed');
      const { id, bundle } = await storeCtSmall();
      expect((await failed).data).toEqual({ attempts: 3, httpStatus: 500, reason: 'HTTP 500', outbox: true });
      const entry = await readOutboxEntry(descriptor.config.outboxDir, id);
      expect(entry).toMatchObject({ studyId: id, correlationId: 'corr-stable-1', attempts: 3, httpStatus: 500, reason: 'HTTP 500' });
      expect(entry.bundle).toEqual(JSON.parse(bundle));

      const unhealthy: string[] = [];
      expect(await replayOutbox(descriptor.config, { print: (line) => unhealthy.push(line) })).toEqual({ sent: [], failed: [id] });
      expect(unhealthy).toEqual([`${id} failed: HTTP 500 (3 attempts); kept in the outbox`]);
      expect((await readOutboxEntry(descriptor.config.outboxDir, id)).attempts).toBe(6);

      healthy = true;
      const lines: string[] = [];
      expect(await replayOutbox(descriptor.config, { print: (line) => lines.push(line) })).toEqual({ sent: [id], failed: [] });
      expect(lines).toEqual([`${id} sent (HTTP 201, 1 attempt)`]);
      expect(JSON.parse(fhir.received.at(-1)!.body)).toEqual(JSON.parse(bundle));
      expect(fhir.received.at(-1)!.headers.authorization).toBe('Bearer fhir-test-token');
      expect(existsSync(path.join(descriptor.config.outboxDir, 'failed', `${id}.json`))).toBe(false);
    });

    it('then `npm run fhir:replay` (scripts/fhir-replay.ts) does the same from the descriptor config, one line per bundle', async () => {
      const failed = nextEvent(descriptor, 'fhir.forward_failed');
      const { id } = await storeCtSmall();
      await failed;
      healthy = true;
      // Not spawnSync: the FHIR server answering it lives in this process's event loop.
      const run = await execFileAsync(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'scripts/fhir-replay.ts')], {
        cwd: projectRoot,
        env: { ...process.env, FHIR_FORWARD_URL: fhir.url, OUTBOX_DIR: descriptor.config.outboxDir },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim().split('\n')).toEqual([
        `${id} sent (HTTP 201, 1 attempt)`,
        `1 sent, 0 still in ${descriptor.config.outboxDir}/failed`,
      ]);
      expect(existsSync(path.join(descriptor.config.outboxDir, 'failed', `${id}.json`))).toBe(false);
    });
  });

  describe('when forwarding is off (fhir.forwardUrl empty, as shipped)', () => {
    beforeEach(async () => {
      fhir = await startFhirServer(() => 200);
      descriptor = await createTestDescriptor();
    });

    it('then fhir.json is written at stable and nothing is sent', async () => {
      const events: string[] = [];
      descriptor.events.on('fhir.forwarded', (event) => events.push(event.type));
      descriptor.events.on('fhir.forward_failed', (event) => events.push(event.type));
      const { bundle } = await storeCtSmall();
      expect(JSON.parse(bundle)).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(events).toEqual([]);
      expect(fhir.received).toEqual([]);
    });
  });
});
