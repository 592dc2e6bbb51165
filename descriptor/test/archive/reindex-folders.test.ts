import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, EventBus, newStudyId } from '@dsv/common';
import request from 'supertest';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApp, openArchive } from '../../src/app.ts';
import { reindexFolders } from '../../src/archive/reindex-folders.ts';
import { testDescriptorConfig, listTree } from '../support/descriptor-app.ts';
import { corpusPath } from '../../../test/support/corpus.ts';
import { corpusSuite } from '../../../test/support/corpus-suite.ts';

const SERIES = ['CT_0001.dcm', 'CT_0002.dcm', 'CT_0003.dcm'].map((name) => corpusPath(`studies/valid-series/${name}`));
const OTHER_STUDY = corpusPath('valid/samples/CT_small.dcm');

corpusSuite('npm run reindex (reindexFolders)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-reindex-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** A folder per upload, as versions before the study model wrote them. */
  function oldUpload(root: string, files: readonly string[], layout: 'original' | 'originals'): string {
    const id = newStudyId();
    const folder = path.join(root, id);
    mkdirSync(path.join(folder, 'originals'), { recursive: true });
    files.forEach((file, index) => {
      const target = layout === 'original' ? path.join(folder, 'original.dcm') : path.join(folder, 'originals', `${index + 1}.dcm`);
      copyFileSync(file, target);
    });
    writeFileSync(path.join(folder, 'metadata.json'), JSON.stringify({ schemaVersion: 2, studyId: id, instances: [] }));
    writeFileSync(path.join(folder, 'validation.log'), `Validation log of study ${id}\nVerdict:      VALID (stored)\n`);
    return id;
  }

  it('when studies/ holds one folder per upload (an earlier version), then they merge into one folder per StudyInstanceUID with every instance, and the catalogue lists each study once', async () => {
    const config = testDescriptorConfig(dir);
    const uploads = [
      oldUpload(config.studiesDir, [SERIES[0]!], 'original'),
      oldUpload(config.studiesDir, [SERIES[1]!, SERIES[2]!], 'originals'),
      // The same instance uploaded again: identical bytes, kept once.
      oldUpload(config.studiesDir, [SERIES[0]!], 'original'),
      oldUpload(config.studiesDir, [OTHER_STUDY], 'original'),
    ];
    const rejected = newStudyId();
    mkdirSync(path.join(config.rejectedDir, rejected, 'files'), { recursive: true });
    writeFileSync(path.join(config.rejectedDir, rejected, 'files', '0001.dcm'), 'not dicom');
    writeFileSync(path.join(config.rejectedDir, rejected, 'validation.log'), `Validation log of study ${rejected}\n`);

    const { catalogue, documents } = openArchive(config);
    try {
      const report = await reindexFolders(config, catalogue, documents);
      expect(report).toMatchObject({ studies: 2, instances: 4, rejected: 1, mergedFolders: 4, duplicatesDropped: 1, conflictsSetAside: 0 });
      for (const id of uploads) expect(existsSync(path.join(config.studiesDir, id))).toBe(false);

      const studies = (await listTree(config.studiesDir)).filter((entry) => !entry.includes('/'));
      expect(studies).toHaveLength(2);
      const series = studies.find((uid) => existsSync(path.join(config.studiesDir, uid, 'originals')))!;
      const tree = await listTree(path.join(config.studiesDir, series));
      expect(tree.filter((entry) => entry.startsWith('originals/'))).toHaveLength(3);
      const metadata = JSON.parse(await readFile(path.join(config.studiesDir, series, 'metadata.json'), 'utf8'));
      expect(metadata.summary.numberOfInstances).toBe(3);
      expect(new Set(metadata.deliveries)).toEqual(new Set(uploads.slice(0, 2)));
      // Every stored file is byte for byte one of the originals.
      const originals = SERIES.map((file) => readFileSync(file));
      for (const instance of metadata.instances) {
        const stored = readFileSync(path.join(config.studiesDir, series, instance.path));
        expect(originals.some((original) => original.equals(stored))).toBe(true);
      }
      expect(existsSync(path.join(config.studiesDir, series, 'fhir.json'))).toBe(true);
      expect(existsSync(path.join(config.studiesDir, series, 'metadata.dicom.json'))).toBe(true);
      const log = await readFile(path.join(config.studiesDir, series, 'validation.log'), 'utf8');
      expect(log).toContain(`Validation log of study ${uploads[0]}`);

      const app = createApp({ config, logger: createLogger('descriptor', 'silent'), events: new EventBus(), catalogue, documents });
      const list = await request(app).get('/studies').expect(200);
      expect(list.body.studies.map((s: { id: string }) => s.id).sort()).toEqual([...studies].sort());
      expect(list.body.studies.find((s: { id: string }) => s.id === series).summary).toMatchObject({
        numberOfInstances: 3,
        numberOfSeries: 1,
      });
      const rejectedList = await request(app).get('/studies?state=rejected').expect(200);
      expect(rejectedList.body.studies.map((s: { id: string }) => s.id)).toEqual([rejected]);

      // A second run finds the new layout and gives the same catalogue.
      const again = await reindexFolders(config, catalogue, documents);
      expect(again).toMatchObject({ studies: 2, instances: 4, rejected: 1, mergedFolders: 0, duplicatesDropped: 0 });
      expect(new Set(JSON.parse(await readFile(path.join(config.studiesDir, series, 'metadata.json'), 'utf8')).deliveries)).toEqual(
        new Set(uploads.slice(0, 2)),
      );
    } finally {
      catalogue.close();
    }
  });
});
