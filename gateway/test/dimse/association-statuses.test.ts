import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AssociationStatuses, type AssociationEvent } from '../../src/dimse/association-statuses.ts';

const instance = (uid: string, category: 'success' | 'warning' | 'failure', status = '0000') => ({
  SOPInstanceUID: uid,
  SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
  transferSyntaxUID: '1.2.840.10008.1.2.1',
  deliveryId: null,
  status,
  category,
  code: 'STORED',
  comment: '',
  statusUrl: null,
});

const peer = { callingAeTitle: 'CT1', calledAeTitle: 'DSV', address: '127.0.0.1' };
const event = <E extends AssociationEvent>(type: E['type'], id: string, data: E['data']) =>
  ({ type, service: 'gateway', studyId: id, correlationId: id, time: new Date().toISOString(), data }) as E;
const accepted = (id: string) => event('association.accepted', id, { ...peer, acceptedContexts: 2, rejectedContexts: 1 });

describe('AssociationStatuses', () => {
  const dirs: string[] = [];
  afterEach(async () => Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true }))));
  const open = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-associations-'));
    dirs.push(dir);
    return { dir, statuses: new AssociationStatuses(path.join(dir, 'associations')) };
  };

  it('when instances are recorded, then the counts and the studies touched follow, each study once', async () => {
    const { statuses } = await open();
    statuses.begin('A1', peer, accepted('A1'));
    statuses.record('A1', instance('1.1', 'success'), '9.1');
    statuses.record('A1', instance('1.2', 'warning', 'B007'), '9.1');
    statuses.record('A1', instance('1.3', 'failure', 'A900'), null);
    const status = await statuses.get('A1');
    expect(status).toMatchObject({
      kind: 'association',
      state: 'open',
      counts: { instances: 3, stored: 1, warned: 1, failed: 1 },
      studies: [{ StudyInstanceUID: '9.1', url: '/studies/9.1' }],
    });
    expect(statuses.openCount).toBe(1);
    expect(statuses.tally('A1')).toEqual({ instances: 3, success: 1, warning: 1, failure: 1, studyInstanceUids: ['9.1'] });
    expect(statuses.tally('NOPE')).toBeUndefined();
  });

  it('when the association ends, then its status is read back from its file, and it no longer counts as open', async () => {
    const { dir } = await open();
    const statuses = new AssociationStatuses(path.join(dir, 'associations'));
    statuses.begin('A2', peer, accepted('A2'));
    statuses.record('A2', instance('1.1', 'success'), '9.2');
    await statuses.end(
      'A2',
      event('association.aborted', 'A2', { ...statuses.tally('A2')!, cause: 'connection-closed', source: null, reason: null }),
    );
    expect(statuses.openCount).toBe(0);
    const reread = await new AssociationStatuses(path.join(dir, 'associations')).get('A2');
    expect(reread).toMatchObject({ state: 'aborted', endedAt: expect.any(String), counts: { instances: 1 } });
    expect(reread!.events.map((e) => e.type)).toEqual(['association.accepted', 'association.aborted']);
    expect(reread!.events[1]).toMatchObject({
      studyId: 'A2',
      data: { instances: 1, success: 1, studyInstanceUids: ['9.2'], cause: 'connection-closed' },
    });
    expect(await statuses.get('NOPE')).toBeUndefined();
  });
});
