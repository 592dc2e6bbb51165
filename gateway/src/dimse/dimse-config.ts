import { byteSize, host, port, type DeepReadonly, type EnvBinding } from '@dsv/common';
import { z } from 'zod';

/** An AE title: 1 to 16 characters of the default repertoire, no backslash, not all spaces (PS3.5 §6.2, VR AE). */
export const aeTitle = z
  .string()
  .max(16, 'an AE title has at most 16 characters')
  .regex(/^[\x20-\x5b\x5d-\x7e]*$/, 'an AE title holds printable ASCII characters, no backslash')
  .refine((value) => value.trim().length > 0, 'an AE title is not empty');

/** The gateway's DICOM door (C-ECHO, C-STORE): `dimse` in config/gateway.json. */
export const DimseConfigSchema = z.strictObject({
  port: port.describe('DICOM (DIMSE) port of the C-STORE receiver; 0 (or DIMSE_PORT empty) turns it off'),
  host: host.describe('Address the DICOM port listens on; 127.0.0.1 keeps it on this machine'),
  aeTitle: aeTitle.describe("The receiver's AE title: the Called AE Title peers must use"),
  allowedCallingAeTitles: z
    .array(aeTitle)
    .describe('Calling AE titles allowed to associate; empty: any (A-ASSOCIATE-RJ "calling AE title not recognized" otherwise)'),
  maxAssociations: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .describe('Associations open at once; one more is rejected (transient, "local limit exceeded")'),
  maxPduLength: z
    .number()
    .int()
    .min(4096)
    .max(4_194_304)
    .describe('Largest P-DATA PDU the receiver accepts, in bytes (its Maximum Length, PS3.8 §D.1); a peer sending larger PDUs is aborted'),
  maxInstanceBytes: byteSize.describe('Largest instance (data set) received; a larger one is refused (A701) and not kept'),
  associationTimeoutMs: z.number().int().positive().describe('How long a connection may take to send its A-ASSOCIATE-RQ'),
  idleTimeoutMs: z.number().int().positive().describe('How long an association may stay silent (no PDU) before it is aborted'),
});

/** Without a `dimse` section (an older config file), the DICOM door stays shut. */
export const DIMSE_OFF = {
  port: 0,
  host: '127.0.0.1',
  aeTitle: 'DSV',
  allowedCallingAeTitles: [],
  maxAssociations: 32,
  maxPduLength: 262_144,
  maxInstanceBytes: 2_147_483_648,
  associationTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
};

export type DimseConfig = DeepReadonly<z.infer<typeof DimseConfigSchema>>;

export const DimseEnv: readonly EnvBinding[] = [
  { env: 'DIMSE_PORT', key: 'dimse.port', type: 'integer' },
  { env: 'DIMSE_HOST', key: 'dimse.host', type: 'string' },
  { env: 'DIMSE_AE_TITLE', key: 'dimse.aeTitle', type: 'string' },
  { env: 'DIMSE_ALLOWED_CALLING_AE_TITLES', key: 'dimse.allowedCallingAeTitles', type: 'list' },
];
