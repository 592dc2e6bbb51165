import { FindingCodes, formatTag, lookupTag, type Finding, type FindingCode, type Severity } from '@dsv/common';

export interface FindingPlace {
  /** Eight hex digits, e.g. '0020000D'; shown as '(0020,000D)' with its keyword. */
  tag?: string;
  /** Where a nested element sits, e.g. 'ReferencedSeriesSequence[0].SeriesInstanceUID'. */
  path?: string;
  /** Only when a check knows better than the catalog default (e.g. a Defined Term, not an Enumerated Value). */
  severity?: Severity;
  files?: string[];
}

/** A finding with the catalog's default severity; the file name is added by validate-file. */
export function makeFinding(code: FindingCode, message: string, place: FindingPlace = {}): Finding {
  const finding: Finding = { severity: place.severity ?? FindingCodes[code].severity, code, message };
  if (place.tag !== undefined) {
    finding.tag = formatTag(place.tag);
    const keyword = lookupTag(place.tag)?.keyword;
    if (keyword !== undefined) finding.keyword = keyword;
  }
  if (place.path !== undefined) finding.path = place.path;
  if (place.files !== undefined) finding.files = place.files;
  return finding;
}
