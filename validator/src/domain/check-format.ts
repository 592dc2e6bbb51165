import { ElementReader, lookupTransferSyntax, Tag, type Finding, type Inspection, type ParseIssue } from '@dsv/common';
import { isHeaderComplete } from './header-state.ts';
import { makeFinding } from './make-finding.ts';

/** PS3.4 Annex F, PS3.10 §8: the Media Storage Directory Storage SOP Class of a DICOMDIR. */
const MEDIA_STORAGE_DIRECTORY = '1.2.840.10008.1.3.10';

/**
 * Part 10 framing (PS3.10 §7.1): preamble, 'DICM', a File Meta Information group that names the transfer
 * syntax and agrees with the data set about which instance this is.
 */
export function checkFormat(inspection: Inspection): Finding[] {
  const findings = inspection.issues.flatMap(formatFindings);
  const parsed = inspection.parsed;
  // A cut header may have lost its meta group or the data set's UIDs: nothing to compare then.
  if (!parsed || !isHeaderComplete(inspection) || findings.length > 0) return findings;
  const reader = new ElementReader(parsed);
  const meta = parsed.meta;
  if (reader.text('MediaStorageSOPClassUID', meta) === MEDIA_STORAGE_DIRECTORY) {
    return [
      makeFinding(
        'media-storage-directory',
        'The file is a Media Storage Directory (DICOMDIR, PS3.10 §8): the index of a file-set, not a composite instance; send the files it lists, not the directory',
        { tag: Tag.MediaStorageSOPClassUID },
      ),
    ];
  }
  if (!meta.has(Tag.TransferSyntaxUID)) {
    findings.push(makeFinding('meta-missing-transfer-syntax', 'The file meta has no Transfer Syntax UID', { tag: Tag.TransferSyntaxUID }));
  } else if (parsed.transferSyntaxUID && !lookupTransferSyntax(parsed.transferSyntaxUID)) {
    findings.push(
      makeFinding(
        'unknown-transfer-syntax',
        `Transfer Syntax UID ${parsed.transferSyntaxUID} is not one this validator knows; the data set was read as explicit VR little endian`,
        { tag: Tag.TransferSyntaxUID },
      ),
    );
  }
  findings.push(...compareMeta(reader, 'MediaStorageSOPClassUID', 'SOPClassUID'));
  findings.push(...compareMeta(reader, 'MediaStorageSOPInstanceUID', 'SOPInstanceUID'));
  return findings;
}

/** PS3.10 §7.1: (0002,0002) and (0002,0003) are Type 1 and equal the data set's SOP Class and Instance UIDs. */
function compareMeta(
  reader: ElementReader,
  metaKeyword: 'MediaStorageSOPClassUID' | 'MediaStorageSOPInstanceUID',
  datasetKeyword: 'SOPClassUID' | 'SOPInstanceUID',
): Finding[] {
  const isClass = datasetKeyword === 'SOPClassUID';
  const inMeta = reader.text(metaKeyword, reader.parsed.meta);
  if (inMeta === undefined) {
    return [
      makeFinding(isClass ? 'meta-missing-sop-class' : 'meta-missing-sop-instance', `The file meta has no ${metaKeyword} (PS3.10 §7.1)`, {
        tag: Tag[metaKeyword],
      }),
    ];
  }
  const inDataset = reader.text(datasetKeyword);
  // An absent data set UID is reported by the required-attribute check, not as a mismatch.
  if (inDataset === undefined || inDataset === inMeta) return [];
  return [
    makeFinding(
      isClass ? 'meta-sop-class-mismatch' : 'meta-sop-instance-mismatch',
      `${metaKeyword} ${inMeta} differs from the data set's ${datasetKeyword} ${inDataset} (PS3.10 §7.1)`,
      { tag: Tag[datasetKeyword] },
    ),
  ];
}

function formatFindings(issue: ParseIssue): Finding[] {
  switch (issue.kind) {
    case 'empty-file':
      return [makeFinding('empty-file', 'The file has no bytes')];
    case 'not-dicom':
      return [makeFinding('not-dicom', "The file is not DICOM: no 'DICM' prefix at offset 128 and no data set at its start")];
    case 'no-preamble': {
      const preamble = makeFinding('no-preamble', 'The file starts with a data set, not with the 128-byte preamble (PS3.10 §7.1)');
      if (issue.fileMetaPresent) return [preamble];
      return [preamble, makeFinding('no-file-meta', 'The file has no File Meta Information group (0002,xxxx) (PS3.10 §7.1)')];
    }
    case 'no-dicm-magic':
      return [makeFinding('no-dicm-magic', "The four bytes after the preamble are not 'DICM' (PS3.10 §7.1)")];
    case 'meta-missing-transfer-syntax':
      return [
        makeFinding('meta-missing-transfer-syntax', 'The file meta has no Transfer Syntax UID: the data set cannot be read', {
          tag: Tag.TransferSyntaxUID,
        }),
      ];
    case 'deflate-bomb':
      return [makeFinding('deflate-bomb', `The deflated data set inflates past the limit of ${issue.limitBytes} bytes`)];
    case 'inflate-failed':
      return [makeFinding('inflate-failed', `The deflated data set cannot be inflated: ${issue.message}`)];
    case 'header-too-large':
      return [makeFinding('header-too-large', `The header before Pixel Data is larger than the limit of ${issue.limitBytes} bytes`)];
    case 'unparseable':
      return [makeFinding('unparseable', `The data set cannot be parsed: ${issue.message}`)];
    default:
      return [];
  }
}
