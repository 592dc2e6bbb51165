import type { Finding, Severity } from '@dsv/common';

/** Finding code -> severity, from the config; it wins over the catalog default and the check's choice. */
export type SeverityOverrides = Readonly<Record<string, Severity>>;

/** Applies the overrides and splits findings into the two lists a report carries (errors, warnings). */
export function applySeverity(findings: readonly Finding[], overrides: SeverityOverrides): { errors: Finding[]; warnings: Finding[] } {
  const errors: Finding[] = [];
  const warnings: Finding[] = [];
  for (const finding of findings) {
    const severity = overrides[finding.code] ?? finding.severity;
    const final = severity === finding.severity ? finding : { ...finding, severity };
    (severity === 'error' ? errors : warnings).push(final);
  }
  return { errors, warnings };
}
