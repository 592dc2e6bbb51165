import {
  ElementReader,
  lookupTransferSyntax,
  Tag,
  type EncapsulationFacts,
  type Finding,
  type Inspection,
  type ParsedDicom,
  type ParseIssue,
} from '@dsv/common';
import { expectedPixelLength, matchesPixelLength } from './expected-pixel-length.ts';
import { makeFinding } from './make-finding.ts';
import { findElement, HUGE_LENGTH, implausibleLength } from './plausible-length.ts';

const PIXEL_DATA = Tag.PixelData;

/**
 * Is every byte the file promises there? Truncation, lengths that cannot be right, native Pixel Data of
 * the wrong size, and broken encapsulation (PS3.5 §7.1, §8.1.1, §A.4). Pixel values are never read.
 */
export function checkIntegrity(inspection: Inspection): Finding[] {
  const reader = inspection.parsed ? new ElementReader(inspection.parsed) : null;
  const expected = reader ? expectedPixelLength(reader) : undefined;
  const findings = inspection.issues.flatMap((issue) => overrunFindings(issue, inspection.parsed, expected));
  const pixels = inspection.pixelData;
  if (!pixels || !inspection.parsed || !reader) return findings;
  const syntax = inspection.parsed.transferSyntaxUID ? lookupTransferSyntax(inspection.parsed.transferSyntaxUID) : undefined;
  if (pixels.encapsulated) {
    if (syntax && !syntax.encapsulated) {
      findings.push(
        makeFinding(
          'encapsulation-broken',
          `Pixel Data has undefined length under the native transfer syntax ${syntax.name} (PS3.5 §A.4)`,
          { tag: PIXEL_DATA },
        ),
      );
    }
    findings.push(...encapsulationFindings(pixels.encapsulated, reader.number('NumberOfFrames') ?? 1));
    return findings;
  }
  if (syntax?.encapsulated) {
    findings.push(
      makeFinding(
        'encapsulation-broken',
        `Pixel Data has a defined length under ${syntax.name}, which encapsulates it in items of undefined length (PS3.5 §A.4)`,
        { tag: PIXEL_DATA },
      ),
    );
  } else if (expected !== undefined && !matchesPixelLength(pixels.availableBytes, expected)) {
    findings.push(
      makeFinding(
        'pixel-length-mismatch',
        `Pixel Data holds ${pixels.availableBytes} bytes; Rows × Columns × Samples per Pixel × Bits Allocated / 8 × Number of Frames = ${expected} (PS3.5 §8.1.1)`,
        { tag: PIXEL_DATA },
      ),
    );
  }
  return findings;
}

/** An element runs past the end of the file: always 'truncated'; 'length-past-eof' when its length was never plausible. */
function overrunFindings(issue: ParseIssue, parsed: ParsedDicom | null, expected: number | undefined): Finding[] {
  if (issue.kind === 'eof-in-element-header') {
    const after = issue.afterTag ? ` after (${issue.afterTag.slice(0, 4)},${issue.afterTag.slice(4)})` : '';
    return [makeFinding('truncated', `The file ends inside an element header${after}`)];
  }
  if (issue.kind !== 'element-past-eof') return [];
  const tag = issue.tag ?? undefined;
  const findings = [
    makeFinding(
      'truncated',
      `The file ends ${issue.availableBytes} bytes into a value that declares ${issue.declaredLength} bytes`,
      tag ? { tag } : {},
    ),
  ];
  const why =
    tag === undefined
      ? undefined
      : tag === PIXEL_DATA
        ? implausiblePixelLength(issue.declaredLength, expected)
        : implausibleLength(tag, parsed ? findElement(parsed.dataset, tag)?.vr : undefined, issue.declaredLength);
  if (why !== undefined) {
    findings.push(makeFinding('length-past-eof', `The element ${why}, past the end of the file`, tag ? { tag } : {}));
  }
  if (issue.declaredLength >= HUGE_LENGTH) {
    findings.push(makeFinding('huge-length', `The element declares ${issue.declaredLength} bytes (2 GiB or more)`, tag ? { tag } : {}));
  }
  return findings;
}

/** A cut file keeps a right declared length; a wrong one was never going to fit. */
function implausiblePixelLength(declared: number, expected: number | undefined): string | undefined {
  if (declared >= HUGE_LENGTH) return `declares ${declared} bytes, 2 GiB or more`;
  if (expected === undefined || matchesPixelLength(declared, expected)) return undefined;
  return `declares ${declared} bytes where the image attributes give ${expected}`;
}

function encapsulationFindings(facts: EncapsulationFacts, frames: number): Finding[] {
  const place = { tag: PIXEL_DATA };
  // The walker's own flag (common/src/dicom/encapsulated-items.ts): the file ended inside an item or before the delimiter.
  if (facts.truncated) return [makeFinding('truncated', `The file ends inside the encapsulated Pixel Data: ${facts.problem}`, place)];
  if (facts.problem !== null) return [makeFinding('encapsulation-broken', `${facts.problem} (PS3.5 §A.4)`, place)];
  const findings: Finding[] = [];
  // PS3.5 §A.4: a frame is one or more whole fragments, so there are at least as many fragments as frames.
  if (facts.fragments < frames) {
    findings.push(
      makeFinding(
        'encapsulation-broken',
        `The encapsulated Pixel Data has ${facts.fragments} fragment(s) for ${frames} frame(s) (PS3.5 §A.4)`,
        place,
      ),
    );
  }
  // PS3.5 §A.4: a non-empty Basic Offset Table holds one offset per frame. Readers can do without it: warning.
  if (facts.offsetTableEntries > 0 && facts.offsetTableEntries !== frames) {
    findings.push(
      makeFinding(
        'encapsulation-broken',
        `The Basic Offset Table has ${facts.offsetTableEntries} entries for ${frames} frame(s) (PS3.5 §A.4)`,
        { ...place, severity: 'warning' },
      ),
    );
  }
  return findings;
}
