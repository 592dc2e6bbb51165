/**
 * Transfer syntaxes a PACS receives (PS3.5 §10 and Annex A; UIDs from PS3.6 Annex A).
 * Only the encoding of the data set matters here: pixel compression is never decoded.
 */
export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  explicitVr: boolean;
  littleEndian: boolean;
  deflated: boolean;
  encapsulated: boolean;
  retired?: boolean;
}

function ts(uid: string, name: string, flags: Partial<Omit<TransferSyntaxInfo, 'uid' | 'name'>> = {}): TransferSyntaxInfo {
  return Object.freeze({ uid, name, explicitVr: true, littleEndian: true, deflated: false, encapsulated: true, ...flags });
}

const native = { encapsulated: false } as const;

export const TransferSyntax = Object.freeze({
  ImplicitVRLittleEndian: ts('1.2.840.10008.1.2', 'Implicit VR Little Endian', { ...native, explicitVr: false }),
  ExplicitVRLittleEndian: ts('1.2.840.10008.1.2.1', 'Explicit VR Little Endian', native),
  EncapsulatedUncompressedExplicitVRLittleEndian: ts('1.2.840.10008.1.2.1.98', 'Encapsulated Uncompressed Explicit VR Little Endian'),
  DeflatedExplicitVRLittleEndian: ts('1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian', { ...native, deflated: true }),
  ExplicitVRBigEndian: ts('1.2.840.10008.1.2.2', 'Explicit VR Big Endian', { ...native, littleEndian: false, retired: true }),
  JPEGBaseline8Bit: ts('1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)'),
  JPEGExtended12Bit: ts('1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)'),
  JPEGLossless: ts('1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)'),
  JPEGLosslessSV1: ts('1.2.840.10008.1.2.4.70', 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])'),
  JPEGLSLossless: ts('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless Image Compression'),
  JPEGLSNearLossless: ts('1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless) Image Compression'),
  JPEG2000Lossless: ts('1.2.840.10008.1.2.4.90', 'JPEG 2000 Image Compression (Lossless Only)'),
  JPEG2000: ts('1.2.840.10008.1.2.4.91', 'JPEG 2000 Image Compression'),
  JPEG2000MCLossless: ts('1.2.840.10008.1.2.4.92', 'JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)'),
  JPEG2000MC: ts('1.2.840.10008.1.2.4.93', 'JPEG 2000 Part 2 Multi-component Image Compression'),
  HTJ2KLossless: ts('1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 Image Compression (Lossless Only)'),
  HTJ2KLosslessRPCL: ts('1.2.840.10008.1.2.4.202', 'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)'),
  HTJ2K: ts('1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000 Image Compression'),
  JPIPReferenced: ts('1.2.840.10008.1.2.4.94', 'JPIP Referenced', native),
  JPIPReferencedDeflate: ts('1.2.840.10008.1.2.4.95', 'JPIP Referenced Deflate', { ...native, deflated: true }),
  MPEG2MainProfile: ts('1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile / Main Level'),
  MPEG2HighProfile: ts('1.2.840.10008.1.2.4.101', 'MPEG2 Main Profile / High Level'),
  MPEG4AVCH264HighProfile: ts('1.2.840.10008.1.2.4.102', 'MPEG-4 AVC/H.264 High Profile / Level 4.1'),
  MPEG4AVCH264BDCompatible: ts('1.2.840.10008.1.2.4.103', 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1'),
  HEVCH265MainProfile: ts('1.2.840.10008.1.2.4.107', 'HEVC/H.265 Main Profile / Level 5.1'),
  RLELossless: ts('1.2.840.10008.1.2.5', 'RLE Lossless'),
});

const byUid = new Map<string, TransferSyntaxInfo>(Object.values(TransferSyntax).map((info) => [info.uid, info]));

export function lookupTransferSyntax(uid: string): TransferSyntaxInfo | undefined {
  return byUid.get(uid);
}
