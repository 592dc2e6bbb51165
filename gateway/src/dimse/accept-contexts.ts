import { TransferSyntax } from '@dsv/common';
import dimse from 'dcmjs-dimse';

const { PresentationContextResult, SopClass, StorageClass } = dimse.constants;

export const VERIFICATION_SOP_CLASS = SopClass.Verification;

/**
 * Storage SOP Classes some modalities send that dcmjs-dimse's StorageClass dictionary lacks (PS3.4
 * Annex B.5, PS3.6 Annex A): radiotherapy, segmentation, key objects, presentation states, raw data.
 */
const MORE_STORAGE_CLASSES = [
  '1.2.840.10008.5.1.4.1.1.481.1', // RT Image
  '1.2.840.10008.5.1.4.1.1.481.2', // RT Dose
  '1.2.840.10008.5.1.4.1.1.481.3', // RT Structure Set
  '1.2.840.10008.5.1.4.1.1.481.4', // RT Beams Treatment Record
  '1.2.840.10008.5.1.4.1.1.481.5', // RT Plan
  '1.2.840.10008.5.1.4.1.1.481.8', // RT Ion Plan
  '1.2.840.10008.5.1.4.1.1.66', // Raw Data
  '1.2.840.10008.5.1.4.1.1.66.1', // Spatial Registration
  '1.2.840.10008.5.1.4.1.1.66.4', // Segmentation
  '1.2.840.10008.5.1.4.1.1.88.59', // Key Object Selection Document
  '1.2.840.10008.5.1.4.1.1.11.1', // Grayscale Softcopy Presentation State
  '1.2.840.10008.5.1.4.1.1.6.2', // Enhanced US Volume
  '1.2.840.10008.5.1.4.1.1.30', // Parametric Map
  '1.2.840.10008.5.1.4.1.1.104.2', // Encapsulated STL
  '1.2.840.10008.5.1.4.1.1.7', // Secondary Capture
  '1.2.840.10008.5.1.4.1.1.128.1', // Legacy Converted Enhanced PET
  '1.2.840.10008.5.1.4.1.1.2.1', // Enhanced CT
  '1.2.840.10008.5.1.4.1.1.4.1', // Enhanced MR
];

/** Every Storage SOP Class the receiver accepts. */
export const STORAGE_SOP_CLASSES: ReadonlySet<string> = new Set([
  ...Object.values(StorageClass as Record<string, string>),
  ...MORE_STORAGE_CLASSES,
]);

/**
 * The transfer syntaxes the validator reads (PS3.5 Annex A), in the order the receiver prefers them when
 * a context proposes several: explicit little endian first (what dcmtk's storescp prefers too), then
 * implicit, then the compressed ones, which are kept as sent (never transcoded).
 */
export const ACCEPTED_TRANSFER_SYNTAXES: readonly string[] = [
  TransferSyntax.ExplicitVRLittleEndian,
  TransferSyntax.ImplicitVRLittleEndian,
  TransferSyntax.DeflatedExplicitVRLittleEndian,
  TransferSyntax.ExplicitVRBigEndian,
  TransferSyntax.EncapsulatedUncompressedExplicitVRLittleEndian,
  TransferSyntax.JPEGBaseline8Bit,
  TransferSyntax.JPEGExtended12Bit,
  TransferSyntax.JPEGLossless,
  TransferSyntax.JPEGLosslessSV1,
  TransferSyntax.JPEGLSLossless,
  TransferSyntax.JPEGLSNearLossless,
  TransferSyntax.JPEG2000Lossless,
  TransferSyntax.JPEG2000,
  TransferSyntax.JPEG2000MCLossless,
  TransferSyntax.JPEG2000MC,
  TransferSyntax.HTJ2KLossless,
  TransferSyntax.HTJ2KLosslessRPCL,
  TransferSyntax.HTJ2K,
  TransferSyntax.RLELossless,
].map((ts) => ts.uid);

export interface ProposedContext {
  getAbstractSyntaxUid(): string;
  getTransferSyntaxUids(): string[];
  setResult(result: number, acceptedTransferSyntaxUid?: string): void;
}

export interface Negotiated {
  accepted: number;
  rejected: number;
}

/**
 * Answers each proposed presentation context (PS3.8 §9.3.3.2): Verification in Implicit VR Little
 * Endian, a Storage SOP Class in the first transfer syntax of ours the peer proposed; any other abstract
 * syntax is refused here, in negotiation, not at C-STORE time.
 */
export function acceptContexts(contexts: ProposedContext[]): Negotiated {
  let accepted = 0;
  for (const context of contexts) {
    const abstract = context.getAbstractSyntaxUid();
    const proposed = context.getTransferSyntaxUids();
    if (abstract !== VERIFICATION_SOP_CLASS && !STORAGE_SOP_CLASSES.has(abstract)) {
      context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
      continue;
    }
    const ours =
      abstract === VERIFICATION_SOP_CLASS
        ? [TransferSyntax.ImplicitVRLittleEndian.uid, TransferSyntax.ExplicitVRLittleEndian.uid]
        : ACCEPTED_TRANSFER_SYNTAXES;
    const chosen = ours.find((uid) => proposed.includes(uid));
    if (chosen === undefined) {
      context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
      continue;
    }
    context.setResult(PresentationContextResult.Accept, chosen);
    accepted += 1;
  }
  return { accepted, rejected: contexts.length - accepted };
}
