import { AppError, ElementReader, type DescribeRequest } from '@dsv/common';
import { assembleMetadata, type StudyMetadata } from './assemble-metadata.ts';
import { extractInstance, extractSeries, extractStudySections, type InstanceAttributes, type SeriesAttributes, type StudySections } from './extract-metadata.ts';
import { formatValidationLog } from './format-validation-log.ts';
import { planLayout, type PlacedFile } from './plan-layout.ts';
import type { ReceivedFile } from './receive-file.ts';

/** What is kept of a received file once its header has been read: no bytes, no header. */
export interface DescribedFile {
  file: string;
  sizeBytes: number;
  sha256: string;
  /** Null when the file could not be read as DICOM at all. */
  attributes: { series: SeriesAttributes; instance: InstanceAttributes } | null;
  /** The study-level sections, read from this file only when it is the first readable one. */
  sections: StudySections | null;
}

export function describeFile(received: ReceivedFile, withSections: boolean): DescribedFile {
  const { parsed } = received.inspection;
  const reader = parsed ? new ElementReader(parsed) : null;
  return {
    file: received.file,
    sizeBytes: received.sizeBytes,
    sha256: received.sha256,
    attributes: reader ? { series: extractSeries(reader), instance: extractInstance(reader) } : null,
    sections: reader && withSections ? extractStudySections(reader) : null,
  };
}

export interface StudyContent {
  placed: PlacedFile[];
  /** Null for a rejected upload of which no file could be read. */
  metadata: StudyMetadata | null;
  validationLog: string;
}

/** Decides the content of a study folder: where each file goes, metadata.json and validation.log. */
export function composeStudy(request: DescribeRequest, files: readonly DescribedFile[], createdAt: string): StudyContent {
  const { studyId, disposition } = request;
  if (disposition === 'stored') {
    const unreadable = files.find((file) => file.attributes === null);
    if (unreadable) throw new AppError('REQUEST_INVALID', 'A file of a valid study cannot be read as DICOM', { file: unreadable.file });
  }
  const placed = planLayout(disposition, files.map((file) => ({ file: file.file, SOPInstanceUID: file.attributes?.instance.SOPInstanceUID ?? null })));
  const pathOf = new Map(placed.map((entry) => [entry.file, entry.path]));
  const sections = files.find((file) => file.sections !== null)?.sections ?? null;
  const metadata = sections === null ? null : assembleMetadata({
    studyId,
    createdAt,
    disposition,
    sections,
    instances: files.flatMap(({ file, sizeBytes, sha256, attributes }) =>
      attributes ? [{ file, path: pathOf.get(file)!, sizeBytes, sha256, ...attributes }] : []),
  });
  const validationLog = formatValidationLog({ studyId, createdAt, disposition, report: request.report, files: request.files });
  return { placed, metadata, validationLog };
}
