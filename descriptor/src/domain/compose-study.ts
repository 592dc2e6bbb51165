import { AppError, ElementReader, type DescribeRequest, type Inspection } from '@dsv/common';
import type { Bundle } from 'fhir/r4.js';
import { assembleMetadata, type StudyMetadata } from './assemble-metadata.ts';
import { buildFhirBundle } from './build-fhir-bundle.ts';
import { instanceDicomJson } from './dicom-json.ts';
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

export interface DescribeFileOptions {
  /** Read the study-level sections from this file. */
  withSections: boolean;
  /**
   * Where a file of a valid study will be stored (relative to the study folder), from its SOP Instance
   * UID; null for a rejected upload, whose files get no DICOM JSON.
   */
  storedPath: ((SOPInstanceUID: string | null) => string | null) | null;
}

/**
 * What the descriptor takes from one file's header. Made while the study's call reads the file, or
 * ahead of it (prepare-description.ts) for a study of several files.
 */
export interface HeaderDescription {
  fileBytes: number;
  /** Null when the file cannot be read as DICOM at all. */
  attributes: { series: SeriesAttributes; instance: InstanceAttributes } | null;
  /** Only when asked for (`withSections`). */
  sections: StudySections | null;
  /** The instance's DICOM JSON, serialised; only with `storedPath`, and null when its UID cannot name a stored file. */
  dicomJson: Buffer | null;
}

/** Reads what `options` asks for from one header, while it is in memory. */
export function describeHeader(inspection: Inspection, options: DescribeFileOptions): HeaderDescription {
  const { parsed, fileBytes } = inspection;
  if (!parsed) return { fileBytes, attributes: null, sections: null, dicomJson: null };
  const reader = new ElementReader(parsed);
  const attributes = { series: extractSeries(reader), instance: extractInstance(reader) };
  const stored = options.storedPath ? options.storedPath(attributes.instance.SOPInstanceUID) : null;
  return {
    fileBytes,
    attributes,
    sections: options.withSections ? extractStudySections(reader) : null,
    dicomJson: stored === null ? null : Buffer.from(JSON.stringify(instanceDicomJson(reader, stored))),
  };
}

/**
 * Everything the header of a received file is needed for: read now, or taken from its description
 * made ahead, which holds the study-level sections and the DICOM JSON of the layout of a study of
 * several files (linkStagedStudy uses one only for such a study, or a rejected upload).
 */
export function describeFile(received: ReceivedFile, options: DescribeFileOptions): { described: DescribedFile; dicomJson: Buffer | null } {
  const { file, sizeBytes, sha256 } = received;
  const { attributes, sections, dicomJson } = received.prepared ?? describeHeader(received.inspection, options);
  return {
    described: { file, sizeBytes, sha256, attributes, sections: options.withSections ? sections : null },
    dicomJson: options.storedPath ? dicomJson : null,
  };
}

export interface StudyContent {
  placed: PlacedFile[];
  /** Null for a rejected upload of which no file could be read. */
  metadata: StudyMetadata | null;
  /** A valid study: the stored names in the order of metadata.json's instances, for metadata.dicom.json. */
  dicomJsonOrder: string[] | null;
  /** A valid study: fhir.json. */
  fhir: Bundle | null;
  validationLog: string;
}

/** Decides the content of a study folder: where each file goes, metadata.json, fhir.json and validation.log. */
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
  const stored = disposition === 'stored' && metadata !== null;
  return {
    placed,
    metadata,
    dicomJsonOrder: stored ? metadata.instances.map((instance) => instance.file) : null,
    fhir: stored ? buildFhirBundle(metadata) : null,
    validationLog,
  };
}
