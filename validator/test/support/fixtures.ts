import { element, item, part10, us } from '../../../test/support/dicom-bytes.ts';

export { element, item, part10, us };

/** PS3.5 §7.1.1: the length FFFFFFFFH, "undefined". */
export const UNDEFINED = 0xffffffff;

/**
 * The Type 1 and Type 2 attributes of config/validator.json, all present and well formed (Secondary
 * Capture). `changes` replaces an element by tag, or removes it with null.
 */
export function conformingAttributes(changes: Record<string, Buffer | null> = {}): Buffer[] {
  const attributes: [string, Buffer][] = [
    ['00080016', element('00080016', 'UI', '1.2.840.10008.5.1.4.1.1.7')], // SOPClassUID: Secondary Capture Image Storage
    ['00080018', element('00080018', 'UI', '1.2.3.4')], // SOPInstanceUID (part10() writes the same in the meta)
    ['00080020', element('00080020', 'DA', '20240102')], // StudyDate
    ['00080030', element('00080030', 'TM', '101500')], // StudyTime
    ['00080050', element('00080050', 'SH', '')], // AccessionNumber: Type 2, empty is fine
    ['00080060', element('00080060', 'CS', 'OT')], // Modality
    ['00080090', element('00080090', 'PN', '')], // ReferringPhysicianName
    ['00100010', element('00100010', 'PN', 'TEST^PATIENT')], // PatientName
    ['00100020', element('00100020', 'LO', 'P1')], // PatientID
    ['00100030', element('00100030', 'DA', '')], // PatientBirthDate
    ['00100040', element('00100040', 'CS', 'O')], // PatientSex
    ['0020000D', element('0020000D', 'UI', '1.2.3')], // StudyInstanceUID
    ['0020000E', element('0020000E', 'UI', '1.2.3.1')], // SeriesInstanceUID
    ['00200010', element('00200010', 'SH', 'S1')], // StudyID
    ['00200011', element('00200011', 'IS', '1')], // SeriesNumber
  ];
  return attributes.flatMap(([tag, bytes]) => {
    const changed = Object.hasOwn(changes, tag) ? changes[tag] : bytes;
    return changed ? [changed] : [];
  });
}

/** Image Pixel Module (PS3.3 §C.7.6.3) attributes for a monochrome image. */
export function imagePixelAttributes(rows: number, columns: number, bitsAllocated = 8, frames?: number): Buffer[] {
  return [
    element('00280002', 'US', us(1)), // SamplesPerPixel
    element('00280004', 'CS', 'MONOCHROME2'), // PhotometricInterpretation
    ...(frames === undefined ? [] : [element('00280008', 'IS', String(frames))]), // NumberOfFrames
    element('00280010', 'US', us(rows)), // Rows
    element('00280011', 'US', us(columns)), // Columns
    element('00280100', 'US', us(bitsAllocated)), // BitsAllocated
    element('00280101', 'US', us(bitsAllocated)), // BitsStored
    element('00280102', 'US', us(bitsAllocated - 1)), // HighBit
    element('00280103', 'US', us(0)), // PixelRepresentation
  ];
}

/** A conforming native (explicit VR little endian) image whose Pixel Data holds `pixelBytes` bytes. */
export function nativeImage(rows: number, columns: number, pixelBytes: number, extra: Buffer[] = []): Buffer {
  return part10([
    ...conformingAttributes(),
    ...extra,
    ...imagePixelAttributes(rows, columns),
    element('7FE00010', 'OB', Buffer.alloc(pixelBytes)), // PixelData
  ]);
}

/**
 * Encapsulated Pixel Data (PS3.5 §A.4): a Basic Offset Table item with `offsets` entries, the fragments,
 * then a Sequence Delimitation Item unless `delimited` is false.
 */
export function encapsulatedPixels(fragments: Buffer[], offsets = 0, delimited = true): Buffer {
  return element('7FE00010', 'OB', Buffer.concat([
    item(0xe000, Buffer.alloc(offsets * 4)), // Basic Offset Table
    ...fragments.map((fragment) => item(0xe000, fragment)), // one item per fragment
    ...(delimited ? [item(0xe0dd)] : []), // Sequence Delimitation Item
  ]), { length: UNDEFINED });
}

/** A conforming RLE Lossless image (PS3.5 §A.4.2) with the given Pixel Data element. */
export function encapsulatedImage(pixelData: Buffer, frames = 1): Buffer {
  return part10([...conformingAttributes(), ...imagePixelAttributes(4, 4, 8, frames), pixelData], { transferSyntax: '1.2.840.10008.1.2.5' });
}
