import { summariseInstance, type Finding, type Inspection, type InstanceSummary } from '@dsv/common';
import { applySeverity, type SeverityOverrides } from './apply-severity.ts';
import { checkElementEncoding } from './check-element-encoding.ts';
import { checkEnumeratedValues } from './check-enumerated-values.ts';
import { checkFormat } from './check-format.ts';
import { checkIntegrity } from './check-integrity.ts';
import { checkPixelAttributes } from './check-pixel-attributes.ts';
import { checkRequiredAttributes, type RequiredAttributes } from './check-required-attributes.ts';
import { checkValues } from './check-values.ts';
import { isFatal, isHeaderComplete } from './header-state.ts';
import { evaluateIod, type IodRules } from './iod/check-iod.ts';

/** The part of the validator config one file needs. */
export interface FileRules {
  readonly requiredAttributes: RequiredAttributes;
  readonly iod: IodRules;
  readonly severity: SeverityOverrides;
}

export interface FileValidation {
  errors: Finding[];
  warnings: Finding[];
  instance: InstanceSummary;
}

const WATCHED = new WeakMap<RequiredAttributes, ReadonlySet<string>>();

/** The configured keywords, whose requirement in the file's IOD decides whether they are asked for. */
function watchedKeywords(required: RequiredAttributes): ReadonlySet<string> {
  let watched = WATCHED.get(required);
  if (watched === undefined) {
    watched = new Set([...required.type1, ...required.type2]);
    WATCHED.set(required, watched);
  }
  return watched;
}

/**
 * Everything one file says about itself: format, then integrity, then conformance. A file that is not
 * DICOM, or whose header is cut short, gets no conformance findings: every attribute after the damage
 * would be "missing", which says nothing the first finding did not.
 */
export function validateFile(inspection: Inspection, file: string, rules: FileRules): FileValidation {
  const fatal = isFatal(inspection);
  const findings: Finding[] = [...checkFormat(inspection)];
  if (!fatal) findings.push(...checkIntegrity(inspection), ...checkElementEncoding(inspection));
  // A DICOMDIR claims no IOD of PS3.3 Annex A: its refusal says what it is, with no findings of an IOD.
  const directory = findings.some((finding) => finding.code === 'media-storage-directory');
  const readable = !fatal && !directory && isHeaderComplete(inspection);
  if (readable) {
    const iod = evaluateIod(inspection, rules.iod, watchedKeywords(rules.requiredAttributes));
    const required = [
      ...checkRequiredAttributes(inspection, rules.requiredAttributes, iod.requirements),
      ...checkPixelAttributes(inspection),
    ];
    const values = [...checkValues(inspection), ...checkEnumeratedValues(inspection)];
    // One problem, one finding: what the format, required-attribute, pixel or value checks reported about an
    // attribute is not reported again by the IOD tables (a missing meta UID, PatientSex 'X' as bad-vr).
    const reported = new Set(
      [...findings, ...required, ...values].flatMap((finding) =>
        finding.tag === undefined || finding.path !== undefined ? [] : [finding.tag],
      ),
    );
    findings.push(
      ...required,
      ...iod.findings.filter((finding) => finding.path !== undefined || !reported.has(finding.tag ?? '')),
      ...values,
    );
  }
  const { errors, warnings } = applySeverity(
    findings.map((finding) => ({ ...finding, file })),
    rules.severity,
  );
  return { errors, warnings, instance: summariseInstance(inspection, file, readable) };
}
