import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildGateway, type TestGateway } from '../build-gateway.ts';

const dicomish = (n: number) => Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(64, n)]);
const STUDY = '1.2.826.0.1.3680043.8.498.33';

/** The siblings are down (DEAD_URL): each upload fails 503 with the events study.uploaded and study.failed. */
describe('GET /events', () => {
  let gateway: TestGateway;
  beforeEach(async () => {
    gateway = await buildGateway({ retry: { attempts: 1 } });
  });
  afterEach(() => gateway.cleanup());

  async function failedDeliveries(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++)
      ids.push((await request(gateway.app).post('/upload?wait=true').attach('files', dicomish(i), 'a.dcm').expect(503)).body.id);
    // The answer does not wait for the final state's write.
    await gateway.pipeline.drain();
    return ids;
  }

  it('when nothing happened yet, then no events, last is since, and done', async () => {
    expect((await request(gateway.app).get('/events').expect(200)).body).toEqual({ events: [], last: 0, done: true });
    expect((await request(gateway.app).get('/events?since=41').expect(200)).body).toEqual({ events: [], last: 41, done: true });
  });

  it('when deliveries have run, then their events come in the order written, each with its seq, a page at a time from since', async () => {
    const [a, b] = await failedDeliveries(2);
    const all = (await request(gateway.app).get('/events').expect(200)).body;
    expect(all.events.map((e: { studyId: string; type: string }) => [e.studyId, e.type])).toEqual([
      [a, 'study.uploaded'],
      [a, 'study.failed'],
      [b, 'study.uploaded'],
      [b, 'study.failed'],
    ]);
    expect(all.events[0]).toMatchObject({
      seq: expect.any(Number),
      service: 'gateway',
      correlationId: expect.any(String),
      time: expect.any(String),
      data: { files: 1 },
    });
    expect(all).toMatchObject({ last: all.events[3].seq, done: true });

    const pages: number[][] = [];
    let since = 0;
    for (let done = false; !done;) {
      const page = (await request(gateway.app).get('/events').query({ since, limit: 3 }).expect(200)).body;
      pages.push(page.events.map((e: { seq: number }) => e.seq));
      ({ last: since, done } = page);
    }
    const seqs = all.events.map((e: { seq: number }) => e.seq);
    expect(pages).toEqual([seqs.slice(0, 3), seqs.slice(3)]);
    // The statuses keep their events as before.
    expect((await request(gateway.app).get(`/status/${a}`).expect(200)).body.events.map((e: { type: string }) => e.type)).toEqual([
      'study.uploaded',
      'study.failed',
    ]);
  });

  it('when a parameter is unknown, or since or limit is not a whole number in range (limit 1 to 1000), then 400 REQUEST_INVALID', async () => {
    for (const query of [{ after: 1 }, { since: -1 }, { since: 'x' }, { since: 1.5 }, { limit: 0 }, { limit: 1001 }, { limit: 'ten' }]) {
      const res = await request(gateway.app).get('/events').query(query).expect(400);
      expect(res.body.error.code).toBe('REQUEST_INVALID');
    }
    expect((await request(gateway.app).get('/events?limit=1000').expect(200)).body.done).toBe(true);
  });
});

describe('GET /status/<id> of a delivery that joined a study', () => {
  let gateway: TestGateway;
  beforeEach(async () => {
    gateway = await buildGateway({ retry: { attempts: 1 } });
  });
  afterEach(() => gateway.cleanup());

  it("then its study link shows the study's state now, and GET /status?study= lists the study's deliveries", async () => {
    const id = (await request(gateway.app).post('/upload?wait=true').attach('files', dicomish(1), 'a.dcm').expect(503)).body.id as string;
    const link = {
      StudyInstanceUID: STUDY,
      state: 'receiving' as const,
      numberOfSeries: 1,
      numberOfInstances: 1,
      url: `/studies/${STUDY}`,
    };
    // As the pipeline writes a stored delivery (the siblings are down here).
    await gateway.store.update(
      id,
      (s) => {
        s.state = 'stored';
        s.study = link;
      },
      { delivered: { StudyInstanceUID: STUDY, deliveryId: id, at: 1000, checkAfter: 2000 } },
    );
    expect((await request(gateway.app).get(`/status/${id}`).expect(200)).body.study).toEqual({ ...link, stableAt: null });
    const study = (await gateway.data.studyRecord(STUDY))!;
    await gateway.data.markStable(study, Date.UTC(2026, 11, 7), {
      type: 'study.stable',
      service: 'gateway',
      studyId: id,
      correlationId: 'c',
      time: '',
      data: { studyInstanceUid: STUDY, instances: 1, series: 1, errors: 0, warnings: 0 },
    });
    expect((await request(gateway.app).get(`/status/${id}`).expect(200)).body.study).toEqual({
      ...link,
      state: 'stable',
      stableAt: '2026-12-07T00:00:00.000Z',
    });
    const listed = (await request(gateway.app).get('/status').query({ study: STUDY }).expect(200)).body.uploads;
    expect(listed).toEqual([expect.objectContaining({ id, state: 'stored', StudyInstanceUID: STUDY })]);
    expect((await request(gateway.app).get('/status').query({ study: '1.2.826.0.1.3680043.8.498.34' }).expect(200)).body.uploads).toEqual(
      [],
    );
    expect((await request(gateway.app).get('/status').query({ study: '../x' }).expect(400)).body.error.code).toBe('REQUEST_INVALID');
  });
});
