import { ElementReader, Tag, type DicomDataSet, type TagKeyword } from '@dsv/common';
import type { IodDefinition } from './types.ts';

/** What a condition may look at: the data set (or sequence item) the attribute belongs in, and the file around it. */
export interface ConditionContext {
  /** Reads values of `dataset` with the right character set. */
  readonly reader: ElementReader;
  /** The data set or item the attribute belongs in. */
  readonly dataset: DicomDataSet;
  /** The top-level data set of the file. */
  readonly root: DicomDataSet;
  readonly sopClassUID: string;
  readonly iod: IodDefinition;
  /** The file carries Pixel Data (native or encapsulated). */
  readonly hasPixelData: boolean;
  /** The attribute the condition is about (some conditions name it, e.g. Frame Increment Pointer). */
  readonly keyword: TagKeyword;
}

interface Condition {
  /** Completes "required when …" in a finding's message. */
  readonly requires: string;
  readonly holds: (context: ConditionContext) => boolean;
}

const text = (c: ConditionContext, keyword: TagKeyword): string | undefined => c.reader.text(keyword, c.dataset);
const texts = (c: ConditionContext, keyword: TagKeyword): string[] => c.reader.texts(keyword, c.dataset);
const rootNumber = (c: ConditionContext, keyword: TagKeyword): number | undefined => c.reader.number(keyword, c.root);
const rootText = (c: ConditionContext, keyword: TagKeyword): string | undefined => c.reader.text(keyword, c.root);
const has = (c: ConditionContext, keyword: TagKeyword): boolean => c.dataset.has(Tag[keyword]);

/**
 * PS3.16 Annex L: body parts that are not paired, for which Laterality is not needed. A value outside the
 * list (or none) may be paired, so Laterality is expected then, as dciodvfy does.
 */
const UNPAIRED_BODY_PARTS: ReadonlySet<string> = new Set([
  'ABDOMEN', 'ABDOMENPELVIS', 'AORTA', 'BILIARYTRACT', 'BLADDER', 'BRAIN', 'BRAINSTEM', 'CHEST', 'CHESTABDOMEN',
  'CHESTABDPELVIS', 'COCCYX', 'COLON', 'CSPINE', 'CTSPINE', 'DUODENUM', 'ESOPHAGUS', 'GALLBLADDER', 'HEAD',
  'HEADNECK', 'HEART', 'ILEUM', 'JEJUNUM', 'LARYNX', 'LIVER', 'LSPINE', 'LSSPINE', 'MANDIBLE', 'MAXILLA',
  'MEDIASTINUM', 'MOUTH', 'NECK', 'NECKCHEST', 'NECKCHESTABDOMEN', 'NECKCHESTABDPELV', 'NOSE', 'PANCREAS',
  'PELVIS', 'PENIS', 'PHARYNX', 'PITUITARY', 'PROSTATE', 'RECTUM', 'SACRUM', 'SKULL', 'SPINE', 'SPLEEN',
  'SSPINE', 'STOMACH', 'THYROID', 'TLSPINE', 'TRACHEA', 'TSPINE', 'UTERUS', 'VAGINA', 'WHOLEBODY',
]);

/** PS3.3 §C.7.3.1: the SOP Classes for which Patient Position is Type 2C. */
const PATIENT_POSITION_SOP_CLASSES: ReadonlySet<string> = new Set([
  '1.2.840.10008.5.1.4.1.1.2', // CT Image
  '1.2.840.10008.5.1.4.1.1.2.1', // Enhanced CT Image
  '1.2.840.10008.5.1.4.1.1.4', // MR Image
  '1.2.840.10008.5.1.4.1.1.4.1', // Enhanced MR Image
  '1.2.840.10008.5.1.4.1.1.4.2', // MR Spectroscopy
  '1.2.840.10008.5.1.4.1.1.4.3', // Enhanced MR Color Image
]);

/** PS3.3 §A.8.2 - A.8.5: the multi-frame Secondary Capture SOP Classes. */
const SC_MULTI_FRAME_SOP_CLASSES: ReadonlySet<string> = new Set([
  '1.2.840.10008.5.1.4.1.1.7.1', '1.2.840.10008.5.1.4.1.1.7.2', '1.2.840.10008.5.1.4.1.1.7.3', '1.2.840.10008.5.1.4.1.1.7.4',
]);

/** Frame Increment Pointer (AT, PS3.5 §6.2): pairs of 16-bit group and element numbers. */
function frameIncrementPointers(c: ConditionContext): string[] {
  const element = c.root.get(Tag.FrameIncrementPointer);
  const bytes = c.reader.bytes(element);
  if (!bytes) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const le = c.reader.parsed.littleEndian;
  const tags: string[] = [];
  for (let offset = 0; offset + 4 <= bytes.length; offset += 4) {
    const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
    tags.push(`${hex(view.getUint16(offset, le))}${hex(view.getUint16(offset + 2, le))}`);
  }
  return tags;
}

/** Every condition of the IOD table, by name; the table refers to them by these names only. */
export const CONDITIONS = {
  'samples-per-pixel-above-1': {
    requires: 'Samples per Pixel is more than 1',
    holds: (c) => (rootNumber(c, 'SamplesPerPixel') ?? 1) > 1,
  },
  'palette-color': {
    requires: "Photometric Interpretation is 'PALETTE COLOR'",
    holds: (c) => rootText(c, 'PhotometricInterpretation') === 'PALETTE COLOR',
  },
  'palette-color-not-segmented': {
    requires: "Photometric Interpretation is 'PALETTE COLOR' and no segmented palette data is sent",
    holds: (c) => rootText(c, 'PhotometricInterpretation') === 'PALETTE COLOR'
      && !(['SegmentedRedPaletteColorLookupTableData', 'SegmentedGreenPaletteColorLookupTableData', 'SegmentedBluePaletteColorLookupTableData'] as const)
        .some((keyword) => c.root.has(Tag[keyword])),
  },
  'multiple-frames': {
    requires: 'Number of Frames is more than 1',
    holds: (c) => (rootNumber(c, 'NumberOfFrames') ?? 1) > 1,
  },
  'pixel-data-present': {
    requires: 'the instance carries Pixel Data',
    holds: (c) => c.hasPixelData,
  },
  'multi-frame-pixel-data': {
    requires: 'the Pixel Data has more than one frame',
    holds: (c) => c.hasPixelData && (rootNumber(c, 'NumberOfFrames') ?? 1) > 1,
  },
  'image-position-present': {
    requires: 'Image Position (Patient) is sent',
    holds: (c) => c.root.has(Tag.ImagePositionPatient),
  },
  'laterality-needed': {
    requires: 'Body Part Examined is not a known unpaired part and Image Laterality is not sent (PS3.16 Annex L)',
    holds: (c) => !c.root.has(Tag.ImageLaterality) && !UNPAIRED_BODY_PARTS.has(rootText(c, 'BodyPartExamined') ?? ''),
  },
  'patient-position-needed': {
    requires: 'the SOP Class is CT or MR and Patient Orientation Code Sequence is not sent',
    holds: (c) => PATIENT_POSITION_SOP_CLASSES.has(c.sopClassUID) && !c.root.has(Tag.PatientOrientationCodeSequence),
  },
  'patient-orientation-needed': {
    requires: 'the image has no Image Plane Module nor plane orientation of its own',
    // NM and PET give the orientation by codes (NM/PET Patient Orientation Module, PS3.3 §C.8.4.6).
    holds: (c) => !c.iod.modules.some((use) => use.module === 'ImagePlane' || use.module === 'NMPETPatientOrientation')
      && !(['ImageOrientationPatient', 'FrameOfReferenceUID', 'PerFrameFunctionalGroupsSequence'] as const).some((keyword) => c.root.has(Tag[keyword])),
  },
  'pixel-padding-range-limit-present': {
    requires: 'Pixel Padding Range Limit is sent',
    holds: (c) => c.root.has(Tag.PixelPaddingRangeLimit),
  },
  'identity-removed-without-method-code': {
    requires: "Patient Identity Removed is YES and De-identification Method Code Sequence is not sent",
    holds: (c) => rootText(c, 'PatientIdentityRemoved') === 'YES' && !c.root.has(Tag.DeidentificationMethodCodeSequence),
  },
  'repetition-time-needed': {
    requires: 'the sequence is not echo planar without segmented k-space (Scanning Sequence EP, Sequence Variant not SK)',
    holds: (c) => !(texts(c, 'ScanningSequence').includes('EP') && !texts(c, 'SequenceVariant').includes('SK')),
  },
  'inversion-recovery': {
    requires: 'Scanning Sequence includes IR',
    holds: (c) => texts(c, 'ScanningSequence').includes('IR'),
  },
  'cardiac-gated': {
    requires: 'Scan Options include CG (cardiac gating)',
    holds: (c) => texts(c, 'ScanOptions').includes('CG'),
  },
  'decay-corrected': {
    requires: 'Decay Correction is not NONE',
    holds: (c) => { const value = rootText(c, 'DecayCorrection'); return value !== undefined && value !== 'NONE'; },
  },
  'frame-increment-pointer-names-it': {
    requires: 'Frame Increment Pointer points to it',
    holds: (c) => frameIncrementPointers(c).includes(Tag[c.keyword]),
  },
  'nm-tomographic': {
    requires: 'Image Type value 3 is TOMO, GATED TOMO, RECON TOMO or RECON GATED TOMO',
    holds: (c) => ['TOMO', 'GATED TOMO', 'RECON TOMO', 'RECON GATED TOMO'].includes(c.reader.texts('ImageType', c.root)[2] ?? ''),
  },
  'original-or-mixed': {
    requires: 'Image Type value 1 is ORIGINAL or MIXED',
    holds: (c) => ['ORIGINAL', 'MIXED'].includes(c.reader.texts('ImageType', c.root)[0] ?? ''),
  },
  'lossy-compressed': {
    requires: "Lossy Image Compression is '01'",
    holds: (c) => text(c, 'LossyImageCompression') === '01',
  },
  'monochrome2': {
    requires: 'Photometric Interpretation is MONOCHROME2',
    holds: (c) => rootText(c, 'PhotometricInterpretation') === 'MONOCHROME2',
  },
  'frame-increment-pointer-needed': {
    requires: 'the image is not a Secondary Capture of a single frame (PS3.3 §C.8.6.3)',
    holds: (c) => !(SC_MULTI_FRAME_SOP_CLASSES.has(c.sopClassUID) && (rootNumber(c, 'NumberOfFrames') ?? 1) <= 1),
  },
  'monochrome-not-bitmap': {
    requires: 'the image is monochrome with more than 1 bit stored',
    holds: (c) => (rootText(c, 'PhotometricInterpretation') ?? '').startsWith('MONOCHROME') && (rootNumber(c, 'BitsStored') ?? 0) > 1,
  },
  'digitized-film': {
    requires: 'Conversion Type is DF (digitized film)',
    holds: (c) => rootText(c, 'ConversionType') === 'DF',
  },
  'for-presentation-without-voi-lut': {
    requires: "Presentation Intent Type is 'FOR PRESENTATION' and no VOI LUT Sequence is sent",
    holds: (c) => rootText(c, 'PresentationIntentType') === 'FOR PRESENTATION' && !c.root.has(Tag.VOILUTSequence),
  },
  'window-center-present': {
    requires: 'Window Center is sent',
    holds: (c) => has(c, 'WindowCenter'),
  },
  'concatenation': {
    requires: 'Concatenation UID is sent',
    holds: (c) => has(c, 'ConcatenationUID'),
  },
  'verified': {
    requires: 'Verification Flag is VERIFIED',
    holds: (c) => text(c, 'VerificationFlag') === 'VERIFIED',
  },
  'container': {
    requires: 'Value Type is CONTAINER',
    holds: (c) => text(c, 'ValueType') === 'CONTAINER',
  },
  'plan-geometry-patient': {
    requires: 'RT Plan Geometry is PATIENT',
    holds: (c) => text(c, 'RTPlanGeometry') === 'PATIENT',
  },
  'fractional-segmentation': {
    requires: 'Segmentation Type is FRACTIONAL',
    holds: (c) => text(c, 'SegmentationType') === 'FRACTIONAL',
  },
  'automatic-segment': {
    requires: 'Segment Algorithm Type is not MANUAL',
    holds: (c) => { const value = text(c, 'SegmentAlgorithmType'); return value !== undefined && value !== 'MANUAL'; },
  },
  'no-long-or-urn-code-value': {
    requires: 'neither Long Code Value nor URN Code Value is sent (PS3.3 Table 8.8-1)',
    holds: (c) => !has(c, 'LongCodeValue') && !has(c, 'URNCodeValue'),
  },
  'code-value-or-long-code-value-present': {
    requires: 'Code Value or Long Code Value is sent',
    holds: (c) => has(c, 'CodeValue') || has(c, 'LongCodeValue'),
  },
} as const satisfies Record<string, Condition>;

export type ConditionName = keyof typeof CONDITIONS;

export function conditionHolds(name: ConditionName, context: ConditionContext): boolean {
  return (CONDITIONS[name] as Condition).holds(context);
}

export function conditionText(name: ConditionName): string {
  return CONDITIONS[name].requires;
}
