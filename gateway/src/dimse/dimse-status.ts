import type { StudyStatus } from '../domain/study-status.ts';

/**
 * The one table from our outcome codes (the error table's, common/src/errors/error-codes.ts) to the
 * status a C-STORE response carries. PS3.4 §B.2.3 (Storage statuses): Failure A7xx "Refused: Out of
 * Resources", A9xx "Error: Data Set Does Not Match SOP Class", Cxxx "Error: Cannot understand"; Warning
 * B000 "Coercion of Data Elements", B007 "Data Set Does Not Match SOP Class", B006 "Elements Discarded".
 * The low byte of A7xx, A9xx and Cxxx is implementation-specific: ours tells the refusals apart. The
 * Error Comment (0000,0902) names our code, so an administrator can grep the gateway's documentation.
 */
export const DimseStatus = Object.freeze({
  Success: 0x0000,
  /** Stored, with validator or join warnings (PS3.4 B.2.3 "Data Set does not match SOP Class", warning). */
  WarningDataSetDoesNotMatchSopClass: 0xb007,
  RefusedOutOfResources: 0xa700,
  /** The instance is larger than dimse.maxInstanceBytes. */
  RefusedInstanceTooLarge: 0xa701,
  ErrorDataSetDoesNotMatchSopClass: 0xa900,
  /** The stored study belongs to another patient (our refusal, in the A9xx range). */
  ErrorInconsistentPatient: 0xa910,
  /** The study holds this SOP Instance UID with other bytes (our refusal, in the A9xx range). */
  ErrorInstanceConflict: 0xa911,
  ErrorCannotUnderstand: 0xc000,
  ErrorCorrupt: 0xc001,
  /** PS3.7 Annex C: no accepted presentation context for the SOP Class (never sent for C-STORE here: refused in negotiation). */
  RefusedSopClassNotSupported: 0x0122,
} as const);

export type DimseStatusCode = (typeof DimseStatus)[keyof typeof DimseStatus];

/** Outcome code -> DIMSE status of the C-STORE response; codes not listed answer A700 (a failure of ours). */
export const DimseStatusOfCode: Readonly<Record<string, DimseStatusCode>> = Object.freeze({
  STORED: DimseStatus.Success,
  STUDY_INVALID: DimseStatus.ErrorDataSetDoesNotMatchSopClass,
  INCONSISTENT_PATIENT: DimseStatus.ErrorInconsistentPatient,
  INSTANCE_CONFLICT: DimseStatus.ErrorInstanceConflict,
  NOT_DICOM: DimseStatus.ErrorCannotUnderstand,
  CORRUPT_DICOM: DimseStatus.ErrorCorrupt,
  DEFLATE_BOMB: DimseStatus.ErrorCorrupt,
  DIMSE_INSTANCE_TOO_LARGE: DimseStatus.RefusedInstanceTooLarge,
  DOWNSTREAM_UNAVAILABLE: DimseStatus.RefusedOutOfResources,
  STORAGE_FAILED: DimseStatus.RefusedOutOfResources,
  STORAGE_FULL: DimseStatus.RefusedOutOfResources,
  PROCESSING_FAILED: DimseStatus.RefusedOutOfResources,
  SHUTTING_DOWN: DimseStatus.RefusedOutOfResources,
  INTERNAL: DimseStatus.RefusedOutOfResources,
});

export type DimseCategory = 'success' | 'warning' | 'failure';

export interface DimseVerdict {
  status: DimseStatusCode;
  category: DimseCategory;
  /** Our outcome code: the Error Comment (0000,0902) of a warning or a failure. */
  code: string;
  /** At most 64 characters (VR LO): what the peer logs. */
  comment: string;
}

/** The VR of Error Comment is LO: 64 characters at most (PS3.7 §E.1). */
const MAX_COMMENT = 64;

export function categoryOf(status: number): DimseCategory {
  if (status === DimseStatus.Success) return 'success';
  if ((status & 0xf000) === 0xb000) return 'warning';
  return 'failure';
}

/** The verdict for an outcome code alone (a failure before or outside the pipeline). */
export function verdictOfCode(code: string, detail?: string): DimseVerdict {
  const status = DimseStatusOfCode[code] ?? DimseStatus.RefusedOutOfResources;
  const category = categoryOf(status);
  const comment = category === 'success' ? '' : clip(detail ? `${code}: ${detail}` : code);
  return { status, category, code, comment };
}

/**
 * The verdict for an instance's delivery at its final state: stored (a duplicate too, as Orthanc
 * answers), stored with warnings (B007), or refused with the status of its outcome code; the comment
 * then names the first error finding's code, else the outcome's.
 */
export function verdictOfDelivery(status: Pick<StudyStatus, 'state' | 'outcome' | 'findings'>): DimseVerdict {
  const code = status.outcome?.code ?? 'PROCESSING_FAILED';
  if (status.state === 'stored') {
    const warnings = status.findings.warnings;
    if (warnings === 0) return verdictOfCode('STORED');
    const comment = clip(`STORED with ${warnings} warning${warnings === 1 ? '' : 's'}`);
    return { status: DimseStatus.WarningDataSetDoesNotMatchSopClass, category: 'warning', code: 'STORED', comment };
  }
  const first = status.findings.firstErrors[0];
  return verdictOfCode(code, first ? first.code : undefined);
}

function clip(text: string): string {
  // Error Comment is LO: no backslash, no control characters.
  return text.replace(/[^\x20-\x5b\x5d-\x7e]/g, ' ').slice(0, MAX_COMMENT);
}
