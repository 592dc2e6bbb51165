import { z } from 'zod';
import { FindingSchema } from './finding.ts';
import { LifecycleEventSchema } from './lifecycle-event.ts';
import { InstanceSummarySchema, ValidationReportSchema } from './validation.ts';

/**
 * The first part of a descriptor request: what to do with the delivery's files that follow it.
 * `studyId` is the delivery's id (the ULID of an upload), the only place the request names it; the DICOM
 * study it joins is found from the files' StudyInstanceUID.
 */
export const DescribeRequestSchema = z.object({
  studyId: z.string(),
  /** 'stored': the validator found no error, so the delivery joins its study (unless the study refuses it). */
  disposition: z.enum(['stored', 'rejected']),
  receivedAt: z.string(),
  /**
   * Stored name -> the name the client sent, for people reading the log. Sent by reference, a file also
   * carries its size and the sha256 the gateway computed while staging it (the descriptor links the file
   * and does not read it whole again).
   */
  files: z.array(
    z.object({
      file: z.string(),
      clientName: z.string(),
      sizeBytes: z.number().int().nonnegative().optional(),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .optional(),
    }),
  ),
  report: ValidationReportSchema,
  /**
   * false: the answer does not wait for the study's documents (metadata.json, validation.log) to be
   * rewritten, whatever the study's size: they follow within the descriptor's documents.rewriteIntervalMs
   * (a C-STORE's peer never reads them, and reading them through the API brings them up to date first).
   * Absent or true: documents.awaitMaxInstances decides.
   */
  awaitDocuments: z.boolean().optional(),
});
export type DescribeRequest = z.infer<typeof DescribeRequestSchema>;

export const StoredFileSchema = z.object({
  file: z.string(),
  path: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string(),
  SOPInstanceUID: z.string().optional(),
});

export const StudyStates = ['receiving', 'stable'] as const;
export type StudyState = (typeof StudyStates)[number];

/** The DICOM study a delivery joined, as it is after the join. */
export const JoinedStudySchema = z.object({
  StudyInstanceUID: z.string(),
  state: z.enum(StudyStates),
  numberOfSeries: z.number().int().nonnegative(),
  numberOfInstances: z.number().int().nonnegative(),
});
export type JoinedStudy = z.infer<typeof JoinedStudySchema>;

/**
 * What joining the stored study did with each instance of a valid delivery. `duplicates`: already stored
 * with identical bytes (stored once). `reencoded`: already stored in another transfer syntax; the stored
 * version is kept (storage.onReencoded = 'keep-first') and a warning says so.
 */
export const JoinSchema = z.object({
  added: z.number().int().nonnegative(),
  duplicates: z.array(z.string()),
  reencoded: z.array(z.object({ SOPInstanceUID: z.string(), storedTransferSyntax: z.string(), deliveredTransferSyntax: z.string() })),
});
export type Join = z.infer<typeof JoinSchema>;

/** A file of a valid delivery whose SOP Instance UID the study already holds with other bytes. */
export const InstanceConflictSchema = z.object({
  file: z.string(),
  SOPInstanceUID: z.string(),
  /** The delivery that brought the stored version. */
  heldBy: z.string(),
});
export type InstanceConflict = z.infer<typeof InstanceConflictSchema>;

/**
 * Why the descriptor refused a delivery the validator passed: it contradicts the stored study. The
 * delivery is then kept under rejected/ like an invalid one and the study is untouched.
 */
export const RefusalSchema = z.object({
  code: z.enum(['INSTANCE_CONFLICT', 'INCONSISTENT_PATIENT']),
  message: z.string(),
  conflicts: z.array(InstanceConflictSchema).optional(),
});
export type Refusal = z.infer<typeof RefusalSchema>;

export const DescribeResultSchema = z.object({
  studyId: z.string(),
  /** Where the delivery ended: 'rejected' when it was sent so, or when `refusal` says why the study refused it. */
  disposition: z.enum(['stored', 'rejected']),
  /** The delivery had been described before (a retry): this answer is read back, nothing was written. */
  alreadyStored: z.boolean(),
  /** The study folder, or the delivery's folder under rejected/. */
  directory: z.string(),
  study: JoinedStudySchema.nullable(),
  join: JoinSchema.nullable(),
  refusal: RefusalSchema.nullable(),
  /** Findings of the join (another transfer syntax, another patient name or birth date): warnings. */
  warnings: z.array(FindingSchema),
  files: z.object({
    originals: z.array(StoredFileSchema),
    metadata: z.string().nullable(),
    validationLog: z.string(),
  }),
  events: z.array(LifecycleEventSchema),
});
export type DescribeResult = z.infer<typeof DescribeResultSchema>;

/** GET /v1/studies/<StudyInstanceUID>/instances (descriptor): what the study-level checks read. */
export const StudyInstancesSchema = z.object({
  StudyInstanceUID: z.string(),
  /** The last delivery that joined the study: POST /stable names it, so a later one keeps it receiving. */
  lastDeliveryId: z.string(),
  instances: z.array(InstanceSummarySchema),
});
export type StudyInstances = z.infer<typeof StudyInstancesSchema>;

/**
 * POST /v1/study-checks (validator): the checks that need a whole study, run when it goes stable. The
 * descriptor's StudyInstances document is such a request: the gateway passes it on as it came, unread.
 */
export const StudyChecksRequestSchema = z.strictObject({
  StudyInstanceUID: z.string().optional(),
  lastDeliveryId: z.string().optional(),
  instances: z.array(InstanceSummarySchema),
});
export type StudyChecksRequest = z.infer<typeof StudyChecksRequestSchema>;
export const StudyChecksResultSchema = z.object({ errors: z.array(FindingSchema), warnings: z.array(FindingSchema) });
export type StudyChecksResult = z.infer<typeof StudyChecksResultSchema>;

/**
 * POST /v1/studies/<StudyInstanceUID>/stable (descriptor): the study had no delivery for
 * stableAfterSeconds. It answers `stable` after writing the study-level findings, metadata.dicom.json
 * and fhir.json, or `receiving` when a delivery after `lastDeliveryId` joined meanwhile.
 */
export const StableRequestSchema = z.strictObject({
  correlationId: z.string(),
  lastDeliveryId: z.string(),
  errors: z.array(FindingSchema),
  warnings: z.array(FindingSchema),
});
export type StableRequest = z.infer<typeof StableRequestSchema>;
export const StableResultSchema = z.object({
  StudyInstanceUID: z.string(),
  state: z.enum(StudyStates),
  numberOfSeries: z.number().int().nonnegative(),
  numberOfInstances: z.number().int().nonnegative(),
});
export type StableResult = z.infer<typeof StableResultSchema>;
