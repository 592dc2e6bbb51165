import { mkdirSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';

export type Disposition = 'stored' | 'rejected';

/** The names inside a study folder. */
export const StudyLayout = Object.freeze({
  /** A study of one file. */
  original: 'original.dcm',
  /** A study of several files: `originals/<SOPInstanceUID>.dcm`. */
  originals: 'originals',
  /** A rejected upload keeps the gateway's names: `files/<stored name>`. */
  files: 'files',
  metadata: 'metadata.json',
  /** A valid study: the DICOM JSON Model of every instance (PS3.18 Annex F), as DICOMweb's /metadata. */
  dicomJson: 'metadata.dicom.json',
  /** A valid study: a FHIR R4 transaction Bundle of its Patient and ImagingStudy. */
  fhir: 'fhir.json',
  validationLog: 'validation.log',
});

/**
 * Studies are assembled in `<root>/.incoming/<id>.<random>/`, on the file system of their final folder,
 * so that one rename publishes them. A dot folder: never listed as a study.
 */
export const INCOMING = '.incoming';

export interface StudyRoots {
  studiesDir: string;
  rejectedDir: string;
}

export function rootFor(roots: StudyRoots, disposition: Disposition): string {
  return disposition === 'stored' ? roots.studiesDir : roots.rejectedDir;
}

/**
 * A new, empty assembly folder for one request. `.incoming/` is made only when it is missing (at the
 * first study after a start): one system call per study, not three.
 */
export async function createIncomingDir(root: string, studyId: string): Promise<string> {
  const prefix = path.join(root, INCOMING, `${studyId}.`);
  // Synchronous: a metadata call, cheaper than a thread-pool round trip (common's durable-fd.ts).
  try {
    return mkdtempSync(prefix);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(path.join(root, INCOMING), { recursive: true });
  return mkdtempSync(prefix);
}

/** At start-up: whatever a crash left half-assembled was never visible as a study, and goes. */
export async function clearIncoming(root: string): Promise<void> {
  await rm(path.join(root, INCOMING), { recursive: true, force: true });
}

/** A path as the user sees it from the working directory: relative inside it, absolute outside. */
export function displayPath(absolute: string): string {
  const relative = path.relative(process.cwd(), absolute);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return absolute;
  return relative.split(path.sep).join('/');
}
