/**
 * Every finding the validator can report: a finding is the validator's answer about a file or a study,
 * not a failure of the service. Codes are stable and kebab-case, the same vocabulary as the corpus
 * manifest's reasons. The category decides the outcome: format and integrity problems make the upload
 * 400 (not DICOM, or damaged); conformance and structure problems make it 422.
 */
export type FindingCategory = 'format' | 'integrity' | 'conformance' | 'structure';
export type Severity = 'error' | 'warning';

interface FindingCodeInfo {
  category: FindingCategory;
  severity: Severity;
  meaning: string;
  example: string;
}

function code(category: FindingCategory, severity: Severity, meaning: string, example: string): FindingCodeInfo {
  return { category, severity, meaning, example };
}

export const FindingCodes = {
  'not-dicom': code('format', 'error', 'The file is not DICOM: no DICM prefix and no data set', 'a PNG renamed to .dcm'),
  'empty-file': code('format', 'error', 'The file has no bytes', 'a zero-byte upload'),
  'no-preamble': code(
    'format',
    'error',
    'The file starts with a data set instead of the 128-byte preamble (PS3.10 §7.1)',
    'a raw data set written without Part 10 framing',
  ),
  'no-dicm-magic': code('format', 'error', "The four bytes after the preamble are not 'DICM' (PS3.10 §7.1)", "'DICN' at offset 128"),
  'no-file-meta': code('format', 'error', 'The file has no File Meta Information group (0002,xxxx)', 'a data set without a meta header'),
  'meta-missing-transfer-syntax': code(
    'format',
    'error',
    'The file meta has no Transfer Syntax UID (0002,0010)',
    'a meta header without (0002,0010)',
  ),
  'meta-missing-sop-class': code('format', 'error', 'The file meta has no Media Storage SOP Class UID (0002,0002)', ''),
  'meta-missing-sop-instance': code('format', 'error', 'The file meta has no Media Storage SOP Instance UID (0002,0003)', ''),
  'meta-sop-instance-mismatch': code(
    'format',
    'error',
    "The file meta's Media Storage SOP Instance UID differs from the data set's SOP Instance UID",
    '',
  ),
  'meta-sop-class-mismatch': code(
    'format',
    'error',
    "The file meta's Media Storage SOP Class UID differs from the data set's SOP Class UID",
    '',
  ),
  'media-storage-directory': code(
    'format',
    'error',
    'The file is a Media Storage Directory (DICOMDIR, PS3.10 §8): an index of a file-set, not a composite instance; it is refused without IOD findings',
    'a DICOMDIR uploaded with the images it lists',
  ),
  'unknown-transfer-syntax': code(
    'format',
    'warning',
    'The Transfer Syntax UID is not one this validator knows; the data set was read as explicit VR little endian',
    '',
  ),
  'deflate-bomb': code('format', 'error', 'The deflated data set inflates past the configured limit', 'a few kB that inflate to gigabytes'),
  'inflate-failed': code('integrity', 'error', 'The deflated data set cannot be inflated', ''),
  truncated: code('integrity', 'error', 'The file ends before the end of an element', 'a file cut in the middle of Pixel Data'),
  'length-past-eof': code(
    'integrity',
    'error',
    "An element's declared length runs past the end of the file",
    'Pixel Data declaring 4 KiB more than the file holds',
  ),
  'huge-length': code(
    'integrity',
    'error',
    'An element declares an implausible length (2 GiB or more)',
    'a private UN element declaring FFFFFFF0H bytes',
  ),
  'pixel-length-mismatch': code(
    'integrity',
    'error',
    'Native Pixel Data length differs from Rows × Columns × Samples per Pixel × Bits Allocated / 8 × Number of Frames',
    '',
  ),
  'encapsulation-broken': code(
    'integrity',
    'error',
    'The items of encapsulated Pixel Data are malformed (PS3.5 §A.4)',
    'a fragment with an odd length',
  ),
  'header-too-large': code('integrity', 'error', 'The header before Pixel Data is larger than the configured limit', ''),
  'odd-length': code(
    'integrity',
    'error',
    'An element declares an odd value length; every value length is even (PS3.5 §7.1.1)',
    'a 3-byte LO value, or Pixel Data of 4097 bytes',
  ),
  'tag-order': code(
    'integrity',
    'error',
    'The data elements of a data set or item are not in ascending tag order (PS3.5 §7.1)',
    '(0008,0030) before (0008,0016)',
  ),
  'stray-delimiter': code(
    'integrity',
    'error',
    'A Sequence or Item Delimitation Item stands among the data elements, closing nothing (PS3.5 §7.5)',
    '(FFFE,E0DD) at data-set level',
  ),
  unparseable: code('integrity', 'error', 'The data set cannot be parsed', ''),
  'missing-type1': code('conformance', 'error', 'A required (Type 1) attribute is absent', 'no StudyInstanceUID'),
  'empty-type1': code('conformance', 'error', 'A required (Type 1) attribute is present but empty', 'an empty Modality'),
  'missing-type2': code('conformance', 'error', 'A Type 2 attribute (which may be empty) is absent', 'no PatientID element'),
  'missing-type1c': code(
    'conformance',
    'error',
    "A Type 1C attribute is absent although its condition holds (the IOD table's ones take iod.severity)",
    'no PlanarConfiguration with SamplesPerPixel 3',
  ),
  'missing-type2c': code(
    'conformance',
    'warning',
    'A Type 2C attribute is absent although its condition holds (takes iod.severity)',
    'no Laterality where BodyPartExamined is a paired part',
  ),
  'iod-rule': code(
    'conformance',
    'error',
    "A rule of the IOD tables that is no attribute Type (dciodvfy's own, e.g. 'Not permitted to be negative'), with its message; takes iod.severity",
    'an empty AnatomicRegionSequence beside a BodyPartExamined',
  ),
  'unknown-sop-class': code(
    'conformance',
    'warning',
    'The SOP Class is not in the IOD table: only the generic checks ran',
    'an Ophthalmic Tomography image',
  ),
  'inconsistent-pixel-attributes': code(
    'conformance',
    'error',
    'The Image Pixel attributes contradict each other (PS3.3 §C.7.6.3, PS3.5 §8)',
    'BitsStored 16 with BitsAllocated 8',
  ),
  'bad-vr': code('conformance', 'error', 'A value breaks the rules of its value representation (PS3.5 §6.2)', "StudyDate '2023-13-45'"),
  'nul-padding': code(
    'conformance',
    'warning',
    'A text value ends in NUL (00H) bytes where PS3.5 §6.2 pads with one SPACE; every reader strips them (an error where the value is nothing but padding: bad-vr)',
    "PatientName 'DOE^JOHN\\0'",
  ),
  'bad-vm': code(
    'conformance',
    'error',
    'An element holds more or fewer values than the dictionary allows (PS3.5 §6.4)',
    'ImagePositionPatient with 2 values',
  ),
  'bad-enum': code(
    'conformance',
    'error',
    'A value is not one of the Enumerated Values the standard gives it in the IOD of the file (PS3.3 §5.3; IOD table findings take iod.severity)',
    "ImageType value 1 'PRIMARY' in a CT Image (ORIGINAL or DERIVED)",
  ),
  'unknown-defined-term': code(
    'conformance',
    'warning',
    'A value is not one of the Defined Terms the standard lists for it; Defined Terms may be extended (PS3.3 §5.3)',
    "ConversionType 'SCAN' in a Secondary Capture Image",
  ),
  'path-traversal': code(
    'conformance',
    'error',
    'A UID holds path characters; it would never be used as a path, but a PACS should not store it',
    "StudyInstanceUID '../../etc'",
  ),
  'duplicate-sop-instance': code('structure', 'error', 'Two files of the upload have the same SOP Instance UID', ''),
  'mixed-study': code('structure', 'error', 'The files of one upload belong to more than one study (StudyInstanceUID)', ''),
  'inconsistent-patient': code(
    'structure',
    'error',
    'The files of one study name different patients (PatientID, PatientName, PatientBirthDate or PatientSex)',
    '',
  ),
  'inconsistent-modality': code('structure', 'error', 'The files of one series have different Modality values', ''),
  'inconsistent-frame-of-reference': code('structure', 'error', 'The files of one series name more than one Frame of Reference UID', ''),
  'duplicate-instance-number': code('structure', 'warning', 'Two files of one series have the same Instance Number', ''),
  'instance-number-gap': code(
    'structure',
    'warning',
    'The Instance Numbers of a series skip values: files may be missing',
    'instances 1-9 and 11-20',
  ),
  'uneven-slice-spacing': code(
    'structure',
    'warning',
    'The slices of a series are not evenly spaced along their normal: a slice may be missing',
    'spacing 2.5 mm except one 5.0 mm step',
  ),
  'sop-instance-conflict': code(
    'structure',
    'error',
    'A file has the SOP Instance UID of an instance the archive already stores, in the same transfer syntax but with other bytes: a second version of one object (found when the delivery joins its study; 409 INSTANCE_CONFLICT)',
    'a corrected image re-sent under its old SOP Instance UID',
  ),
  'sop-instance-reencoded': code(
    'structure',
    'warning',
    'A file has the SOP Instance UID of an instance the archive already stores in another transfer syntax: the same object encoded otherwise; the stored version is kept (storage.onReencoded)',
    'an image sent again after lossless recompression',
  ),
  'study-patient-mismatch': code(
    'structure',
    'error',
    'The delivery names another PatientID than the stored study with its StudyInstanceUID (PS3.3 §A.1.2.2: a study belongs to one patient; 422 INCONSISTENT_PATIENT)',
    'a study re-sent after the patient was merged',
  ),
  'study-patient-details-differ': code(
    'structure',
    'warning',
    "The delivery's PatientName or PatientBirthDate differs from the stored study's; the stored ones are kept",
    'a name corrected at the modality',
  ),
} as const satisfies Record<string, FindingCodeInfo>;

export type FindingCode = keyof typeof FindingCodes;

export function isFindingCode(value: string): value is FindingCode {
  return Object.hasOwn(FindingCodes, value);
}

/** No data set at all. */
const NOT_DICOM = new Set<string>(['not-dicom', 'empty-file']);
/** A data set, but not framed as a Part 10 file (PS3.10 §7.1). */
const NOT_PART10 = new Set<string>(['no-preamble', 'no-dicm-magic', 'no-file-meta']);

export interface Outcome {
  code: 'NOT_DICOM' | 'NOT_PART10' | 'MEDIA_STORAGE_DIRECTORY' | 'CORRUPT_DICOM' | 'FILE_META_INVALID' | 'DEFLATE_BOMB' | 'STUDY_INVALID';
  httpStatus: 400 | 422;
}

/**
 * The outcome of a study from its error findings: the most basic problem wins. Each 400 says what is wrong:
 * no DICOM at all, a data set without Part 10 framing, a DICOMDIR, damage, or a File Meta Information that
 * is incomplete or contradicts the data set (all refused, PS3.10 §7.1).
 */
export function outcomeForErrors(errorCodes: readonly string[]): Outcome | null {
  if (errorCodes.length === 0) return null;
  if (errorCodes.includes('deflate-bomb')) return { code: 'DEFLATE_BOMB', httpStatus: 400 };
  if (errorCodes.some((c) => NOT_DICOM.has(c))) return { code: 'NOT_DICOM', httpStatus: 400 };
  if (errorCodes.some((c) => NOT_PART10.has(c))) return { code: 'NOT_PART10', httpStatus: 400 };
  if (errorCodes.includes('media-storage-directory')) return { code: 'MEDIA_STORAGE_DIRECTORY', httpStatus: 400 };
  const category = (c: string): FindingCategory => (isFindingCode(c) ? FindingCodes[c].category : 'conformance');
  if (errorCodes.some((c) => category(c) === 'integrity')) return { code: 'CORRUPT_DICOM', httpStatus: 400 };
  if (errorCodes.some((c) => category(c) === 'format')) return { code: 'FILE_META_INVALID', httpStatus: 400 };
  return { code: 'STUDY_INVALID', httpStatus: 422 };
}
