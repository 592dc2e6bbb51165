import { checkMaxLength } from './length.ts';
import { checkDate, checkDateTime, checkTime } from './date-time.ts';
import { checkDecimalString, checkIntegerString } from './numbers.ts';
import { removeFieldPadding, splitValues } from './padding.ts';
import { checkPersonName } from './person-name.ts';
import { checkAgeString, checkApplicationEntity, checkCodeString, checkString, checkText, checkUri } from './text.ts';
import type { TextVr, ValueCheck, ValueProblem } from './types.ts';
import { checkUid } from './uid.ts';

export type { BinaryVr, TextVr, ValueProblem } from './types.ts';
export { checkBinaryLength } from './binary.ts';
export { checkMultiplicity, countValues } from './multiplicity.ts';

/** The format and repertoire rules of PS3.5 Table 6.2-1, one per VR. */
const CHECK_BY_VR: Readonly<Record<TextVr, ValueCheck>> = {
  AE: checkApplicationEntity,
  AS: checkAgeString,
  CS: checkCodeString,
  DA: checkDate,
  DS: checkDecimalString,
  DT: checkDateTime,
  IS: checkIntegerString,
  LO: checkString('LO'),
  LT: checkText('LT'),
  PN: checkPersonName,
  SH: checkString('SH'),
  ST: checkText('ST'),
  TM: checkTime,
  UC: checkString('UC'),
  UI: checkUid,
  UR: checkUri,
  UT: checkText('UT'),
};

/**
 * Every VR problem in one element's value. raw is the whole decoded value field: values separated by
 * backslash (PS3.5 §6.4), padding still present. An empty field has no VR problem.
 */
export function checkTextValue(vr: TextVr, raw: string): ValueProblem[] {
  const { body, problems } = removeFieldPadding(vr, raw);
  if (body === '') return problems;
  const check = CHECK_BY_VR[vr];
  // Most fields hold one value: split only where a backslash could delimit (PS3.5 §6.4).
  const values = body.includes('\\') ? splitValues(vr, body) : [body];
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    // An empty value in a multi-valued field says "no value" and has no format to break; an empty UID
    // still cannot identify anything (PS3.5 §9.1).
    if (value === '' && vr !== 'UI') continue;
    for (const problem of checkMaxLength(vr, value, index)) problems.push(problem);
    for (const problem of check(value, index)) problems.push(problem);
  }
  return problems;
}
