import { Tag, type Finding, type InstanceSummary } from '@dsv/common';
import { makeFinding } from './make-finding.ts';

/**
 * One upload is one study (PS3.3 §A.1.2.2: a study belongs to one patient; §C.7.3.1: one modality per
 * series; PS3.4: a SOP Instance UID names one instance). Only values present are compared: an absent one
 * is already a missing-attribute finding of its file.
 */
export function checkStudyStructure(instances: readonly InstanceSummary[]): Finding[] {
  const findings: Finding[] = [];
  const studies = groupBy(instances, (i) => i.StudyInstanceUID);
  if (studies.size > 1) {
    findings.push(makeFinding('mixed-study', `The upload holds ${studies.size} studies (StudyInstanceUID): ${[...studies.keys()].join(', ')}`,
      { tag: Tag.StudyInstanceUID, files: filesOf(instances, (i) => i.StudyInstanceUID !== undefined) }));
  }
  const patients = groupBy(instances, (i) => i.PatientID);
  if (patients.size > 1) {
    // The IDs themselves are patient data: the message counts them and the files say where.
    findings.push(makeFinding('inconsistent-patient', `The files name ${patients.size} different patients (PatientID)`,
      { tag: Tag.PatientID, files: filesOf(instances, (i) => i.PatientID !== undefined) }));
  }
  for (const [uid, group] of groupBy(instances, (i) => i.SOPInstanceUID)) {
    if (group.length < 2) continue;
    findings.push(makeFinding('duplicate-sop-instance', `${group.length} files have SOP Instance UID ${uid}`,
      { tag: Tag.SOPInstanceUID, files: group.map((i) => i.file) }));
  }
  for (const [uid, series] of groupBy(instances, (i) => i.SeriesInstanceUID)) {
    const modalities = groupBy(series, (i) => i.Modality);
    if (modalities.size < 2) continue;
    findings.push(makeFinding('inconsistent-modality',
      `Series ${uid} mixes the modalities ${[...modalities.keys()].join(', ')}`,
      { tag: Tag.Modality, files: series.filter((i) => i.Modality !== undefined).map((i) => i.file) }));
  }
  return findings;
}

function groupBy(instances: readonly InstanceSummary[], key: (i: InstanceSummary) => string | undefined): Map<string, InstanceSummary[]> {
  const groups = new Map<string, InstanceSummary[]>();
  for (const instance of instances) {
    const value = key(instance);
    if (value === undefined) continue;
    const group = groups.get(value);
    if (group) group.push(instance);
    else groups.set(value, [instance]);
  }
  return groups;
}

function filesOf(instances: readonly InstanceSummary[], keep: (i: InstanceSummary) => boolean): string[] {
  return instances.filter(keep).map((i) => i.file);
}
