import { ElementReader, type DescribeRequest } from '@dsv/common';
import { assembleMetadata, type StudyMetadata } from '../metadata/assemble-metadata.ts';
import {
  extractInstance,
  extractSeries,
  extractStudySections,
  type InstanceAttributes,
  type SeriesAttributes,
  type StudySections,
} from '../metadata/extract-metadata.ts';
import { formatValidationLog } from '../study/format-validation-log.ts';
import { receivedPath } from './plan-layout.ts';
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
}

/** Everything the header of a received file is needed for, read while it is in memory. */
export function describeFile(received: ReceivedFile, options: DescribeFileOptions): DescribedFile {
  const { file, sizeBytes, sha256 } = received;
  const { parsed } = received.inspection;
  if (!parsed) return { file, sizeBytes, sha256, attributes: null, sections: null };
  const reader = new ElementReader(parsed);
  return {
    file,
    sizeBytes,
    sha256,
    attributes: { series: extractSeries(reader), instance: extractInstance(reader) },
    sections: options.withSections ? extractStudySections(reader) : null,
  };
}

export interface RejectedContent {
  /** Each file under its stored name: `files/<name>`. */
  placed: { file: string; path: string }[];
  /** Null when no file could be read. */
  metadata: StudyMetadata | null;
  validationLog: string;
}

/**
 * Decides the content of a rejected delivery's folder: its files under their stored names (whatever
 * their UIDs say), metadata.json of what could be read, validation.log.
 */
export function composeRejected(request: DescribeRequest, files: readonly DescribedFile[], createdAt: string): RejectedContent {
  const { studyId } = request;
  const placed = files.map(({ file }) => ({ file, path: receivedPath('rejected', files.length, file) }));
  const sections = files.find((file) => file.sections !== null)?.sections ?? null;
  const metadata =
    sections === null
      ? null
      : assembleMetadata({
          studyId,
          createdAt,
          disposition: 'rejected',
          sections,
          instances: files.flatMap(({ file, sizeBytes, sha256, attributes }) =>
            attributes ? [{ file, path: receivedPath('rejected', files.length, file), sizeBytes, sha256, ...attributes }] : [],
          ),
        });
  return {
    placed,
    metadata,
    validationLog: formatValidationLog({ studyId, createdAt, disposition: 'rejected', report: request.report, files: request.files }),
  };
}
