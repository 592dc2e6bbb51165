import { formatTag, Tag, type Finding, type InstanceConflict, type Join, type Refusal } from '@dsv/common';
import type { StoredInstance } from '../../data/catalogue.ts';
import type { StudySections } from '../metadata/extract-metadata.ts';

/** A file of a valid delivery, as the join needs it. */
export interface DeliveredInstance {
  file: string;
  SOPInstanceUID: string;
  sha256: string;
  transferSyntax: string | null;
}

/** What to do with an instance stored before in another transfer syntax (storage.onReencoded). */
export type OnReencoded = 'keep-first' | 'refuse';

export interface JudgeInput {
  delivered: readonly DeliveredInstance[];
  /** The catalogue's instances with the delivered SOP Instance UIDs, in any study. */
  stored: ReadonlyMap<string, StoredInstance>;
  /** The stored study's patient, null for a new study. */
  storedPatient: StudySections['patient'] | null;
  deliveredPatient: StudySections['patient'];
  onReencoded: OnReencoded;
}

export interface Judgement {
  /** Set when the study refuses the delivery; then nothing of it is stored. */
  refusal: Refusal | null;
  /** The files to add to the study. */
  added: DeliveredInstance[];
  join: Join;
  /** Findings of the join: errors when refused, warnings otherwise. */
  findings: Finding[];
}

/**
 * Judges a valid delivery against what the archive holds (all or nothing, PS3.3 §A.1.2.2: one study, one
 * patient; PS3.4 §B.4.1.3: a SOP Instance UID names one object). An instance stored before with the same
 * bytes is a duplicate, stored once; with other bytes in the same transfer syntax it is a second version
 * of one object, and the delivery is refused whatever order the versions came in; in another transfer
 * syntax it is the same object encoded otherwise: the first stays (or, with 'refuse', it is a conflict).
 * A PatientID other than the stored study's refuses the delivery; another name or birth date warns.
 */
export function judgeDelivery(input: JudgeInput): Judgement {
  const findings: Finding[] = [];
  const conflicts: InstanceConflict[] = [];
  const join: Join = { added: 0, duplicates: [], reencoded: [] };
  const added: DeliveredInstance[] = [];
  for (const instance of input.delivered) {
    const stored = input.stored.get(instance.SOPInstanceUID);
    if (!stored) {
      added.push(instance);
      continue;
    }
    if (stored.sha256 === instance.sha256) {
      join.duplicates.push(instance.SOPInstanceUID);
      continue;
    }
    const reencoded =
      stored.transferSyntax !== null && instance.transferSyntax !== null && stored.transferSyntax !== instance.transferSyntax;
    if (reencoded && input.onReencoded === 'keep-first') {
      join.reencoded.push({
        SOPInstanceUID: instance.SOPInstanceUID,
        storedTransferSyntax: stored.transferSyntax!,
        deliveredTransferSyntax: instance.transferSyntax!,
      });
      findings.push(
        instanceFinding(
          'warning',
          'sop-instance-reencoded',
          instance,
          `SOP Instance UID ${instance.SOPInstanceUID} is stored in transfer syntax ${stored.transferSyntax} (delivery ${stored.deliveryId}); this copy in ${instance.transferSyntax} is not stored`,
        ),
      );
      continue;
    }
    conflicts.push({ file: instance.file, SOPInstanceUID: instance.SOPInstanceUID, heldBy: stored.deliveryId });
    findings.push(
      instanceFinding(
        'error',
        'sop-instance-conflict',
        instance,
        `SOP Instance UID ${instance.SOPInstanceUID} is stored with other bytes (delivery ${stored.deliveryId}, study ${stored.StudyInstanceUID})`,
      ),
    );
  }
  const patient = comparePatient(input.storedPatient, input.deliveredPatient);
  findings.push(...patient.findings);
  if (patient.differentId) {
    return {
      refusal: {
        code: 'INCONSISTENT_PATIENT',
        message: 'The stored study with this StudyInstanceUID belongs to another patient (PatientID)',
      },
      added: [],
      join: emptyJoin(),
      findings: findings.filter((f) => f.severity === 'error'),
    };
  }
  if (conflicts.length > 0) {
    return {
      refusal: {
        code: 'INSTANCE_CONFLICT',
        message: `${conflicts.length} instance(s) of the delivery are already stored with other content under the same SOP Instance UID`,
        conflicts,
      },
      added: [],
      join: emptyJoin(),
      findings: findings.filter((f) => f.severity === 'error'),
    };
  }
  join.added = added.length;
  return { refusal: null, added, join, findings };
}

function emptyJoin(): Join {
  return { added: 0, duplicates: [], reencoded: [] };
}

function instanceFinding(severity: Finding['severity'], code: string, instance: DeliveredInstance, message: string): Finding {
  return { severity, code, message, file: instance.file, tag: formatTag(Tag.SOPInstanceUID), keyword: 'SOPInstanceUID' };
}

/**
 * PS3.5 §6.2: values may carry padding. The values themselves are patient data: messages name the attribute, never its value.
 */
function comparePatient(
  stored: StudySections['patient'] | null,
  delivered: StudySections['patient'],
): { differentId: boolean; findings: Finding[] } {
  if (stored === null) return { differentId: false, findings: [] };
  const findings: Finding[] = [];
  const differentId = normalise(stored.PatientID) !== normalise(delivered.PatientID);
  if (differentId) {
    findings.push({
      severity: 'error',
      code: 'study-patient-mismatch',
      message: 'The delivery names another PatientID than the stored study',
      tag: formatTag(Tag.PatientID),
      keyword: 'PatientID',
    });
  }
  for (const keyword of ['PatientName', 'PatientBirthDate'] as const) {
    if (normalise(stored[keyword]) === normalise(delivered[keyword])) continue;
    findings.push({
      severity: 'warning',
      code: 'study-patient-details-differ',
      message: `The delivery's ${keyword} differs from the stored study's; the stored one is kept`,
      tag: formatTag(Tag[keyword]),
      keyword,
    });
  }
  return { differentId, findings };
}

/** Texts compared without padding; a parsed name or date (already split and trimmed) as a whole. */
function normalise(value: unknown): string {
  return typeof value === 'string' ? value.trim() : JSON.stringify(value ?? null);
}
