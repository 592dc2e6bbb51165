import { afterEach, describe, expect, it } from 'vitest';
import { corpusAvailable, corpusPath, corpusSkipReason } from '../support/corpus.ts';
import { removeConfigDirs, writeConfigDir } from '../support/config-dir.ts';
import { getJson, readFeed, upload, visibleEntries, waitFor, type Body } from '../support/gateway-calls.ts';
import { startStack, type Stack } from '../support/services.ts';

if (!corpusAvailable) console.warn(`[retention] ${corpusSkipReason}`);

const CT_SMALL = corpusPath('valid/samples/CT_small.dcm');
/** Three seconds, in the unit of retention.days. */
const THREE_SECONDS_IN_DAYS = 3 / 86_400;

/**
 * The gateway's records do not grow without bound (retention.days): a stored delivery's status and its
 * events leave the gateway once past their time, over the real processes, while the archive keeps the study.
 */
describe.skipIf(!corpusAvailable)('retention of the gateway records', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    await removeConfigDirs();
  });

  it('when a stored delivery is older than retention.days, then its status and events are gone from the gateway, and its study stays in the archive', async () => {
    const configDir = await writeConfigDir({ gateway: { retention: { days: THREE_SECONDS_IN_DAYS, sweepIntervalSeconds: 1 } } });
    stack = await startStack({ CONFIG_DIR: configDir, STABLE_AFTER_SECONDS: '0' });
    const stored = await upload(stack.gateway.url, [CT_SMALL], '?wait=true');
    expect(stored.status).toBe(201);
    const id: string = stored.body.id;
    const uid: string = stored.body.study.StudyInstanceUID;
    expect((await readFeed(stack.gateway.url)).filter((e) => e.studyId === id).map((e) => e.type)).toContain('study.processed');

    const gone = await waitFor(
      () => getJson(`${stack!.gateway.url}/status/${id}`),
      (answer) => answer.status === 404,
    );
    expect(gone.body.error.code).toBe('STUDY_NOT_FOUND');
    expect((await readFeed(stack.gateway.url)).filter((e: Body) => e.studyId === id)).toEqual([]);
    const removal = stack.gateway.output
      .filter((line) => line.includes('"retention: records past their time removed"'))
      .map((line) => JSON.parse(line) as Body)[0];
    expect(removal).toMatchObject({ statuses: 1, retentionDays: THREE_SECONDS_IN_DAYS });

    const study = await getJson(`${stack.gateway.url}/studies/${uid}`);
    expect(study.status).toBe(200);
    expect(study.body).toMatchObject({ id: uid, summary: { numberOfInstances: 1 } });
    expect(visibleEntries(stack.studiesDir)).toEqual([uid]);
  });
});
