import { ElementReader, Tag, type Finding, type Inspection } from '@dsv/common';
import { IOD_TABLES } from './iod/iod-tables.ts';
import { makeFinding } from './make-finding.ts';

/**
 * Patient's Sex outside its Enumerated Values (PS3.3 §C.7.1.1, the generated 'Sex' list), whatever the IOD
 * and iod.severity: an error coded 'bad-vr', not 'bad-enum', because the corpus manifest (shared/corpus)
 * names this case `bad-vr:00100040` and the gateway and reports share the manifest's vocabulary. Every other
 * Enumerated Value and Defined Term is the IOD tables' (iod/check-iod.ts); an empty value is the Type 2 check's.
 */
export function checkEnumeratedValues(inspection: Inspection): Finding[] {
  if (!inspection.parsed) return [];
  const value = new ElementReader(inspection.parsed).text('PatientSex');
  const allowed = (IOD_TABLES.values.Sex ?? []) as readonly string[];
  if (value === undefined || allowed.includes(value)) return [];
  return [
    makeFinding('bad-vr', `PatientSex '${value}' is not one of the Enumerated Values of PS3.3 §C.7.1.1 (${allowed.join(', ')})`, {
      tag: Tag.PatientSex,
      severity: 'error',
    }),
  ];
}
