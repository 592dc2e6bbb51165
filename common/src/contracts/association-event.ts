import { z } from 'zod';

/**
 * The payloads of a DICOM association's lifecycle events (the gateway's C-STORE receiver). An association
 * is one delivery seen from the network: its events carry its peer (AE titles and address, never a
 * patient's data), the DIMSE status classes its instances were answered with, and the studies it touched.
 */
const count = z.number().int().nonnegative();

/** Who asked (PS3.8 §9.3.2: Called and Calling AE Title) and from which address. */
const AssociationPeerSchema = z.object({
  callingAeTitle: z.string(),
  calledAeTitle: z.string(),
  address: z.string(),
});

/** The C-STOREs of an association by DIMSE status class (PS3.7 Annex C: success, warning, failure). */
const AssociationTallySchema = z.object({
  instances: count,
  success: count,
  warning: count,
  failure: count,
  /** The StudyInstanceUIDs its stored instances joined, each once, in order of arrival. */
  studyInstanceUids: z.array(z.string()),
});

/** A-ASSOCIATE-AC sent: the presentation contexts accepted and refused (PS3.8 §9.3.3). */
export const AssociationAcceptedSchema = AssociationPeerSchema.extend({
  acceptedContexts: count,
  rejectedContexts: count,
});

/** Why the receiver answered A-ASSOCIATE-RJ. */
export const AssociationRejectionCauses = ['called-ae-title', 'calling-ae-title-not-allowed', 'too-many-associations'] as const;

/** A-ASSOCIATE-RJ sent: result, source and reason as on the wire (PS3.8 §9.3.4, Table 9-21). */
export const AssociationRejectedSchema = AssociationPeerSchema.extend({
  cause: z.enum(AssociationRejectionCauses),
  result: z.enum(['permanent', 'transient']),
  source: z.number().int(),
  reason: z.number().int(),
});

/** A-RELEASE answered: the association ended as it should (PS3.8 §7.2). */
export const AssociationReleasedSchema = AssociationTallySchema;

/**
 * Who ended an association without a release: the peer's A-ABORT, the receiver's (a timeout, a PDU it
 * refused, a failure of its own), or the connection closed with neither.
 */
export const AssociationAbortCauses = ['peer-abort', 'receiver-abort', 'connection-closed'] as const;

/** Ended without A-RELEASE; an instance still arriving was dropped. source/reason: the peer's A-ABORT (PS3.8 §9.3.8). */
export const AssociationAbortedSchema = AssociationTallySchema.extend({
  cause: z.enum(AssociationAbortCauses),
  source: z.number().int().nullable(),
  reason: z.number().int().nullable(),
});

export type AssociationAccepted = z.infer<typeof AssociationAcceptedSchema>;
export type AssociationRejected = z.infer<typeof AssociationRejectedSchema>;
export type AssociationReleased = z.infer<typeof AssociationReleasedSchema>;
export type AssociationAborted = z.infer<typeof AssociationAbortedSchema>;
export type AssociationTally = z.infer<typeof AssociationTallySchema>;

/** Each association event's payload schema, by event type: what the gateway's tests check its events against. */
export const AssociationEventPayloadSchemas = {
  'association.accepted': AssociationAcceptedSchema,
  'association.rejected': AssociationRejectedSchema,
  'association.released': AssociationReleasedSchema,
  'association.aborted': AssociationAbortedSchema,
} as const;
