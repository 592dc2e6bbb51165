import { element, item, part10, us, type Part10Options } from '../../../test/support/dicom-bytes.ts';

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

/**
 * A complete conforming instance: the configured attributes of a Secondary Capture image, its Image
 * Pixel Module (2×2, 8 bits) and Pixel Data. An image without pixels is not conforming: a SOP Class whose
 * IOD makes the Image Pixel Module mandatory requires Pixel Data.
 */
export function conformingImage(changes: Record<string, Buffer | null> = {}): Buffer[] {
  return [...conformingAttributes(changes), ...imagePixelAttributes(2, 2), element('7FE00010', 'OB', Buffer.alloc(4))];
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
  return element(
    '7FE00010',
    'OB',
    Buffer.concat([
      item(0xe000, Buffer.alloc(offsets * 4)), // Basic Offset Table
      ...fragments.map((fragment) => item(0xe000, fragment)), // one item per fragment
      ...(delimited ? [item(0xe0dd)] : []), // Sequence Delimitation Item
    ]),
    { length: UNDEFINED },
  );
}

/** A conforming RLE Lossless image (PS3.5 §A.4.2) with the given Pixel Data element. */
export function encapsulatedImage(pixelData: Buffer, frames = 1): Buffer {
  return part10([...conformingAttributes(), ...imagePixelAttributes(4, 4, 8, frames), pixelData], {
    transferSyntax: '1.2.840.10008.1.2.5',
  });
}

/** The eight hex digits of the tag an element buffer starts with (group and element, little endian). */
function tagOfBuffer(bytes: Buffer): string {
  return (bytes.readUInt16LE(0) * 0x10000 + bytes.readUInt16LE(2)).toString(16).toUpperCase().padStart(8, '0');
}

/** Element buffers in ascending tag order, as PS3.5 §7.1 wants them. */
export function sortedByTag(elements: Buffer[]): Buffer[] {
  return [...elements].sort((a, b) => tagOfBuffer(a).localeCompare(tagOfBuffer(b)));
}

/** `changes` replaces or adds an element by tag, or removes it with null; the result is in tag order. */
export function withChanges(elements: Buffer[], changes: Record<string, Buffer | null>): Buffer[] {
  const byTag = new Map(elements.map((bytes) => [tagOfBuffer(bytes), bytes]));
  for (const [tag, bytes] of Object.entries(changes)) {
    if (bytes) byTag.set(tag, bytes);
    else byTag.delete(tag);
  }
  return sortedByTag([...byTag.values()]);
}

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
/** A UID under the 2.25 root (PS3.5 §B.2) naming these fixtures as the implementation that wrote them. */
const IMPLEMENTATION_CLASS_UID = '2.25.1234567';

/**
 * A Secondary Capture image that satisfies the SC Image IOD (PS3.3 §A.8.1) as well as the configured
 * required attributes: no finding at all, warnings included (dciodvfy agrees: test/interop). `changes`
 * replaces, adds or (null) removes elements by tag.
 */
export function secondaryCaptureImage(changes: Record<string, Buffer | null> = {}, options: Part10Options = {}): Buffer {
  return part10(
    withChanges(
      [
        ...conformingAttributes(),
        element('00080064', 'CS', 'WSD'), // ConversionType: workstation (SC Equipment, Type 1)
        element('00200013', 'IS', '1'), // InstanceNumber (General Image, Type 2)
        element('00200020', 'CS', ''), // PatientOrientation (General Image, Type 2C without an Image Plane)
        element('00200060', 'CS', 'R'), // Laterality (General Series, Type 2C: no Body Part Examined says it is unpaired; empty only when unknown)
        ...imagePixelAttributes(2, 2),
        element('7FE00010', 'OB', Buffer.alloc(4)), // PixelData: 2 x 2 x 8 bits
      ],
      changes,
    ),
    { implementationClassUid: IMPLEMENTATION_CLASS_UID, ...options },
  );
}

/**
 * A CT image that satisfies the CT Image IOD (PS3.3 §A.3): every Type 1 and 2 attribute of its mandatory
 * modules, 4 x 4 pixels of 16 bits; no finding (dciodvfy agrees: test/interop). `changes` as above.
 */
export function ctImage(changes: Record<string, Buffer | null> = {}): Buffer {
  return part10(
    withChanges(
      [
        ...conformingAttributes({ '00080016': element('00080016', 'UI', CT_IMAGE_STORAGE), '00080060': element('00080060', 'CS', 'CT') }),
        element('00080008', 'CS', 'ORIGINAL\\PRIMARY\\AXIAL'), // ImageType (CT Image, Type 1)
        element('00080070', 'LO', 'ACME'), // Manufacturer (General Equipment, Type 2)
        element('00180015', 'CS', 'CHEST'), // BodyPartExamined: an unpaired part, so no Laterality
        element('00180050', 'DS', '2.5'), // SliceThickness (Image Plane, Type 2)
        element('00180060', 'DS', '120'), // KVP (CT Image, Type 2)
        element('00185100', 'CS', 'HFS'), // PatientPosition (General Series, Type 2C for CT)
        element('00200012', 'IS', '1'), // AcquisitionNumber (CT Image, Type 2)
        element('00200013', 'IS', '1'), // InstanceNumber (General Image, Type 2)
        element('00200032', 'DS', '0\\0\\0'), // ImagePositionPatient (Image Plane, Type 1)
        element('00200037', 'DS', '1\\0\\0\\0\\1\\0'), // ImageOrientationPatient (Image Plane, Type 1)
        element('00200052', 'UI', '1.2.3.9'), // FrameOfReferenceUID (Frame of Reference, Type 1)
        element('00201040', 'LO', ''), // PositionReferenceIndicator (Frame of Reference, Type 2)
        element('00280030', 'DS', '0.5\\0.5'), // PixelSpacing (Image Plane, Type 1)
        ...imagePixelAttributes(4, 4, 16),
        element('00281052', 'DS', '-1024'), // RescaleIntercept (CT Image, Type 1)
        element('00281053', 'DS', '1'), // RescaleSlope (CT Image, Type 1)
        element('7FE00010', 'OW', Buffer.alloc(32)), // PixelData: 4 x 4 x 16 bits
      ],
      changes,
    ),
    { sopClassUid: CT_IMAGE_STORAGE, implementationClassUid: IMPLEMENTATION_CLASS_UID },
  );
}

/**
 * A JPEG-LS codestream's frame, by hand (ITU-T T.87): SOI, SOF55 for 2 x 2 pixels of 8 bits and one
 * component, SOS, two bytes of scan data, EOI, one byte of padding. The validator never decodes it; the point
 * is one real-looking fragment.
 */
export const JPEG_LS_FRAME = Buffer.from([
  0xff,
  0xd8, // SOI
  0xff,
  0xf7,
  0x00,
  0x0b,
  0x08,
  0x00,
  0x02,
  0x00,
  0x02,
  0x01,
  0x01,
  0x11,
  0x00, // SOF55: P=8, Y=2, X=2, Nf=1, C1 H/V 1/1 Tq 0
  0xff,
  0xda,
  0x00,
  0x08,
  0x01,
  0x01,
  0x00,
  0x00,
  0x00,
  0x00, // SOS: Ns=1, C1, NEAR=0, ILV=0, Al/Ah=0
  0x00,
  0x00, // scan data
  0xff,
  0xd9, // EOI
  0x00, // PS3.5 §A.4: a fragment of odd length is padded with one trailing 00H to even length
]);

/** The hand-built Secondary Capture image of the fixtures, its Pixel Data encapsulated under `uid`. */
export function encapsulatedSecondaryCapture(uid: string, pixels = encapsulatedPixels([JPEG_LS_FRAME])): Buffer {
  return secondaryCaptureImage({ '7FE00010': pixels }, { transferSyntax: uid });
}
