import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from '@dsv/common';
import { corpusPath } from '../../../test/support/corpus.ts';
import { asUpload, describeRequest, invalidReport } from './describe-request.ts';
import { newStudyId, postStudy, type TestDescriptor } from './descriptor-app.ts';

export interface StoredStudy {
  /** The delivery's id. */
  id: string;
  /** The DICOM study it joined (the name of its folder and its key in GET /studies); null when rejected. */
  uid: string | null;
  /** The corpus files, in upload order (0001.dcm, 0002.dcm, ...). */
  sources: string[];
}

/** The files of a corpus entry: the file itself, or the .dcm files of a folder, sorted. */
export function corpusFiles(relative: string): string[] {
  const full = corpusPath(relative);
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full)
    .filter((name) => name.endsWith('.dcm'))
    .sort()
    .map((name) => path.join(full, name));
}

/** Stores a corpus entry through the descriptor's own POST route, as the gateway would. */
export async function storeCorpusStudy(descriptor: TestDescriptor, relative: string): Promise<StoredStudy> {
  const sources = corpusFiles(relative);
  const id = newStudyId();
  const files = asUpload(sources);
  const response = await postStudy(descriptor.app, describeRequest(id, files), files);
  if (response.status !== 201 || response.body.disposition !== 'stored')
    throw new Error(`storing ${relative} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return { id, uid: response.body.study.StudyInstanceUID as string, sources };
}

/** Rejects corpus files through the POST route, with one error finding per file. */
export async function rejectCorpusFiles(descriptor: TestDescriptor, relatives: string[]): Promise<StoredStudy> {
  const sources = relatives.map(corpusPath);
  const id = newStudyId();
  const files = asUpload(sources);
  const errors: Finding[] = files.map(({ file }) => ({ severity: 'error', code: 'not-dicom', message: 'refused for the test', file }));
  const response = await postStudy(descriptor.app, describeRequest(id, files, invalidReport(id, errors)), files);
  if (response.status !== 201)
    throw new Error(`rejecting ${relatives.join(', ')} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return { id, uid: null, sources };
}
