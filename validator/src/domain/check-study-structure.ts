import { Tag, type Finding, type InstanceSummary } from '@dsv/common';
import { makeFinding } from './make-finding.ts';
import { checkInstanceNumbers } from './study/check-instance-numbers.ts';
import { checkSliceSpacing } from './study/check-slice-spacing.ts';
import { describeSeries, groupBy } from './study/group-instances.ts';

/** The attributes that say who the patient is (Patient Module, PS3.3 §C.7.1.1); one study, one patient. */
const IDENTITY = ['PatientID', 'PatientName', 'PatientBirthDate', 'PatientSex'] as const;

/**
 * One upload is one study (PS3.3 §A.1.2.2: a study belongs to one patient; §C.7.3.1: one modality per
 * series; §C.7.4.1: a series in one Frame of Reference; PS3.4: a SOP Instance UID names one instance),
 * and each series is whole: Instance Numbers without repeats or gaps, slices evenly spaced. Only values
 * present are compared: an absent one is already a missing-attribute finding of its file.
 */
export function checkStudyStructure(instances: readonly InstanceSummary[]): Finding[] {
  const findings: Finding[] = [];
  const studies = groupBy(instances, (i) => i.StudyInstanceUID);
  if (studies.size > 1) {
    findings.push(
      makeFinding('mixed-study', `The upload holds ${studies.size} studies (StudyInstanceUID): ${[...studies.keys()].join(', ')}`, {
        tag: Tag.StudyInstanceUID,
        files: filesOf(instances, (i) => i.StudyInstanceUID !== undefined),
      }),
    );
  }
  for (const keyword of IDENTITY) {
    const values = groupBy(instances, (i) => normalise(keyword, i[keyword]));
    if (values.size < 2) continue;
    // The values themselves are patient data, which logs must not carry: the message counts them and the files say where.
    findings.push(
      makeFinding('inconsistent-patient', `The files name ${values.size} different patients (${keyword})`, {
        tag: Tag[keyword],
        files: filesOf(instances, (i) => i[keyword] !== undefined),
      }),
    );
  }
  for (const [uid, group] of groupBy(instances, (i) => i.SOPInstanceUID)) {
    if (group.length < 2) continue;
    findings.push(
      makeFinding('duplicate-sop-instance', `${group.length} files have SOP Instance UID ${uid}`, {
        tag: Tag.SOPInstanceUID,
        files: group.map((i) => i.file),
      }),
    );
  }
  for (const [uid, series] of groupBy(instances, (i) => i.SeriesInstanceUID)) {
    findings.push(...checkSeries(uid, series));
  }
  return findings;
}

function checkSeries(uid: string, series: readonly InstanceSummary[]): Finding[] {
  const findings: Finding[] = [];
  const modalities = groupBy(series, (i) => i.Modality);
  if (modalities.size > 1) {
    findings.push(
      makeFinding('inconsistent-modality', `Series ${uid} mixes the modalities ${[...modalities.keys()].join(', ')}`, {
        tag: Tag.Modality,
        files: filesOf(series, (i) => i.Modality !== undefined),
      }),
    );
  }
  const frames = groupBy(series, (i) => i.FrameOfReferenceUID);
  if (frames.size > 1) {
    findings.push(
      makeFinding(
        'inconsistent-frame-of-reference',
        `${describeSeries(uid, series)} names ${frames.size} Frames of Reference (${[...frames.keys()].join(', ')}): its positions cannot be compared`,
        { tag: Tag.FrameOfReferenceUID, files: filesOf(series, (i) => i.FrameOfReferenceUID !== undefined) },
      ),
    );
  }
  findings.push(...checkInstanceNumbers(uid, series), ...checkSliceSpacing(uid, series));
  return findings;
}

/**
 * PS3.5 §6.2: a person name may leave out trailing empty components and groups, and every value may
 * carry padding; 'DOE^JOHN' and 'DOE^JOHN^^' are one name.
 */
function normalise(keyword: (typeof IDENTITY)[number], value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return keyword === 'PatientName'
    ? trimmed
        .split('=')
        .map((group) => group.replace(/\^+$/, ''))
        .join('=')
        .replace(/=+$/, '')
    : trimmed;
}

function filesOf(instances: readonly InstanceSummary[], keep: (i: InstanceSummary) => boolean): string[] {
  return instances.filter(keep).map((i) => i.file);
}
