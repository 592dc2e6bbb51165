/**
 * The UID grammar of PS3.5 §9.1: numeric components separated by '.', no empty component, no leading
 * zero in a component of more than one digit, at most 64 characters. Checked before a UID ever becomes
 * part of a path.
 */
const UID = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

export const MAX_UID_LENGTH = 64;

export function isValidUid(value: string): boolean {
  return value.length <= MAX_UID_LENGTH && UID.test(value);
}
