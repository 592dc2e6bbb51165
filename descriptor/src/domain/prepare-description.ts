import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { ElementReader, inspectFd, type InspectOptions, type Inspection } from '@dsv/common';
import { fileIdentity, type PreparedFiles } from './prepared-files.ts';
import { instanceDicomJson } from './dicom-json.ts';
import { extractInstance, extractSeries, extractStudySections, type InstanceAttributes, type SeriesAttributes, type StudySections } from './extract-metadata.ts';
import { storedPath } from './plan-layout.ts';

/**
 * Everything the descriptor takes from one file's header, for a file of a study of several files: its
 * DICOM JSON names it `originals/<UID>.dcm`, where a valid study of several files stores it. (A study of
 * one file, `original.dcm`, never has a file prepared: its only file is the last of its upload.)
 */
export interface HeaderDescription {
  fileBytes: number;
  /** Null when the file cannot be read as DICOM at all. */
  attributes: { series: SeriesAttributes; instance: InstanceAttributes } | null;
  sections: StudySections | null;
  /** The instance's DICOM JSON, serialised; null when its UID cannot name a stored file. */
  dicomJson: Buffer | null;
}

/** Files in a study of this many are stored by UID: the layout a prepared description assumes. */
export const PREPARED_LAYOUT_FILES = 2;

/** Reads one header and describes it for a study of several files. */
export function describeHeader(inspection: Inspection): HeaderDescription {
  const { parsed } = inspection;
  if (!parsed) return { fileBytes: inspection.fileBytes, attributes: null, sections: null, dicomJson: null };
  const reader = new ElementReader(parsed);
  const attributes = { series: extractSeries(reader), instance: extractInstance(reader) };
  const stored = storedPath(PREPARED_LAYOUT_FILES, attributes.instance.SOPInstanceUID);
  return {
    fileBytes: inspection.fileBytes,
    attributes,
    sections: extractStudySections(reader),
    dicomJson: stored === null ? null : Buffer.from(JSON.stringify(instanceDicomJson(reader, stored))),
  };
}

/**
 * POST /v1/studies/prepare, one file: reads its header ahead of its study's describe call and keeps the
 * description, under the identity the file had before it was read.
 */
export async function prepareDescription(
  studyId: string,
  file: string,
  filePath: string,
  options: InspectOptions,
  prepared: PreparedFiles<HeaderDescription>,
): Promise<boolean> {
  // O_NOFOLLOW: a staged file is a file the gateway wrote, never a link planted to read something else.
  const fd = openSync(filePath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NOATIME);
  try {
    const identity = fileIdentity(fstatSync(fd));
    prepared.put(studyId, file, identity, describeHeader(await inspectFd(fd, options)));
    return true;
  } finally {
    closeSync(fd);
  }
}
