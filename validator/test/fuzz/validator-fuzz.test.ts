import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { createLogger, EventBus, newStudyId, ValidationReportSchema, type Finding } from '@dsv/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { corpusAvailable, corpusSkipReason } from '../../../test/support/corpus.ts';
import { projectConfig } from '../support/inspect.ts';
import { reportProblems, validateDirect } from './check-report.ts';
import { loadSources } from './corpus-sources.ts';
import { planCases, type FuzzCase } from './fuzz-cases.ts';
import { Random, seedFromEnv } from './prng.ts';

/**
 * Issue 6, bad input: several thousand inputs derived from the corpus and built by hand (bit flips,
 * overwrites, cuts at every element boundary, hostile lengths and VRs, random bytes, 5,000-deep
 * sequences, deflate bombs, broken encapsulation) go through the validator. Every one must get a
 * well-formed report in time, with no 500, no crash and bounded memory.
 *
 * FUZZ_SEED replays a run (it is printed first and in every failure), FUZZ_CASES sets the number of seeded
 * cases (default 4000), FUZZ_ONLY=r12,f3 runs only those cases, FUZZ_HTTP the number of files sent over
 * HTTP (default 2000, 'all' for every case), FUZZ_BOUND_MS the time one file may take (default 5000: a
 * hang detector, not a benchmark).
 */
const seed = seedFromEnv(process.env.FUZZ_SEED);
const count = Number(process.env.FUZZ_CASES ?? 4000);
const boundMs = Number(process.env.FUZZ_BOUND_MS ?? 5000);
const MEMORY_GROWTH_LIMIT = 200 * 1024 * 1024;

const config = projectConfig();
const sources = loadSources();
const plan = planCases({ seed, count, sources, maxInflatedBytes: config.limits.maxInflatedBytes });
const ids = process.env.FUZZ_ONLY ? process.env.FUZZ_ONLY.split(',').map((id) => id.trim()) : plan.ids;
const httpTarget = process.env.FUZZ_HTTP === 'all' ? ids.length : Number(process.env.FUZZ_HTTP ?? 2000);

console.info('[fuzz] seed', seed, 'cases', ids.length);
if (!corpusAvailable)
  console.warn(`[fuzz] ${corpusSkipReason}; only the hand-built inputs run (random bytes, deep sequences, deflate bombs, encapsulation)`);

function replay(fuzzCase: Pick<FuzzCase, 'id'>): string {
  return `FUZZ_SEED=${seed} FUZZ_CASES=${count} FUZZ_ONLY=${fuzzCase.id} npx vitest run validator/test/fuzz/validator-fuzz.test.ts`;
}

function describeCase(fuzzCase: FuzzCase): string {
  return `seed ${seed} case ${fuzzCase.id} (${fuzzCase.kind}${fuzzCase.source ? ` of ${fuzzCase.source}` : ''}: ${fuzzCase.label}, ${fuzzCase.bytes.length} bytes); replay: ${replay(fuzzCase)}`;
}

/** A file's own findings, without the file name: comparable between the direct path and HTTP. */
function fileFindings(findings: readonly Finding[], file: string): string[] {
  return findings
    .filter((finding) => finding.file === file)
    .map((finding) => `${finding.severity}:${finding.code}:${finding.tag ?? ''}`)
    .sort();
}

/** Two full collections a tick apart, so that the memory figures say what is still held. */
async function collectGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
  gc();
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** Which cases also go over HTTP: spread over the run, and every deep sequence and deflate bomb. */
function chooseHttpCases(): Set<string> {
  const step = Math.max(1, Math.floor(ids.length / Math.max(1, httpTarget)));
  const chosen = new Set<string>();
  ids.forEach((id, index) => {
    if (index % step === 0) chosen.add(id);
  });
  for (const id of ids) if (/^(deep|deflate)$/.test(plan.fixedKind(id) ?? '')) chosen.add(id);
  return chosen;
}

describe('validator fuzz', () => {
  const unhandled: string[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(`seed ${seed}: ${reason instanceof Error ? reason.stack : String(reason)}`);
  };
  const direct = new Map<string, { findings: string[]; outcome: string }>();
  const httpCases = chooseHttpCases();
  let baseline: NodeJS.MemoryUsage;
  let peakRss = 0;
  let started = 0;

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
    // The bombs' deflate streams are made once (hundreds of MB of zeros): before the baseline, not counted.
    for (const id of ids) if (plan.fixedKind(id) === 'deflate') plan.build(id);
    await collectGarbage();
    baseline = process.memoryUsage();
    started = performance.now();
  });

  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
  });

  it('when every input is streamed through the inspector and validated, then each answers a well-formed verdict in time', async () => {
    const failures: string[] = [];
    let slowest = { ms: 0, id: '' };
    const t0 = performance.now();
    for (const [index, id] of ids.entries()) {
      const fuzzCase = plan.build(id);
      // Chunk sizes vary from 1 byte to the whole file: the inspector must answer the same however the bytes arrive.
      // (Bytes by the handful only for small files: a stream of a million chunks measures the stream, not the validator.)
      const tiny = fuzzCase.bytes.length <= 200_000 ? 1 : 0;
      const chunkSize = new Random((seed ^ 0x5eed) + index).weighted([
        [tiny, 1 + (index % 31)],
        [4, 4096],
        [3, 65_536],
        [2, fuzzCase.bytes.length || 1],
      ]);
      const t = performance.now();
      try {
        const verdict = await validateDirect(fuzzCase.bytes, '0001.dcm', config, chunkSize);
        const ms = performance.now() - t;
        if (ms > slowest.ms) slowest = { ms, id };
        const problems = reportProblems(verdict, ['0001.dcm']);
        if (ms > boundMs) problems.push(`took ${ms.toFixed(0)} ms (bound ${boundMs} ms)`);
        if (fuzzCase.mustBeInvalid && verdict.valid) problems.push(`answered valid, but ${fuzzCase.mustBeInvalid}`);
        if (problems.length > 0) failures.push(`${describeCase(fuzzCase)}, chunks of ${chunkSize}: ${problems.join('; ')}`);
        if (httpCases.has(id))
          direct.set(id, {
            findings: fileFindings([...verdict.errors, ...verdict.warnings], '0001.dcm'),
            outcome: JSON.stringify(verdict.outcome),
          });
      } catch (error) {
        failures.push(`${describeCase(fuzzCase)}, chunks of ${chunkSize}: threw ${error instanceof Error ? error.stack : String(error)}`);
      }
      if (index % 64 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }
    console.info(
      `[fuzz] direct: ${ids.length} files in ${((performance.now() - t0) / 1000).toFixed(1)} s, slowest ${slowest.ms.toFixed(0)} ms (${slowest.id})`,
    );
    expect(failures.slice(0, 20), `seed ${seed}: ${failures.length} of ${ids.length} cases failed`).toEqual([]);
    expect(unhandled).toEqual([]);
  }, 300_000);

  it('when hundreds of them go through POST /v1/validations, alone or in batches, then each answers 200 with a well-formed report in time', async () => {
    const app = createApp({ config, logger: createLogger('validator', 'silent'), events: new EventBus() });
    const chosen = ids.filter((id) => httpCases.has(id));
    const batchSizes = new Random(seed ^ 0xba7c);
    const failures: string[] = [];
    let requests = 0;
    let slowest = { ms: 0, ids: '' };
    const t0 = performance.now();
    for (let start = 0; start < chosen.length;) {
      // Two requests in three carry one file; the others two to eight, so that the study checks see garbage too.
      const size = batchSizes.chance(2 / 3) ? 1 : batchSizes.int(2, 8);
      const batch = chosen.slice(start, start + size).map((id) => plan.build(id));
      start += size;
      const names = batch.map((_, i) => `${String(i + 1).padStart(4, '0')}.dcm`);
      const which = batch.map(describeCase).join(' + ');
      let req = request(app).post('/v1/validations').set('x-study-id', newStudyId());
      batch.forEach((fuzzCase, i) => {
        req = req.attach('files', fuzzCase.bytes, names[i]!);
      });
      const t = performance.now();
      const res = await req;
      const ms = performance.now() - t;
      requests += 1;
      if (ms > slowest.ms) slowest = { ms, ids: batch.map((c) => c.id).join(',') };
      if (res.status !== 200) {
        failures.push(`${which}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
        continue;
      }
      const parsed = ValidationReportSchema.safeParse(res.body);
      if (!parsed.success) {
        failures.push(`${which}: the report breaks its schema: ${parsed.error.message}`);
        continue;
      }
      const report = parsed.data;
      const problems = reportProblems(report, names);
      if (ms > boundMs * batch.length) problems.push(`took ${ms.toFixed(0)} ms for ${batch.length} file(s) (bound ${boundMs} ms a file)`);
      batch.forEach((fuzzCase, i) => {
        const alone = direct.get(fuzzCase.id);
        const overHttp = fileFindings([...report.errors, ...report.warnings], names[i]!);
        // The same bytes, chunked otherwise by the network: the same findings.
        if (alone && JSON.stringify(alone.findings) !== JSON.stringify(overHttp)) {
          problems.push(
            `${fuzzCase.id}: findings over HTTP ${JSON.stringify(overHttp)} differ from the direct path's ${JSON.stringify(alone.findings)}`,
          );
        }
        if (batch.length === 1 && alone && alone.outcome !== JSON.stringify(report.outcome)) {
          problems.push(`${fuzzCase.id}: outcome over HTTP ${JSON.stringify(report.outcome)}, direct ${alone.outcome}`);
        }
      });
      if (problems.length > 0) failures.push(`${which}: ${problems.join('; ')}`);
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }
    console.info(
      `[fuzz] http: ${chosen.length} files in ${requests} requests in ${((performance.now() - t0) / 1000).toFixed(1)} s, slowest ${slowest.ms.toFixed(0)} ms (${slowest.ids})`,
    );
    expect(chosen.length).toBeGreaterThanOrEqual(Math.min(ids.length, httpTarget, 300));
    expect(failures.slice(0, 20), `seed ${seed}: ${failures.length} requests failed`).toEqual([]);
    expect(unhandled).toEqual([]);
  }, 300_000);

  it('then memory is back within bounds after the run', async () => {
    await collectGarbage();
    const after = process.memoryUsage();
    peakRss = Math.max(peakRss, after.rss);
    console.info(
      `[fuzz] seed ${seed}: ${ids.length} cases in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        `rss ${mb(baseline.rss)} -> ${mb(after.rss)} (peak ${mb(peakRss)}), heap used ${mb(baseline.heapUsed)} -> ${mb(after.heapUsed)} (of ${mb(baseline.heapTotal)} -> ${mb(after.heapTotal)}), ` +
        `external ${mb(baseline.external + baseline.arrayBuffers)} -> ${mb(after.external + after.arrayBuffers)}`,
    );
    expect(after.heapUsed - baseline.heapUsed, `seed ${seed}: heap growth`).toBeLessThan(MEMORY_GROWTH_LIMIT);
    expect(after.rss - baseline.rss, `seed ${seed}: rss growth`).toBeLessThan(MEMORY_GROWTH_LIMIT);
  });
});
