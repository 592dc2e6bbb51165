import { ElementReader, Tag, type Finding, type FindingCode, type Inspection, type Severity, type TagKeyword } from '@dsv/common';
import { makeFinding } from './make-finding.ts';

interface ValueTable {
  keyword: TagKeyword;
  /** Where PS3.3 lists the values. */
  section: string;
  /** Enumerated Values allow nothing else (an error); Defined Terms may be extended (a warning). PS3.3 §5.3. */
  kind: 'Enumerated Values' | 'Defined Terms';
  code: FindingCode;
  values: readonly string[];
}

/** The one table of value sets this validator checks. */
const VALUE_TABLES: readonly ValueTable[] = [
  {
    keyword: 'PatientSex',
    section: 'PS3.3 §C.7.1.1',
    kind: 'Enumerated Values',
    // 'bad-vr', not 'bad-enum': the corpus manifest (shared/corpus) names this case `bad-vr:00100040`, and the
    // gateway and reports share the manifest's vocabulary.
    code: 'bad-vr',
    values: ['M', 'F', 'O'],
  },
  {
    keyword: 'Modality',
    section: 'PS3.3 §C.7.3.1.1.1',
    kind: 'Defined Terms',
    code: 'bad-enum',
    values: [
      'ANN', 'AR', 'ASMT', 'AU', 'BDUS', 'BI', 'BMD', 'CFM', 'CR', 'CT', 'CTPROTOCOL', 'DMS', 'DG', 'DOC', 'DX', 'ECG', 'EEG',
      'EMG', 'EOG', 'EPS', 'ES', 'FID', 'GM', 'HC', 'HD', 'IO', 'IOL', 'IVOCT', 'IVUS', 'KER', 'KO', 'LEN', 'LS', 'MG',
      'MR', 'M3D', 'NM', 'OAM', 'OCT', 'OP', 'OPM', 'OPT', 'OPTBSV', 'OPTENF', 'OPV', 'OSS', 'OT', 'PA', 'PLAN', 'POS',
      'PR', 'PT', 'PX', 'REG', 'RESP', 'RF', 'RG', 'RTDOSE', 'RTIMAGE', 'RTINTENT', 'RTPLAN', 'RTRAD', 'RTRECORD',
      'RTSEGANN', 'RTSTRUCT', 'RWV', 'SEG', 'SM', 'SMR', 'SR', 'SRF', 'STAIN', 'TEXTUREMAP', 'TG', 'US', 'VA', 'XA',
      'XAPROTOCOL', 'XC',
      // Retired terms (PS3.3 §C.7.3.1.1.1, "Retired Defined Terms"): old files still carry them.
      'AS', 'CD', 'CF', 'CP', 'CS', 'DD', 'DF', 'DM', 'DS', 'EC', 'FA', 'FS', 'LP', 'MA', 'MS', 'OPR', 'ST', 'VF',
    ],
  },
  {
    keyword: 'PhotometricInterpretation',
    section: 'PS3.3 §C.7.6.3.1.2',
    // "Other values are permitted if supported by the Transfer Syntax but the meaning is not defined by this Standard."
    kind: 'Defined Terms',
    code: 'bad-enum',
    values: [
      'MONOCHROME1', 'MONOCHROME2', 'PALETTE COLOR', 'RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_PARTIAL_420', 'YBR_ICT',
      'YBR_RCT', 'XYB',
      // Retired, still found in old files.
      'YBR_PARTIAL_422', 'HSV', 'ARGB', 'CMYK',
    ],
  },
];

/** Values outside the standard's value sets; an empty value is the Type 2 check's business, not this one's. */
export function checkEnumeratedValues(inspection: Inspection): Finding[] {
  if (!inspection.parsed) return [];
  const reader = new ElementReader(inspection.parsed);
  const findings: Finding[] = [];
  for (const table of VALUE_TABLES) {
    const value = reader.text(table.keyword);
    if (value === undefined || table.values.includes(value)) continue;
    const severity: Severity = table.kind === 'Enumerated Values' ? 'error' : 'warning';
    findings.push(makeFinding(table.code,
      `${table.keyword} '${value}' is not one of the ${table.kind} of ${table.section} (${table.values.slice(0, 12).join(', ')}${table.values.length > 12 ? ', …' : ''})`,
      { tag: Tag[table.keyword], severity }));
  }
  return findings;
}
