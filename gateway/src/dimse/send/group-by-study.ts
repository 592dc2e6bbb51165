import type { DicomFile } from './find-dicom-files.ts';

/** The files of one study, sent on one association. */
export interface StudyBatch {
  StudyInstanceUID: string;
  files: DicomFile[];
}

/** One abstract syntax and the transfer syntaxes its files are in: a presentation context to propose. */
export interface NeededContext {
  sopClassUid: string;
  transferSyntaxUids: string[];
}

/** Files grouped by StudyInstanceUID, studies in the order their first file was found, files in found order. */
export function groupByStudy(files: readonly DicomFile[]): StudyBatch[] {
  const studies = new Map<string, StudyBatch>();
  for (const file of files) {
    let batch = studies.get(file.StudyInstanceUID);
    if (!batch) {
      batch = { StudyInstanceUID: file.StudyInstanceUID, files: [] };
      studies.set(file.StudyInstanceUID, batch);
    }
    batch.files.push(file);
  }
  return [...studies.values()];
}

/** The presentation contexts a study's files need: per SOP class, the transfer syntaxes they are in. */
export function neededContexts(files: readonly DicomFile[]): NeededContext[] {
  const bySopClass = new Map<string, Set<string>>();
  for (const file of files) {
    const syntaxes = bySopClass.get(file.SOPClassUID) ?? new Set<string>();
    syntaxes.add(file.TransferSyntaxUID);
    bySopClass.set(file.SOPClassUID, syntaxes);
  }
  return [...bySopClass].map(([sopClassUid, syntaxes]) => ({ sopClassUid, transferSyntaxUids: [...syntaxes] }));
}
