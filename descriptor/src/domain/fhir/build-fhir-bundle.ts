import { createHash } from 'node:crypto';
// '.js': @types/fhir has no exports map, and NodeNext resolves an ESM subpath by its file name only.
import type { Bundle, BundleEntry, Coding, HumanName, ImagingStudy, ImagingStudySeries, Patient } from 'fhir/r4.js';
import type { StudyMetadata } from '../metadata/assemble-metadata.ts';
import type { PersonName, PersonNameComponents } from '../metadata/person-name.ts';

/** PS3.16 DCM: the code system of DICOM's own codes, modalities among them. */
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
/** HL7 v2 table 0203, identifier types: ACSN is an accession number. */
const IDENTIFIER_TYPE = 'http://terminology.hl7.org/CodeSystem/v2-0203';
/** The FHIR extension that says which representation of a name (ideographic, phonetic) a HumanName is. */
const NAME_REPRESENTATION = 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation';
/** Namespace of the name-based UUIDs of this service's bundles (RFC 4122 §4.3). */
const NAMESPACE = Buffer.from('6f0c5a3e1d2b4c7a9e8f0a1b2c3d4e5f', 'hex');

const GENDER: Record<string, Patient['gender']> = { M: 'male', F: 'female', O: 'other' };

/**
 * fhir.json: a FHIR R4 transaction Bundle with the study's Patient and ImagingStudy, built from
 * metadata.json. The patient is a conditional create (by its PatientID) and the study a conditional update
 * (by its StudyInstanceUID), so a bundle sent twice (a retry, a replay, a study that grew) creates nothing
 * twice. The fullUrls are
 * name-based UUIDs of the study id, so the same study always gives the same bundle.
 */
export function buildFhirBundle(metadata: StudyMetadata): Bundle<Patient | ImagingStudy> {
  const patientUrl = `urn:uuid:${nameUuid(`${metadata.studyId}/Patient`)}`;
  const studyUrl = `urn:uuid:${nameUuid(`${metadata.studyId}/ImagingStudy`)}`;
  const patientId = metadata.patient.PatientID;
  const studyUid = metadata.study.StudyInstanceUID;
  const patient: BundleEntry<Patient> = {
    fullUrl: patientUrl,
    resource: buildPatient(metadata),
    request: { method: 'POST', url: 'Patient', ...(patientId ? { ifNoneExist: `identifier=${encodeURIComponent(patientId)}` } : {}) },
  };
  const study: BundleEntry<ImagingStudy> = {
    fullUrl: studyUrl,
    resource: buildImagingStudy(metadata, patientUrl),
    // A conditional update (FHIR R4 §3.1.0.7.1): a study that grew since it was last sent replaces its
    // ImagingStudy instead of being created a second time, or ignored as an existing one.
    request: studyUid
      ? { method: 'PUT', url: `ImagingStudy?identifier=${encodeURIComponent(`urn:dicom:uid|urn:oid:${studyUid}`)}` }
      : { method: 'POST', url: 'ImagingStudy' },
  };
  return { resourceType: 'Bundle', type: 'transaction', timestamp: metadata.createdAt, entry: [patient, study] };
}

function buildPatient(metadata: StudyMetadata): Patient {
  const { PatientID, IssuerOfPatientID, PatientName, PatientBirthDate, PatientSex } = metadata.patient;
  const gender = PatientSex ? GENDER[PatientSex] : undefined;
  const names = humanNames(PatientName);
  return {
    resourceType: 'Patient',
    ...(PatientID
      ? { identifier: [{ value: PatientID, ...(IssuerOfPatientID ? { assigner: { display: IssuerOfPatientID } } : {}) }] }
      : {}),
    ...(names.length > 0 ? { name: names } : {}),
    ...(gender ? { gender } : {}),
    ...(PatientBirthDate ? { birthDate: PatientBirthDate } : {}),
  };
}

function buildImagingStudy(metadata: StudyMetadata, patientUrl: string): ImagingStudy {
  const { study } = metadata;
  const started = fhirDateTime(study.StudyDateTime);
  const referrer = nameText(study.ReferringPhysicianName?.alphabetic);
  return {
    resourceType: 'ImagingStudy',
    status: 'available',
    identifier: [
      ...(study.StudyInstanceUID ? [{ system: 'urn:dicom:uid', value: `urn:oid:${study.StudyInstanceUID}` }] : []),
      ...(study.AccessionNumber ? [{ type: { coding: [{ system: IDENTIFIER_TYPE, code: 'ACSN' }] }, value: study.AccessionNumber }] : []),
    ],
    modality: metadata.summary.modalities.map(modalityCoding),
    subject: { reference: patientUrl },
    ...(started ? { started } : {}),
    ...(referrer ? { referrer: { display: referrer } } : {}),
    numberOfSeries: metadata.summary.numberOfSeries,
    numberOfInstances: metadata.summary.numberOfInstances,
    ...(study.StudyDescription ? { description: study.StudyDescription } : {}),
    series: metadata.series.flatMap((series) => {
      if (!series.SeriesInstanceUID) return [];
      const instances = metadata.instances.filter((instance) => instance.SeriesInstanceUID === series.SeriesInstanceUID);
      const seriesStarted = fhirDateTime(series.SeriesDateTime);
      const entry: ImagingStudySeries = {
        uid: series.SeriesInstanceUID,
        ...(unsigned(series.SeriesNumber) !== null ? { number: series.SeriesNumber! } : {}),
        // Modality is Type 1 and the validator requires it; OT (other) only so the type holds.
        modality: modalityCoding(series.Modality ?? 'OT'),
        ...(series.SeriesDescription ? { description: series.SeriesDescription } : {}),
        numberOfInstances: series.numberOfInstances,
        // Body Part Examined is a DICOM defined term, not a SNOMED CT code: kept as the display only.
        ...(series.BodyPartExamined ? { bodySite: { display: series.BodyPartExamined } } : {}),
        ...(seriesStarted ? { started: seriesStarted } : {}),
        instance: instances.flatMap((instance) =>
          instance.SOPInstanceUID && instance.SOPClassUID
            ? [
                {
                  uid: instance.SOPInstanceUID,
                  sopClass: { system: 'urn:ietf:rfc:3986', code: `urn:oid:${instance.SOPClassUID}` },
                  ...(unsigned(instance.InstanceNumber) !== null ? { number: instance.InstanceNumber! } : {}),
                },
              ]
            : [],
        ),
      };
      return [entry];
    }),
  };
}

function modalityCoding(code: string): Coding {
  return { system: DCM, code };
}

/** The three component groups of a PN (PS3.5 §6.2.1) as HumanNames; the second and third say which they are. */
function humanNames(name: PersonName | null): HumanName[] {
  if (name === null) return [];
  const groups: [PersonNameComponents | undefined, string | null][] = [
    [name.alphabetic, null],
    [name.ideographic, 'IDE'],
    [name.phonetic, 'SYL'],
  ];
  return groups.flatMap(([components, representation]) => {
    if (!components) return [];
    const given = [components.givenName, components.middleName].filter((part): part is string => part !== null);
    const human: HumanName = {
      ...(representation ? { extension: [{ url: NAME_REPRESENTATION, valueCode: representation }] } : {}),
      ...(components.familyName ? { family: components.familyName } : {}),
      ...(given.length > 0 ? { given } : {}),
      ...(components.namePrefix ? { prefix: [components.namePrefix] } : {}),
      ...(components.nameSuffix ? { suffix: [components.nameSuffix] } : {}),
    };
    return [human];
  });
}

function nameText(components: PersonNameComponents | undefined): string | null {
  if (!components) return null;
  const parts = [components.namePrefix, components.givenName, components.middleName, components.familyName, components.nameSuffix];
  const text = parts.filter((part): part is string => part !== null).join(' ');
  return text === '' ? null : text;
}

/**
 * A FHIR dateTime from metadata.json's ISO 8601 one. FHIR requires seconds and a zone once there is a
 * time: seconds are filled with zeros; a time without a known offset is dropped, keeping the date, rather
 * than placed in a zone it may not be in.
 */
export function fhirDateTime(value: string | null): string | null {
  const match = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2})(?::(\d{2}))?(?::(\d{2}))?(\.\d+)?([+-]\d{2}:\d{2})?)?$/.exec(value ?? '');
  if (!match) return null;
  const [, date, hour, minute = '00', second = '00', fraction = '', zone] = match;
  if (hour === undefined || zone === undefined) return date!;
  return `${date}T${hour}:${minute}:${second}${fraction}${zone}`;
}

/** FHIR unsignedInt: a series or instance number below zero is left out. */
function unsigned(value: number | null): number | null {
  return value !== null && Number.isInteger(value) && value >= 0 ? value : null;
}

/** RFC 4122 §4.3 name-based UUID, version 5 (SHA-1). */
function nameUuid(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
