import { describe, expect, it } from 'vitest';
import { evaluateIod, type IodRules } from '../../../src/domain/iod/check-iod.ts';
import { corpusAvailable } from '../../../../test/support/corpus.ts';
import {
  conformingAttributes,
  ctImage,
  element,
  item,
  part10,
  secondaryCaptureImage,
  UNDEFINED,
  us,
  withChanges,
} from '../../support/fixtures.ts';
import { validateFile } from '../../../src/domain/validate-file.ts';
import { inspectBytes, inspectCorpus, projectConfig } from '../../support/inspect.ts';

const rules: IodRules = { enabled: true, severity: 'warning' };
const check = (bytes: Buffer, given: IodRules = rules) => evaluateIod(inspectBytes(bytes), given).findings;
const summary = (findings: { code: string; keyword?: string; path?: string }[]) => findings.map((f) => `${f.code} ${f.path ?? f.keyword}`);

/** Item Delimitation Item (FFFE,E00D), length 0 (PS3.5 §7.5.2). */
const ITEM_DELIMITER = Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0]);

/** A sequence of defined length holding the given items (PS3.5 §7.5.1). */
function sequence(tag: string, items: Buffer[][]): Buffer {
  return element(tag, 'SQ', Buffer.concat(items.map((elements) => item(0xe000, Buffer.concat(elements)))));
}

describe('checkIod', () => {
  describe('when the file satisfies its IOD', () => {
    it('then a hand-built CT image has no finding', () => {
      expect(check(ctImage())).toEqual([]);
    });

    it('then a hand-built Secondary Capture image has no finding', () => {
      expect(check(secondaryCaptureImage())).toEqual([]);
    });

    it
      .skipIf(!corpusAvailable)
      .each([
        'valid/samples/CT_small.dcm',
        'valid/samples/MR_small.dcm',
        'valid/synthetic/dx-1024/DX_0001.dcm',
        'valid/synthetic/cr-1024/CR_0001.dcm',
        'valid/synthetic/mf-16-frames/MF_0001.dcm',
      ])('then the corpus file %s has no finding', async (file) => {
      expect(evaluateIod(await inspectCorpus(file), rules).findings).toEqual([]);
    });
  });

  describe('when a Type 1 or 2 attribute of a mandatory module is absent or empty', () => {
    it('then missing-type1, missing-type2 and empty-type1 name the module and the IOD', () => {
      const findings = check(ctImage({ '00080008': null, '00180060': null, '00281053': element('00281053', 'DS', '') }));
      expect(summary(findings)).toEqual(['missing-type1 ImageType', 'empty-type1 RescaleSlope', 'missing-type2 KVP']);
      expect(findings[0]).toMatchObject({ severity: 'warning', tag: '(0008,0008)', keyword: 'ImageType' });
      expect(findings[0]?.message).toBe('Type 1 attribute ImageType is absent (CT Image Module of the CT Image IOD)');
      expect(findings[1]?.message).toMatch(/^Type 1 attribute RescaleSlope is present but has no value \(CT Image Module/);
      expect(findings[2]?.message).toMatch(/^Type 2 attribute KVP is absent \(it may be empty, not absent\)/);
    });

    it('then iod.severity error makes them errors', () => {
      expect(check(ctImage({ '00080008': null }), { enabled: true, severity: 'error' })).toEqual([
        expect.objectContaining({ code: 'missing-type1', severity: 'error' }),
      ]);
    });

    it('then iod.enabled false checks nothing', () => {
      expect(check(ctImage({ '00080008': null }), { enabled: false, severity: 'warning' })).toEqual([]);
    });

    it('then an attribute the configured required list already reported is not reported again by the IOD tables', () => {
      const verdict = validateFile(inspectBytes(ctImage({ '00080060': null })), '0001.dcm', projectConfig());
      expect([...verdict.errors, ...verdict.warnings].filter((f) => f.keyword === 'Modality')).toEqual([
        expect.objectContaining({ code: 'missing-type1', severity: 'error' }),
      ]);
    });

    it('then a module a CT needs and a Secondary Capture does not is asked of the CT only', () => {
      const noPlane = { '00200032': null, '00200037': null, '00280030': null };
      expect(summary(check(ctImage(noPlane)))).toEqual([
        'missing-type1 PixelSpacing',
        'missing-type1 ImageOrientationPatient',
        'missing-type1 ImagePositionPatient',
      ]);
      expect(check(secondaryCaptureImage())).toEqual([]);
    });

    it('then the File Meta Information is checked too (PS3.10 §7.1)', () => {
      const findings = check(part10(withChanges(conformingAttributes(), {})));
      expect(findings).toContainEqual(expect.objectContaining({ code: 'missing-type1', keyword: 'ImplementationClassUID' }));
      expect(findings.find((f) => f.keyword === 'ImplementationClassUID')?.message).toMatch(
        /\(File Meta Information Module of the SC Image IOD\)$/,
      );
    });
  });

  describe('when a Type 1C or 2C attribute is absent', () => {
    it('then missing-type1c when its condition holds, with the condition in the message', () => {
      const rgb = secondaryCaptureImage({
        '00280002': element('00280002', 'US', us(3)),
        '00280004': element('00280004', 'CS', 'RGB'),
        '7FE00010': element('7FE00010', 'OB', Buffer.alloc(12)),
      });
      const findings = check(rgb);
      expect(summary(findings)).toEqual(['missing-type1c PlanarConfiguration']);
      expect(findings[0]?.message).toMatch(/is absent; required when .+ \(Image Pixel Module of the SC Image IOD\)$/);
    });

    it('then Laterality (2C) is asked for when Body Part Examined is absent or not a known unpaired part, not when it is CHEST or Image Laterality is sent', () => {
      const noLaterality = { '00200060': null };
      expect(summary(check(secondaryCaptureImage(noLaterality)))).toEqual(['missing-type2c Laterality']);
      expect(summary(check(secondaryCaptureImage({ ...noLaterality, '00180015': element('00180015', 'CS', 'KNEE') })))).toEqual([
        'missing-type2c Laterality',
      ]);
      expect(check(secondaryCaptureImage({ ...noLaterality, '00180015': element('00180015', 'CS', 'CHEST') }))).toEqual([]);
      expect(check(secondaryCaptureImage({ ...noLaterality, '00200062': element('00200062', 'CS', 'R') }))).toEqual([]);
    });

    it('then Patient Position (2C) is asked of a CT, and Patient Orientation (2C) of an image without an Image Plane Module', () => {
      expect(summary(check(ctImage({ '00185100': null })))).toEqual(['missing-type2c PatientPosition']);
      expect(summary(check(secondaryCaptureImage({ '00200020': null })))).toEqual(['missing-type2c PatientOrientation']);
    });

    it('then a condition that does not hold asks for nothing', () => {
      // Pixel Padding Value is 1C only when Pixel Padding Range Limit is sent.
      expect(check(ctImage({ '00280120': null }))).toEqual([]);
      expect(summary(check(ctImage({ '00280121': element('00280121', 'US', us(0)) })))).toEqual(['missing-type1c PixelPaddingValue']);
    });
  });

  describe('when an attribute has Enumerated Values in its module', () => {
    it('then another value is bad-enum with the values allowed, at iod.severity', () => {
      const findings = check(ctImage({ '00280100': element('00280100', 'US', us(8)) }));
      expect(findings).toEqual([expect.objectContaining({ code: 'bad-enum', severity: 'warning', keyword: 'BitsAllocated' })]);
      expect(findings[0]?.message).toBe(
        'BitsAllocated 8 is not one of its Enumerated Values here (16) (CT Image Module of the CT Image IOD)',
      );
    });

    it('then a text value is compared without its padding', () => {
      expect(check(ctImage({ '00280004': element('00280004', 'CS', 'RGB') }))).toContainEqual(
        expect.objectContaining({ code: 'bad-enum', keyword: 'PhotometricInterpretation' }),
      );
      expect(check(ctImage({ '00280004': element('00280004', 'CS', 'MONOCHROME1') }))).toEqual([]);
    });
  });

  describe('when a sequence is sent', () => {
    const code = (meaning: boolean) => [
      element('00080100', 'SH', '51185008'), // CodeValue (SNOMED CT: thoracic structure)
      element('00080102', 'SH', 'SCT'), // CodingSchemeDesignator (SRT is deprecated)
      ...(meaning ? [element('00080104', 'LO', 'Chest')] : []), // CodeMeaning
    ];

    it('then the Type 1 attributes of its items are checked, with the path into the sequence', () => {
      const findings = check(ctImage({ '00081032': sequence('00081032', [code(true), code(false)]) })); // ProcedureCodeSequence
      expect(findings).toEqual([
        expect.objectContaining({
          code: 'missing-type1',
          tag: '(0008,0104)',
          keyword: 'CodeMeaning',
          path: 'ProcedureCodeSequence[1].CodeMeaning',
        }),
      ]);
      expect(findings[0]?.message).toMatch(/^Type 1 attribute ProcedureCodeSequence\[1\]\.CodeMeaning is absent \(General Study Module/);
    });

    it('then one problem in many items is one finding with a count', () => {
      const findings = check(ctImage({ '00081032': sequence('00081032', [code(false), code(false), code(false)]) }));
      expect(findings).toHaveLength(1);
      expect(findings[0]?.message).toMatch(/\(and 2 more items like it\)$/);
    });

    it('then an item of undefined length is read as well', () => {
      const undefinedLength = element(
        '00081032',
        'SQ',
        Buffer.concat([
          item(0xe000, Buffer.concat([...code(false), ITEM_DELIMITER]), UNDEFINED), // an item of undefined length, closed by its delimiter
          item(0xe0dd),
        ]),
        { length: UNDEFINED },
      );
      expect(summary(check(ctImage({ '00081032': undefinedLength })))).toEqual(['missing-type1 ProcedureCodeSequence[0].CodeMeaning']);
    });

    it('then a Type 1 sequence without items is empty-type1', () => {
      const enhancedCt = '1.2.840.10008.5.1.4.1.1.2.1';
      const bytes = part10(
        withChanges(conformingAttributes({ '00080016': element('00080016', 'UI', enhancedCt) }), {
          '52009229': element('52009229', 'SQ', Buffer.alloc(0)), // SharedFunctionalGroupsSequence, no item
        }),
        { sopClassUid: enhancedCt, implementationClassUid: '2.25.1' },
      );
      expect(check(bytes)).toContainEqual(expect.objectContaining({ code: 'empty-type1', keyword: 'SharedFunctionalGroupsSequence' }));
    });
  });

  describe('when a module is conditional', () => {
    const rtDose = (pixels: boolean) =>
      part10(
        withChanges(conformingAttributes({ '00080016': element('00080016', 'UI', '1.2.840.10008.5.1.4.1.1.481.2') }), {
          '00080060': element('00080060', 'CS', 'RTDOSE'),
          '00080070': element('00080070', 'LO', ''), // Manufacturer
          '00081070': element('00081070', 'PN', ''), // OperatorsName (RT Series, Type 2)
          '00200052': element('00200052', 'UI', '1.2.3.9'), // FrameOfReferenceUID
          '00201040': element('00201040', 'LO', ''), // PositionReferenceIndicator
          '30040002': element('30040002', 'CS', 'GY'), // DoseUnits
          '30040004': element('30040004', 'CS', 'PHYSICAL'), // DoseType
          '3004000A': element('3004000A', 'CS', 'PLAN'), // DoseSummationType
          ...(pixels ? { '7FE00010': element('7FE00010', 'OW', Buffer.alloc(8)) } : {}),
        }),
        { sopClassUid: '1.2.840.10008.5.1.4.1.1.481.2', implementationClassUid: '2.25.1' },
      );

    it('then an RT Dose without Pixel Data needs no Image Pixel Module, one with Pixel Data does', () => {
      // PS3.3 §C.8.8.27: a PLAN dose summation needs the plan it sums.
      expect(summary(check(rtDose(false)))).toEqual(['missing-type1c ReferencedRTPlanSequence']);
      expect(summary(check(rtDose(true)))).toEqual(
        expect.arrayContaining(['missing-type1 Rows', 'missing-type2 InstanceNumber', 'missing-type1c DoseGridScaling']),
      );
    });

    it('then the Overlay Plane Module is asked for when a repeating group 60xx holds an overlay attribute, its group masked (PS3.5 §7.6), and not otherwise', () => {
      const overlayFindings = (changes: Record<string, Buffer>) =>
        summary(check(ctImage(changes))).filter((line) => line.includes('Overlay'));
      expect(overlayFindings({})).toEqual([]);
      // Overlay Rows in group 6000, then in group 6002: either way the module's condition holds and its Type 1 attributes (group 6000) are asked for.
      expect(overlayFindings({ '60000010': element('60000010', 'US', us(2)) })).toEqual(
        expect.arrayContaining(['missing-type1 OverlayColumns', 'missing-type1 OverlayData']),
      );
      expect(overlayFindings({ '60020010': element('60020010', 'US', us(2)) })).toEqual(
        expect.arrayContaining(['missing-type1 OverlayRows', 'missing-type1 OverlayColumns']),
      );
    });
  });

  describe('when the SOP Class is not in the table', () => {
    it('then one unknown-sop-class warning says only the generic checks ran', () => {
      const ophthalmic = '1.2.826.0.1.3680043.2.1143.999'; // a private SOP Class
      const findings = check(
        part10(conformingAttributes({ '00080016': element('00080016', 'UI', ophthalmic) }), {
          sopClassUid: ophthalmic,
          implementationClassUid: '2.25.1',
        }),
      );
      expect(findings).toEqual([expect.objectContaining({ code: 'unknown-sop-class', severity: 'warning', tag: '(0008,0016)' })]);
      expect(findings[0]?.message).toContain(ophthalmic);
      expect(findings[0]?.message).toMatch(/only the generic rules/);
    });
  });
});

describe('evaluateIod: what the generated tables add', () => {
  it("when a CT's ImageType value 1 is PRIMARY, then bad-enum names ORIGINAL and DERIVED (the README's example)", () => {
    const findings = check(ctImage({ '00080008': element('00080008', 'CS', 'PRIMARY\\PRIMARY\\AXIAL') }));
    expect(findings).toEqual([expect.objectContaining({ code: 'bad-enum', keyword: 'ImageType' })]);
    expect(findings[0]?.message).toMatch(/^ImageType value 1 "PRIMARY" is not one of its Enumerated Values here \(ORIGINAL, DERIVED\)/);
  });

  it("when a Secondary Capture's ConversionType is not a Defined Term, then unknown-defined-term, a warning whatever iod.severity", () => {
    const findings = check(secondaryCaptureImage({ '00080064': element('00080064', 'CS', 'SCAN') }), { enabled: true, severity: 'error' });
    expect(findings).toEqual([expect.objectContaining({ code: 'unknown-defined-term', severity: 'warning', keyword: 'ConversionType' })]);
  });

  it('when an Enhanced CT has empty functional group items, then the macros of the shared and per-frame groups are checked inside them', () => {
    const enhancedCt = '1.2.840.10008.5.1.4.1.1.2.1';
    const bytes = part10(
      withChanges(conformingAttributes({ '00080016': element('00080016', 'UI', enhancedCt) }), {
        '52009229': sequence('52009229', [[]]), // SharedFunctionalGroupsSequence, one empty item
        '52009230': sequence('52009230', [[], []]), // PerFrameFunctionalGroupsSequence, two empty items
      }),
      { sopClassUid: enhancedCt, implementationClassUid: '2.25.1' },
    );
    const paths = check(bytes).flatMap((f) => (f.path === undefined ? [] : [f.path]));
    expect(paths).toContainEqual(expect.stringMatching(/^SharedFunctionalGroupsSequence\[0\]\.\w+Sequence$/));
    expect(paths).toContainEqual('PerFrameFunctionalGroupsSequence[0].FrameContentSequence');
  });

  it('when the SOP Class is Secondary Capture, then Modality is not required, though configured, unless requiredAttributes.strict (PS3.3 §C.8.6.1)', () => {
    const config = projectConfig();
    const noModality = secondaryCaptureImage({ '00080060': null });
    const verdict = validateFile(inspectBytes(noModality), '0001.dcm', config);
    expect([...verdict.errors, ...verdict.warnings]).toEqual([]);
    const strict = validateFile(inspectBytes(noModality), '0001.dcm', {
      ...config,
      requiredAttributes: { ...config.requiredAttributes, strict: true },
    });
    expect(strict.errors).toEqual([expect.objectContaining({ code: 'missing-type1', keyword: 'Modality' })]);
    const ct = validateFile(inspectBytes(ctImage({ '00080060': null })), '0001.dcm', config);
    expect(ct.errors).toEqual([expect.objectContaining({ code: 'missing-type1', keyword: 'Modality' })]);
  });
});

describe("evaluateIod: dciodvfy's own rules (Verify lines of the templates)", () => {
  it('when a rule states a requirement the Type cannot (Required unless TILED_FULL), then missing-type1c with its message', () => {
    const wsi = '1.2.840.10008.5.1.4.1.1.77.1.6';
    const bytes = part10(conformingAttributes({ '00080016': element('00080016', 'UI', wsi) }), {
      sopClassUid: wsi,
      implementationClassUid: '2.25.1',
    });
    expect(check(bytes)).toContainEqual(
      expect.objectContaining({
        code: 'missing-type1c',
        keyword: 'PerFrameFunctionalGroupsSequence',
        message: expect.stringMatching(/Required unless DimensionOrganizationType is TILED_FULL/),
      }),
    );
  });

  it('when a rule is no requirement (Patient Position beside a Patient Orientation Code Sequence), then iod-rule with its message at iod.severity', () => {
    const orientation = element('00540410', 'SQ', Buffer.alloc(0)); // PatientOrientationCodeSequence, beside PatientPosition HFS
    const findings = check(ctImage({ '00540410': orientation }), { enabled: true, severity: 'error' });
    expect(findings).toContainEqual(expect.objectContaining({ code: 'iod-rule', severity: 'error', keyword: 'PatientPosition' }));
    expect(findings.find((f) => f.code === 'iod-rule')?.message).toMatch(
      /Shall not be present when PatientOrientationCodeSequence is present/,
    );
  });

  it('when dciodvfy only advises (an empty Laterality, its warning), then nothing: its advice is not generated', () => {
    expect(check(secondaryCaptureImage({ '00200060': element('00200060', 'CS', '') }))).toEqual([]);
  });
});
