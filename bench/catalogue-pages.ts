/**
 * `npm run bench:catalogue -- [--studies N]`: how long GET /studies takes for one page when the catalogue
 * holds N studies (default 100,000). The catalogue is filled directly (one instance per study, no files),
 * then the descriptor's own app answers over HTTP on 127.0.0.1: the first page, pages deep into the list
 * by cursor, and the filters (PatientID, StudyDate range, ModalitiesInStudy, state). Prints the median and
 * the slowest of each, in milliseconds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, EventBus, newStudyId, type DescribeResult } from '@dsv/common';
import { createApp, openArchive } from '../descriptor/src/app.ts';
import type { StudySections } from '../descriptor/src/domain/metadata/extract-metadata.ts';
import { testDescriptorConfig } from '../descriptor/test/support/descriptor-app.ts';
import { formatTable } from './report.ts';

const MODALITIES = ['CT', 'MR', 'CR', 'DX', 'US', 'PT'];
const REPEAT = 20;

function sections(i: number): StudySections {
  const date = `${2000 + (i % 25)}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
  return {
    patient: { PatientID: `P${i % 20_000}` },
    study: { StudyInstanceUID: `2.25.${i + 1}`, StudyDate: date, AccessionNumber: `A${i}` },
    equipment: {},
    institution: {},
    exposure: {},
  } as unknown as StudySections;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { studies: { type: 'string', default: '100000' } } });
  const count = Number(values.studies);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsv-bench-catalogue-'));
  const config = testDescriptorConfig(dir);
  const { catalogue, documents } = openArchive(config);
  try {
    const filling = performance.now();
    catalogue.transaction(() => {
      for (let i = 0; i < count; i++) {
        const uid = `2.25.${i + 1}`;
        const deliveryId = newStudyId();
        const study = sections(i);
        const modality = MODALITIES[i % MODALITIES.length]!;
        const result = { studyId: deliveryId } as DescribeResult;
        catalogue.joinStudy(
          uid,
          {
            deliveryId,
            receivedAt: '2026-01-01T00:00:00.000Z',
            describedAt: '2026-01-01T00:00:00.000Z',
            sections: study,
            series: [{ SeriesInstanceUID: `${uid}.1`, attributes: { Modality: modality } as never }],
            added: [
              {
                SOPInstanceUID: `${uid}.1.1`,
                StudyInstanceUID: uid,
                SeriesInstanceUID: `${uid}.1`,
                deliveryId,
                file: '0001.dcm',
                path: 'original.dcm',
                sizeBytes: 10_000,
                sha256: '0'.repeat(64),
                transferSyntax: '1.2.840.10008.1.2.1',
                attributes: {} as never,
                summary: { file: '0001.dcm', sizeBytes: 10_000, readable: true },
              },
            ],
            moved: [],
            result,
            log: '',
          },
          {
            StudyInstanceUID: uid,
            PatientID: study.patient.PatientID,
            StudyDate: study.study.StudyDate,
            AccessionNumber: study.study.AccessionNumber,
            modalities: [modality],
            numberOfSeries: 1,
            numberOfInstances: 1,
            totalBytes: 10_000,
          },
        );
      }
    });
    console.log(`${count} studies in the catalogue in ${Math.round(performance.now() - filling)} ms`);

    const app = createApp({ config, logger: createLogger('descriptor', 'silent'), events: new EventBus(), catalogue, documents });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const time = async (query: string): Promise<{ ms: number; body: { studies: unknown[]; nextCursor: string | null } }> => {
      const started = performance.now();
      const response = await fetch(`${base}/studies${query}`);
      const body = (await response.json()) as { studies: unknown[]; nextCursor: string | null };
      if (!response.ok) throw new Error(`${query}: ${response.status} ${JSON.stringify(body)}`);
      return { ms: performance.now() - started, body };
    };
    // A cursor deep in the list: walk there once with the largest pages.
    let cursor: string | null = null;
    for (let walked = 0; walked < count / 2; walked += 500)
      cursor = (await time(`?limit=500${cursor ? `&cursor=${cursor}` : ''}`)).body.nextCursor;
    const cases: [string, string][] = [
      ['first page (50)', ''],
      ['page of 500', '?limit=500'],
      ['page halfway down, by cursor', `?cursor=${cursor}`],
      ['PatientID', '?PatientID=P12345'],
      ['StudyDate range', '?StudyDate=20100101-20100331'],
      ['ModalitiesInStudy', '?ModalitiesInStudy=PT'],
      ['state=stable (none)', '?state=stable'],
    ];
    const rows: string[][] = [];
    for (const [name, query] of cases) {
      const runs: number[] = [];
      let found = 0;
      for (let i = 0; i < REPEAT; i++) {
        const { ms, body } = await time(query);
        runs.push(ms);
        found = body.studies.length;
      }
      runs.sort((a, b) => a - b);
      rows.push([name, String(found), runs[Math.floor(runs.length / 2)]!.toFixed(1), runs.at(-1)!.toFixed(1)]);
    }
    server.close();
    console.log(formatTable(['GET /studies', 'studies answered', 'median ms', 'slowest ms'], rows));
  } finally {
    catalogue.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
