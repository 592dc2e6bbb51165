import type { InstanceAttributes, SeriesAttributes, StudySections } from './extract-metadata.ts';
import { summariseSlices, type SliceGeometry } from './summarise-slices.ts';

/**
 * Bumped when a key of metadata.json changes meaning or disappears. 2: StudyTime, SeriesTime and
 * AcquisitionDateTime carry the file's Timezone Offset From UTC when it has one. 3: a study's folder is
 * its StudyInstanceUID (`studyId`), holding the instances of every delivery (`deliveries`, and each
 * instance's `deliveryId`), with its `state` and `updatedAt`.
 */
export const METADATA_SCHEMA_VERSION = 3;

/** One file that was read as DICOM, with where it is stored. */
export interface DescribedInstance {
  /** The gateway's stored name, e.g. '0001.dcm'. */
  file: string;
  /** Relative to the study folder, e.g. 'originals/1.2.3.dcm'. */
  path: string;
  sizeBytes: number;
  sha256: string;
  /** The delivery that brought it into its study. */
  deliveryId?: string;
  series: SeriesAttributes;
  instance: InstanceAttributes;
}

export interface MetadataInput {
  studyId: string;
  createdAt: string;
  disposition: 'stored' | 'rejected';
  /** From the first readable file. */
  sections: StudySections;
  instances: readonly DescribedInstance[];
}

export type StudyMetadata = ReturnType<typeof assembleMetadata>;

/** What ordering the instances and summarising their series needs of each (a DescribedInstance has it). */
export interface MetadataMember {
  file: string;
  sizeBytes: number;
  series: SeriesAttributes;
  instance: SliceGeometry & { InstanceNumber: number | null };
}

/** metadata.json: the study's sections, its series, its instances, and a summary of them. */
export function assembleMetadata(input: MetadataInput) {
  const { head, members } = assembleStudy(input);
  return { ...head, instances: members.map(instanceEntry) };
}

/** One instance's entry in metadata.json's `instances`. */
export function instanceEntry(member: DescribedInstance) {
  return {
    file: member.file,
    path: member.path,
    sizeBytes: member.sizeBytes,
    sha256: member.sha256,
    ...(member.deliveryId ? { deliveryId: member.deliveryId } : {}),
    SeriesInstanceUID: member.series.SeriesInstanceUID,
    ...member.instance,
  };
}

/**
 * metadata.json but for its `instances` (`head`, in the document's key order), and the members in the
 * order their entries take there: the instances of a large study need not be held whole to write it
 * (study-documents.ts keeps each entry serialised).
 */
export function assembleStudy<M extends MetadataMember>(input: Omit<MetadataInput, 'instances'> & { instances: readonly M[] }) {
  const series = groupSeries(input.instances);
  const members = series.flatMap((entry) => entry.members);
  const modalities = [...new Set(series.map((entry) => entry.attributes.Modality).filter((m): m is string => m !== null))].sort();
  const head = {
    schemaVersion: METADATA_SCHEMA_VERSION,
    studyId: input.studyId,
    createdAt: input.createdAt,
    disposition: input.disposition,
    summary: {
      modalities,
      numberOfSeries: series.length,
      numberOfInstances: members.length,
      totalBytes: members.reduce((sum, member) => sum + member.sizeBytes, 0),
    },
    ...input.sections,
    series: series.map((entry) => ({
      ...entry.attributes,
      numberOfInstances: entry.members.length,
      sizeBytes: entry.members.reduce((sum, member) => sum + member.sizeBytes, 0),
      slices: summariseSlices(entry.members.map((member) => member.instance)),
    })),
  };
  return { head, members };
}

interface SeriesGroup<M extends MetadataMember> {
  attributes: SeriesAttributes;
  members: M[];
}

/** Series in SeriesNumber order, instances in InstanceNumber order; the file name breaks ties. */
function groupSeries<M extends MetadataMember>(instances: readonly M[]): SeriesGroup<M>[] {
  const groups = new Map<string, SeriesGroup<M>>();
  for (const described of instances) {
    const key = described.series.SeriesInstanceUID ?? '';
    const group = groups.get(key) ?? { attributes: described.series, members: [] };
    group.members.push(described);
    groups.set(key, group);
  }
  const sorted = [...groups.values()].sort(
    (a, b) =>
      compareNullable(a.attributes.SeriesNumber, b.attributes.SeriesNumber) ||
      (a.attributes.SeriesInstanceUID ?? '').localeCompare(b.attributes.SeriesInstanceUID ?? ''),
  );
  for (const group of sorted) {
    group.members.sort((a, b) => compareNullable(a.instance.InstanceNumber, b.instance.InstanceNumber) || a.file.localeCompare(b.file));
  }
  return sorted;
}

/** Numbers ascending, absent ones last. */
function compareNullable(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}
