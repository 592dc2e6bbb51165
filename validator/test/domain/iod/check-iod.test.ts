import { lookupKeyword } from '@dsv/common';
import { describe, expect, it } from 'vitest';
import { checkIod, type IodRules } from '../../../src/domain/iod/check-iod.ts';
import { CONDITIONS } from '../../../src/domain/iod/conditions.ts';
import { IODS_BY_SOP_CLASS } from '../../../src/domain/iod/iods.ts';
import { MODULES } from '../../../src/domain/iod/modules.ts';
import type { AttributeRule } from '../../../src/domain/iod/types.ts';
import { corpusAvailable } from '../../../../test/support/corpus.ts';
import { conformingAttributes, ctImage, element, item, part10, secondaryCaptureImage, UNDEFINED, us, withChanges } from '../../support/fixtures.ts';
import { inspectBytes, inspectCorpus } from '../../support/inspect.ts';

const rules: IodRules = { enabled: true, severity: 'warning' };
const check = (bytes: Buffer, given: IodRules = rules, skip?: ReadonlySet<string>) => checkIod(inspectBytes(bytes), given, skip);
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

    it.skipIf(!corpusAvailable).each(['valid/samples/CT_small.dcm', 'valid/samples/MR_small.dcm', 'valid/synthetic/dx-1024/DX_0001.dcm', 'valid/synthetic/cr-1024/CR_0001.dcm', 'valid/synthetic/mf-16-frames/MF_0001.dcm'])(
      'then the corpus file %s has no finding', async (file) => {
        expect(checkIod(await inspectCorpus(file), rules)).toEqual([]);
      });
  });

  describe('when a Type 1 or 2 attribute of a mandatory module is absent or empty', () => {
    it('then missing-type1, missing-type2 and empty-type1 name the module, the IOD and their PS3.3 sections', () => {
      const findings = check(ctImage({ '00080008': null, '00180060': null, '00281053': element('00281053', 'DS', '') }));
      expect(summary(findings)).toEqual(['missing-type1 ImageType', 'empty-type1 RescaleSlope', 'missing-type2 KVP']);
      expect(findings[0]).toMatchObject({ severity: 'warning', tag: '(0008,0008)', keyword: 'ImageType' });
      expect(findings[0]?.message).toBe('Type 1 attribute ImageType is absent (CT Image Module, PS3.3 §C.8.2.1, of the CT Image IOD, PS3.3 §A.3)');
      expect(findings[1]?.message).toMatch(/^Type 1 attribute RescaleSlope is present but has no value \(CT Image Module/);
      expect(findings[2]?.message).toMatch(/^Type 2 attribute KVP is absent \(it may be empty, not absent\)/);
    });

    it('then iod.severity error makes them errors', () => {
      expect(check(ctImage({ '00080008': null }), { enabled: true, severity: 'error' })).toEqual([expect.objectContaining({ code: 'missing-type1', severity: 'error' })]);
    });

    it('then iod.enabled false checks nothing', () => {
      expect(check(ctImage({ '00080008': null }), { enabled: false, severity: 'warning' })).toEqual([]);
    });

    it('then a tag another check already reported is left out', () => {
      expect(check(ctImage({ '00080008': null, '00180060': null }), rules, new Set(['00080008']))).toEqual([expect.objectContaining({ keyword: 'KVP' })]);
    });

    it('then a module a CT needs and a Secondary Capture does not is asked of the CT only', () => {
      const noPlane = { '00200032': null, '00200037': null, '00280030': null };
      expect(summary(check(ctImage(noPlane)))).toEqual(['missing-type1 PixelSpacing', 'missing-type1 ImageOrientationPatient', 'missing-type1 ImagePositionPatient']);
      expect(check(secondaryCaptureImage())).toEqual([]);
    });

    it('then the File Meta Information is checked too (PS3.10 §7.1)', () => {
      const findings = check(part10(withChanges(conformingAttributes(), {})));
      expect(findings).toContainEqual(expect.objectContaining({ code: 'missing-type1', keyword: 'ImplementationClassUID' }));
      expect(findings.find((f) => f.keyword === 'ImplementationClassUID')?.message).toMatch(/\(File Meta Information, PS3\.10 §7\.1\)$/);
    });
  });

  describe('when a Type 1C or 2C attribute is absent', () => {
    it('then missing-type1c when its condition holds, with the condition in the message', () => {
      const rgb = secondaryCaptureImage({ '00280002': element('00280002', 'US', us(3)), '00280004': element('00280004', 'CS', 'RGB'), '7FE00010': element('7FE00010', 'OB', Buffer.alloc(12)) });
      const findings = check(rgb);
      expect(summary(findings)).toEqual(['missing-type1c PlanarConfiguration']);
      expect(findings[0]?.message).toMatch(/is absent; it is required when Samples per Pixel is more than 1 \(Image Pixel Module, PS3\.3 §C\.7\.6\.3/);
    });

    it('then Laterality (2C) is asked for when Body Part Examined is absent or not a known unpaired part, not when it is CHEST or Image Laterality is sent', () => {
      const noLaterality = { '00200060': null };
      expect(summary(check(secondaryCaptureImage(noLaterality)))).toEqual(['missing-type2c Laterality']);
      expect(summary(check(secondaryCaptureImage({ ...noLaterality, '00180015': element('00180015', 'CS', 'KNEE') })))).toEqual(['missing-type2c Laterality']);
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
      expect(findings[0]?.message).toBe('BitsAllocated 8 is not one of its Enumerated Values here (16) (CT Image Module, PS3.3 §C.8.2.1, of the CT Image IOD, PS3.3 §A.3)');
    });

    it('then a text value is compared without its padding', () => {
      expect(check(ctImage({ '00280004': element('00280004', 'CS', 'RGB') }))).toEqual([expect.objectContaining({ code: 'bad-enum', keyword: 'PhotometricInterpretation' })]);
      expect(check(ctImage({ '00280004': element('00280004', 'CS', 'MONOCHROME1') }))).toEqual([]);
    });
  });

  describe('when a sequence is sent', () => {
    const code = (meaning: boolean) => [
      element('00080100', 'SH', 'T-D1100'), // CodeValue
      element('00080102', 'SH', 'SRT'), // CodingSchemeDesignator
      ...(meaning ? [element('00080104', 'LO', 'Chest')] : []), // CodeMeaning
    ];

    it('then the Type 1 attributes of its items are checked, with the path into the sequence', () => {
      const findings = check(ctImage({ '00081032': sequence('00081032', [code(true), code(false)]) })); // ProcedureCodeSequence
      expect(findings).toEqual([expect.objectContaining({ code: 'missing-type1', tag: '(0008,0104)', keyword: 'CodeMeaning', path: 'ProcedureCodeSequence[1].CodeMeaning' })]);
      expect(findings[0]?.message).toMatch(/^Type 1 attribute ProcedureCodeSequence\[1\]\.CodeMeaning is absent \(General Study Module/);
    });

    it('then one problem in many items is one finding with a count', () => {
      const findings = check(ctImage({ '00081032': sequence('00081032', [code(false), code(false), code(false)]) }));
      expect(findings).toHaveLength(1);
      expect(findings[0]?.message).toMatch(/\(and 2 more items like it\)$/);
    });

    it('then an item of undefined length is read as well', () => {
      const undefinedLength = element('00081032', 'SQ', Buffer.concat([
        item(0xe000, Buffer.concat([...code(false), ITEM_DELIMITER]), UNDEFINED), // an item of undefined length, closed by its delimiter
        item(0xe0dd),
      ]), { length: UNDEFINED });
      expect(summary(check(ctImage({ '00081032': undefinedLength })))).toEqual(['missing-type1 ProcedureCodeSequence[0].CodeMeaning']);
    });

    it('then a Type 1 sequence without items is empty-type1', () => {
      const pdf = part10(withChanges(conformingAttributes({ '00080016': element('00080016', 'UI', '1.2.840.10008.5.1.4.1.1.481.3') }), {
        '00080060': element('00080060', 'CS', 'RTSTRUCT'),
        '30060002': element('30060002', 'SH', 'LABEL'), // StructureSetLabel
        '30060020': element('30060020', 'SQ', Buffer.alloc(0)), // StructureSetROISequence, no item
      }), { sopClassUid: '1.2.840.10008.5.1.4.1.1.481.3', implementationClassUid: '2.25.1' });
      expect(check(pdf)).toContainEqual(expect.objectContaining({ code: 'empty-type1', keyword: 'StructureSetROISequence' }));
    });
  });

  describe('when a module is conditional', () => {
    const rtDose = (pixels: boolean) => part10(withChanges(conformingAttributes({ '00080016': element('00080016', 'UI', '1.2.840.10008.5.1.4.1.1.481.2') }), {
      '00080060': element('00080060', 'CS', 'RTDOSE'),
      '00080070': element('00080070', 'LO', ''), // Manufacturer
      '00081070': element('00081070', 'PN', ''), // OperatorsName (RT Series, Type 2)
      '00200052': element('00200052', 'UI', '1.2.3.9'), // FrameOfReferenceUID
      '00201040': element('00201040', 'LO', ''), // PositionReferenceIndicator
      '30040002': element('30040002', 'CS', 'GY'), // DoseUnits
      '30040004': element('30040004', 'CS', 'PHYSICAL'), // DoseType
      '3004000A': element('3004000A', 'CS', 'PLAN'), // DoseSummationType
      ...(pixels ? { '7FE00010': element('7FE00010', 'OW', Buffer.alloc(8)) } : {}),
    }), { sopClassUid: '1.2.840.10008.5.1.4.1.1.481.2', implementationClassUid: '2.25.1' });

    it('then an RT Dose without Pixel Data needs no Image Pixel Module, one with Pixel Data does', () => {
      expect(check(rtDose(false))).toEqual([]);
      expect(summary(check(rtDose(true)))).toEqual(expect.arrayContaining(['missing-type1 Rows', 'missing-type2 InstanceNumber', 'missing-type1c DoseGridScaling']));
    });
  });

  describe('when the SOP Class is not in the table', () => {
    it('then one unknown-sop-class warning says only the generic checks ran', () => {
      const ophthalmic = '1.2.840.10008.5.1.4.1.1.77.1.5.4';
      const findings = check(part10(conformingAttributes({ '00080016': element('00080016', 'UI', ophthalmic) }), { sopClassUid: ophthalmic, implementationClassUid: '2.25.1' }));
      expect(findings).toEqual([expect.objectContaining({ code: 'unknown-sop-class', severity: 'warning', tag: '(0008,0016)' })]);
      expect(findings[0]?.message).toContain(ophthalmic);
      expect(findings[0]?.message).toMatch(/only the generic rules/);
    });
  });
});

describe('the IOD table', () => {
  const walk = (rule: AttributeRule): AttributeRule[] => [rule, ...(rule.items ?? []).flatMap(walk)];
  const everyRule = Object.values(MODULES).flatMap((module) => module.attributes.flatMap(walk));

  it('when every keyword is looked up, then the dictionary knows it', () => {
    expect(everyRule.filter((rule) => !lookupKeyword(rule.keyword)).map((rule) => rule.keyword)).toEqual([]);
  });

  it('when a rule is conditional, then it names a known condition or none; only sequences are Type 3', () => {
    expect(everyRule.filter((rule) => rule.when !== undefined && !(rule.when in CONDITIONS))).toEqual([]);
    expect(everyRule.filter((rule) => (rule.type === '1' || rule.type === '2') && rule.when !== undefined)).toEqual([]);
    expect(everyRule.filter((rule) => rule.type === '3' && rule.items === undefined)).toEqual([]);
  });

  it('when every IOD is listed, then each has the Patient, General Study and SOP Common Modules and a PS3.3 Annex A section', () => {
    for (const { iod } of IODS_BY_SOP_CLASS.values()) {
      expect(iod.modules.map((use) => use.module), iod.name).toEqual(expect.arrayContaining(['Patient', 'GeneralStudy', 'SOPCommon']));
      expect(iod.section, iod.name).toMatch(/^A\.\d+(\.\d+)*$/);
    }
  });

  it('when the brief asks for CT, MR, CR, DX, MG, US, NM, PT, SC, Enhanced CT/MR, RT Dose/Plan/Structure Set, SR and PDF, then all are there', () => {
    const names = [...IODS_BY_SOP_CLASS.values()].map(({ iod }) => iod.name);
    for (const expected of ['CT Image', 'MR Image', 'Computed Radiography Image', 'Digital X-Ray Image', 'Digital Mammography X-Ray Image',
      'Ultrasound Image', 'Nuclear Medicine Image', 'Positron Emission Tomography Image', 'Secondary Capture Image', 'Enhanced CT Image',
      'Enhanced MR Image', 'RT Dose', 'RT Plan', 'RT Structure Set', 'Basic Text SR', 'Enhanced SR', 'Comprehensive SR', 'Encapsulated PDF']) {
      expect(names).toContain(expected);
    }
  });

  it('when an image module lists the pixel description, then it agrees with the Image Pixel Module (no Type 2 where PS3.3 says 1)', () => {
    const pixel = new Map(MODULES.ImagePixel.attributes.map((rule) => [rule.keyword, rule.type]));
    for (const module of [MODULES.CTImage, MODULES.DXImage, MODULES.PETImage, MODULES.NMImagePixel]) {
      for (const rule of module.attributes) if (pixel.get(rule.keyword) === '1') expect(rule.type, `${module.name} ${rule.keyword}`).toBe('1');
    }
  });
});
