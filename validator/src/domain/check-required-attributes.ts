import { ElementReader, lookupKeyword, Tag, type DicomElement, type Finding, type Inspection, type TagKeyword } from '@dsv/common';
import type { Requirement } from './iod/check-iod.ts';
import { iodOfSopClass } from './iod/iod-tables.ts';
import { isEmptyValue } from './is-empty-value.ts';
import { makeFinding } from './make-finding.ts';

export interface RequiredAttributes {
  /** Keywords that must be present with a value (PS3.5 §7.4.1). */
  readonly type1: readonly string[];
  /** Keywords that must be present, possibly empty (PS3.5 §7.4.3). */
  readonly type2: readonly string[];
  /** Require them even where the instance's IOD makes them optional (Modality in a Secondary Capture image). */
  readonly strict: boolean;
}

/**
 * The attribute types of PS3.5 §7.4 for the configured keywords, plus Pixel Data for images. The configured
 * list never contradicts the instance's IOD: an attribute the IOD lists but does not require of this
 * instance (`requirements`: Type 3, or a 1C/2C whose condition does not hold, e.g. Modality in a Secondary
 * Capture Image, PS3.3 §C.8.6.1) is not required here unless `strict` says so. An attribute the IOD does not
 * list stays required: that is the archive's own rule, not a contradiction.
 */
export function checkRequiredAttributes(
  inspection: Inspection,
  required: RequiredAttributes,
  requirements: ReadonlyMap<string, Requirement> = new Map(),
): Finding[] {
  const parsed = inspection.parsed;
  if (!parsed) return [];
  const reader = new ElementReader(parsed);
  const findings: Finding[] = [];
  const find = (tag: string): DicomElement | undefined => (tag.startsWith('0002') ? parsed.meta : parsed.dataset).get(tag);
  const waived = (keyword: string): boolean => !required.strict && requirements.get(keyword) === 'optional';
  for (const keyword of required.type1) {
    if (waived(keyword)) continue;
    const tag = tagOf(keyword);
    const element = find(tag);
    if (!element) findings.push(makeFinding('missing-type1', `Type 1 attribute ${keyword} is absent`, { tag }));
    else if (isEmptyValue(reader, element))
      findings.push(makeFinding('empty-type1', `Type 1 attribute ${keyword} is present but has no value`, { tag }));
  }
  for (const keyword of required.type2) {
    if (waived(keyword)) continue;
    const tag = tagOf(keyword);
    if (!find(tag))
      findings.push(makeFinding('missing-type2', `Type 2 attribute ${keyword} is absent (it may be empty, not absent)`, { tag }));
  }
  if (lacksPixelData(inspection, reader)) {
    const why =
      reader.has('Rows') && reader.has('Columns')
        ? 'The image has Rows and Columns but no Pixel Data'
        : 'Its SOP Class makes the Image Pixel Module mandatory, but there is no Pixel Data';
    findings.push(
      makeFinding('missing-type1', `${why} (PS3.3 §C.7.6.3: Type 1C, required unless a Pixel Data Provider URL is given)`, {
        tag: Tag.PixelData,
      }),
    );
  }
  return findings;
}

function tagOf(keyword: string): string {
  const entry = lookupKeyword(keyword);
  // The config schema checked every keyword against the dictionary at start-up.
  if (!entry) throw new Error(`'${keyword}' is not a DICOM keyword`);
  return entry.tag;
}

const PIXEL_SOURCES: readonly TagKeyword[] = ['PixelData', 'FloatPixelData', 'DoubleFloatPixelData', 'PixelDataProviderURL'];

/**
 * An image needs one of the three pixel data elements (or a provider URL). "Image" means Rows and
 * Columns are there, or the SOP Class's IOD makes the Image Pixel Module mandatory: a CT cut cleanly
 * before its pixel module is no image an archive can use, whatever the IOD severity says.
 */
function lacksPixelData(inspection: Inspection, reader: ElementReader): boolean {
  if (inspection.pixelData || PIXEL_SOURCES.some((keyword) => reader.has(keyword))) return false;
  return (reader.has('Rows') && reader.has('Columns')) || requiresImagePixel(reader.text('SOPClassUID'));
}

/** The IOD of the SOP Class makes the Image Pixel Module mandatory (PS3.3 Annex A). */
function requiresImagePixel(sopClassUID: string | undefined): boolean {
  return iodOfSopClass(sopClassUID)?.table.m.some(([module, usage]) => module === 'ImagePixel' && usage === 'M') ?? false;
}
