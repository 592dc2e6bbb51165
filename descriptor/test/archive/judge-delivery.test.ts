import { describe, expect, it } from 'vitest';
import type { StoredInstance } from '../../src/data/catalogue.ts';
import type { StudySections } from '../../src/domain/metadata/extract-metadata.ts';
import { judgeDelivery, type DeliveredInstance, type JudgeInput } from '../../src/domain/study/judge-delivery.ts';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const JPEG_LOSSLESS = '1.2.840.10008.1.2.4.70';
const FIRST_DELIVERY = '01JTESTFIRSTDELIVERY00000A';

/** A delivered file: its SOP Instance UID, and bytes named by a short hash. */
const delivered = (file: string, uid: string, sha256: string, transferSyntax: string | null = EXPLICIT_LE): DeliveredInstance => ({
  file,
  SOPInstanceUID: uid,
  sha256,
  transferSyntax,
});

/** What the catalogue holds of an instance, brought by FIRST_DELIVERY. */
const stored = (uid: string, sha256: string, transferSyntax: string | null = EXPLICIT_LE): StoredInstance => ({
  SOPInstanceUID: uid,
  StudyInstanceUID: '1.2.3',
  SeriesInstanceUID: '1.2.3.1',
  deliveryId: FIRST_DELIVERY,
  file: '0001.dcm',
  path: `originals/${uid}.dcm`,
  sizeBytes: 100,
  sha256,
  transferSyntax,
});

/** The patient section as extract-metadata reads it; only the compared attributes matter here. */
const patient = (values: Partial<Record<'PatientID' | 'PatientName' | 'PatientBirthDate', unknown>>): StudySections['patient'] =>
  ({
    PatientID: 'P1',
    IssuerOfPatientID: null,
    PatientName: 'Doe^Jane',
    PatientBirthDate: '1970-01-01',
    PatientSex: 'F',
    PatientAge: null,
    ...values,
  }) as StudySections['patient'];

const judge = (input: Partial<JudgeInput> & Pick<JudgeInput, 'delivered'>) =>
  judgeDelivery({ stored: new Map(), storedPatient: null, deliveredPatient: patient({}), onReencoded: 'keep-first', ...input });
const storedMap = (...instances: StoredInstance[]) => new Map(instances.map((instance) => [instance.SOPInstanceUID, instance]));

describe('judgeDelivery', () => {
  describe('when the study is new', () => {
    it('then every instance is added, without findings', () => {
      const files = [delivered('0001.dcm', '1.1', 'a'), delivered('0002.dcm', '1.2', 'b')];
      const judgement = judge({ delivered: files });
      expect(judgement).toEqual({ refusal: null, added: files, join: { added: 2, duplicates: [], reencoded: [] }, findings: [] });
    });
  });

  describe('when an instance is stored with the same bytes', () => {
    it('then it is a duplicate, listed and not added; the new ones are added', () => {
      const judgement = judge({
        delivered: [delivered('0001.dcm', '1.1', 'a'), delivered('0002.dcm', '1.2', 'b'), delivered('0003.dcm', '1.3', 'c')],
        stored: storedMap(stored('1.1', 'a'), stored('1.3', 'c')),
        storedPatient: patient({}),
      });
      expect(judgement.refusal).toBeNull();
      expect(judgement.added.map((instance) => instance.SOPInstanceUID)).toEqual(['1.2']);
      expect(judgement.join).toEqual({ added: 1, duplicates: ['1.1', '1.3'], reencoded: [] });
      expect(judgement.findings).toEqual([]);
    });

    it('then a transfer syntax the catalogue does not know does not matter: same bytes are the same instance', () => {
      const judgement = judge({
        delivered: [delivered('0001.dcm', '1.1', 'a', null)],
        stored: storedMap(stored('1.1', 'a')),
        storedPatient: patient({}),
      });
      expect(judgement.join.duplicates).toEqual(['1.1']);
    });
  });

  describe('when an instance is stored with other bytes in the same transfer syntax', () => {
    it('then the whole delivery is refused INSTANCE_CONFLICT naming the file, the UID and the delivery holding it; nothing is added', () => {
      const judgement = judge({
        delivered: [delivered('0001.dcm', '1.9', 'new'), delivered('0002.dcm', '1.1', 'other')],
        stored: storedMap(stored('1.1', 'a')),
        storedPatient: patient({}),
      });
      expect(judgement.refusal).toMatchObject({
        code: 'INSTANCE_CONFLICT',
        conflicts: [{ file: '0002.dcm', SOPInstanceUID: '1.1', heldBy: FIRST_DELIVERY }],
      });
      expect(judgement.refusal!.message).toContain('1 instance(s)');
      expect(judgement.added).toEqual([]);
      expect(judgement.join).toEqual({ added: 0, duplicates: [], reencoded: [] });
      expect(judgement.findings).toEqual([
        expect.objectContaining({ severity: 'error', code: 'sop-instance-conflict', file: '0002.dcm', keyword: 'SOPInstanceUID' }),
      ]);
    });

    it('then either side without a known transfer syntax is a conflict too, not another encoding', () => {
      for (const [storedSyntax, deliveredSyntax] of [
        [null, EXPLICIT_LE],
        [EXPLICIT_LE, null],
      ] as const) {
        const judgement = judge({
          delivered: [delivered('0001.dcm', '1.1', 'other', deliveredSyntax)],
          stored: storedMap(stored('1.1', 'a', storedSyntax)),
          storedPatient: patient({}),
        });
        expect(judgement.refusal?.code).toBe('INSTANCE_CONFLICT');
      }
    });

    it('then only errors are kept among the findings of a refused delivery', () => {
      const judgement = judge({
        delivered: [delivered('0001.dcm', '1.1', 'other'), delivered('0002.dcm', '1.2', 'x', JPEG_LOSSLESS)],
        stored: storedMap(stored('1.1', 'a'), stored('1.2', 'y')),
        storedPatient: patient({}),
        deliveredPatient: patient({ PatientName: 'Doe^John' }),
      });
      expect(judgement.refusal?.code).toBe('INSTANCE_CONFLICT');
      expect(judgement.findings.map((finding) => finding.severity)).toEqual(['error']);
    });
  });

  describe('when an instance is stored in another transfer syntax', () => {
    const input = {
      delivered: [delivered('0001.dcm', '1.1', 'compressed', JPEG_LOSSLESS), delivered('0002.dcm', '1.2', 'b')],
      stored: storedMap(stored('1.1', 'a')),
      storedPatient: patient({}),
    };

    it('then with keep-first the stored one stays: the copy is listed as reencoded with a warning, and the rest is added', () => {
      const judgement = judge({ ...input, onReencoded: 'keep-first' });
      expect(judgement.refusal).toBeNull();
      expect(judgement.join).toEqual({
        added: 1,
        duplicates: [],
        reencoded: [{ SOPInstanceUID: '1.1', storedTransferSyntax: EXPLICIT_LE, deliveredTransferSyntax: JPEG_LOSSLESS }],
      });
      expect(judgement.added.map((instance) => instance.file)).toEqual(['0002.dcm']);
      expect(judgement.findings).toEqual([
        expect.objectContaining({ severity: 'warning', code: 'sop-instance-reencoded', file: '0001.dcm' }),
      ]);
    });

    it('then with refuse it is a conflict like any other bytes', () => {
      const judgement = judge({ ...input, onReencoded: 'refuse' });
      expect(judgement.refusal).toMatchObject({
        code: 'INSTANCE_CONFLICT',
        conflicts: [{ file: '0001.dcm', SOPInstanceUID: '1.1', heldBy: FIRST_DELIVERY }],
      });
      expect(judgement.added).toEqual([]);
    });
  });

  describe('when the delivery names a patient', () => {
    const files = [delivered('0001.dcm', '1.5', 'e')];

    it('then another PatientID refuses it INCONSISTENT_PATIENT, before any conflict, with an error naming the attribute and not its values', () => {
      const judgement = judge({
        delivered: [...files, delivered('0002.dcm', '1.1', 'other')],
        stored: storedMap(stored('1.1', 'a')),
        storedPatient: patient({ PatientID: 'P1' }),
        deliveredPatient: patient({ PatientID: 'P2' }),
      });
      expect(judgement.refusal).toMatchObject({ code: 'INCONSISTENT_PATIENT' });
      expect(judgement.added).toEqual([]);
      expect(judgement.join).toEqual({ added: 0, duplicates: [], reencoded: [] });
      expect(judgement.findings).toContainEqual(
        expect.objectContaining({ severity: 'error', code: 'study-patient-mismatch', keyword: 'PatientID' }),
      );
      expect(JSON.stringify(judgement)).not.toMatch(/P1|P2/);
    });

    it('then a PatientID that differs only by padding (PS3.5 §6.2) is the same patient', () => {
      const judgement = judge({
        delivered: files,
        storedPatient: patient({ PatientID: 'P1' }),
        deliveredPatient: patient({ PatientID: 'P1 ' }),
      });
      expect(judgement.refusal).toBeNull();
      expect(judgement.findings).toEqual([]);
    });

    it('then another PatientName or PatientBirthDate is stored, with one warning each, naming the attribute and not its values', () => {
      const judgement = judge({
        delivered: files,
        storedPatient: patient({}),
        deliveredPatient: patient({ PatientName: 'Roe^Jane', PatientBirthDate: '1971-01-01' }),
      });
      expect(judgement.refusal).toBeNull();
      expect(judgement.join.added).toBe(1);
      expect(judgement.findings).toEqual([
        expect.objectContaining({ severity: 'warning', code: 'study-patient-details-differ', keyword: 'PatientName' }),
        expect.objectContaining({ severity: 'warning', code: 'study-patient-details-differ', keyword: 'PatientBirthDate' }),
      ]);
      expect(JSON.stringify(judgement.findings)).not.toMatch(/Roe|Doe|1971|1970/);
    });

    it('then a name parsed into parts is compared whole', () => {
      const name = { Alphabetic: 'Doe^Jane' };
      expect(
        judge({ delivered: files, storedPatient: patient({ PatientName: name }), deliveredPatient: patient({ PatientName: { ...name } }) })
          .findings,
      ).toEqual([]);
      expect(
        judge({
          delivered: files,
          storedPatient: patient({ PatientName: name }),
          deliveredPatient: patient({ PatientName: { Alphabetic: 'Doe^Joan' } }),
        }).findings,
      ).toHaveLength(1);
    });

    it('then a new study has nothing to compare with', () => {
      expect(judge({ delivered: files, storedPatient: null, deliveredPatient: patient({ PatientID: 'anyone' }) }).findings).toEqual([]);
    });
  });
});
