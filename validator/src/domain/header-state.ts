import type { Inspection, ParseIssue } from '@dsv/common';

const PIXEL_DATA = '7FE00010';

/** ParseIssue kinds after which there is no data set worth checking for conformance. */
const FATAL: ReadonlySet<ParseIssue['kind']> = new Set([
  'empty-file',
  'not-dicom',
  'no-preamble',
  'no-dicm-magic',
  'meta-missing-transfer-syntax',
  'deflate-bomb',
  'inflate-failed',
  'header-too-large',
  'unparseable',
]);

/**
 * Not DICOM, or not readable at all: conformance findings on top would only be noise. A file cut inside
 * its file meta has nothing parsed either, but it is not fatal: the integrity check must say it is cut.
 */
export function isFatal(inspection: Inspection): boolean {
  return (inspection.parsed === null && isHeaderComplete(inspection)) || inspection.issues.some((issue) => FATAL.has(issue.kind));
}

/**
 * True when every element before Pixel Data was read whole. A file cut inside Pixel Data still has its
 * whole header; one cut earlier has lost the attributes after the cut, so their absence proves nothing.
 */
export function isHeaderComplete(inspection: Inspection): boolean {
  return !inspection.issues.some(
    (issue) => issue.kind === 'eof-in-element-header' || (issue.kind === 'element-past-eof' && issue.tag !== PIXEL_DATA),
  );
}
