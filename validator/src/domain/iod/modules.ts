import type { TagKeyword } from '@dsv/common';
import type { ConditionName } from './conditions.ts';
import type { AttributeRule, AttributeType, ModuleDefinition } from './types.ts';

/**
 * The modules of PS3.3 Annex C that the IOD table (iods.ts) uses, with their Type 1, 1C, 2 and 2C
 * attributes by keyword. Type 3 attributes are left out, except sequences whose items have required
 * attributes of their own. A 1C/2C attribute names its condition (conditions.ts); one whose condition
 * cannot be read from the data set ("if the images are temporally related") is left out.
 *
 * To extend: add the attribute to its module with the Type of the PS3.3 table, or a module with its
 * section, then use it in iods.ts.
 */

function attribute(keyword: TagKeyword, type: AttributeType, when?: ConditionName): AttributeRule {
  return when === undefined ? { keyword, type } : { keyword, type, when };
}

/** An attribute with Enumerated Values (PS3.3 §5.3): anything else is bad-enum. */
function enumerated(keyword: TagKeyword, type: AttributeType, values: readonly (string | number)[], when?: ConditionName): AttributeRule {
  return { ...attribute(keyword, type, when), values };
}

const MONOCHROME = ['MONOCHROME1', 'MONOCHROME2'];

function sequence(keyword: TagKeyword, type: AttributeType, items: readonly AttributeRule[], when?: ConditionName): AttributeRule {
  return { ...attribute(keyword, type, when), items };
}

/** Code Sequence Macro, PS3.3 Table 8.8-1: one of the three code values, its scheme, and a meaning. */
const CODE: readonly AttributeRule[] = [
  attribute('CodeValue', '1C', 'no-long-or-urn-code-value'),
  attribute('CodingSchemeDesignator', '1C', 'code-value-or-long-code-value-present'),
  attribute('CodeMeaning', '1'),
];

/** SOP Instance Reference Macro, PS3.3 Table 10-11. */
const SOP_REFERENCE: readonly AttributeRule[] = [
  attribute('ReferencedSOPClassUID', '1'),
  attribute('ReferencedSOPInstanceUID', '1'),
];

/** Hierarchical SOP Instance Reference Macro, PS3.3 Table C.17-3 (as used by SR evidence sequences). */
const EVIDENCE: readonly AttributeRule[] = [
  attribute('StudyInstanceUID', '1'),
  sequence('ReferencedSeriesSequence', '1', [
    attribute('SeriesInstanceUID', '1'),
    sequence('ReferencedSOPSequence', '1', SOP_REFERENCE),
  ]),
];

/** The Image Pixel Description Macro's attributes (PS3.3 Table C.7-11c), shared by modality image modules. */
const PIXEL_DESCRIPTION: readonly AttributeRule[] = [
  attribute('SamplesPerPixel', '1'),
  attribute('PhotometricInterpretation', '1'),
  attribute('BitsAllocated', '1'),
  attribute('BitsStored', '1'),
  attribute('HighBit', '1'),
];

export const MODULES = {
  // --- Patient, study, series, equipment (PS3.3 C.7.1 - C.7.5) ---
  Patient: {
    name: 'Patient', section: 'C.7.1.1', attributes: [
      attribute('PatientName', '2'),
      attribute('PatientID', '2'),
      attribute('PatientBirthDate', '2'),
      attribute('PatientSex', '2'),
      sequence('ReferencedPatientSequence', '3', SOP_REFERENCE),
      sequence('OtherPatientIDsSequence', '3', [attribute('PatientID', '1'), attribute('TypeOfPatientID', '1')]),
      attribute('DeidentificationMethod', '1C', 'identity-removed-without-method-code'),
      sequence('DeidentificationMethodCodeSequence', '3', CODE),
    ],
  },
  GeneralStudy: {
    name: 'General Study', section: 'C.7.2.1', attributes: [
      attribute('StudyInstanceUID', '1'),
      attribute('StudyDate', '2'),
      attribute('StudyTime', '2'),
      attribute('ReferringPhysicianName', '2'),
      attribute('StudyID', '2'),
      attribute('AccessionNumber', '2'),
      sequence('ReferencedStudySequence', '3', SOP_REFERENCE),
      sequence('ProcedureCodeSequence', '3', CODE),
    ],
  },
  GeneralSeries: {
    name: 'General Series', section: 'C.7.3.1', attributes: [
      attribute('Modality', '1'),
      attribute('SeriesInstanceUID', '1'),
      attribute('SeriesNumber', '2'),
      attribute('Laterality', '2C', 'laterality-needed'),
      attribute('PatientPosition', '2C', 'patient-position-needed'),
      sequence('ReferencedPerformedProcedureStepSequence', '3', SOP_REFERENCE),
      sequence('RelatedSeriesSequence', '3', [
        attribute('StudyInstanceUID', '1'),
        attribute('SeriesInstanceUID', '1'),
        sequence('PurposeOfReferenceCodeSequence', '2', CODE),
      ]),
    ],
  },
  FrameOfReference: {
    name: 'Frame of Reference', section: 'C.7.4.1', attributes: [
      attribute('FrameOfReferenceUID', '1'),
      attribute('PositionReferenceIndicator', '2'),
    ],
  },
  GeneralEquipment: {
    name: 'General Equipment', section: 'C.7.5.1', attributes: [
      attribute('Manufacturer', '2'),
      attribute('PixelPaddingValue', '1C', 'pixel-padding-range-limit-present'),
    ],
  },
  EnhancedGeneralEquipment: {
    name: 'Enhanced General Equipment', section: 'C.7.5.2', attributes: [
      attribute('Manufacturer', '1'),
      attribute('ManufacturerModelName', '1'),
      attribute('DeviceSerialNumber', '1'),
      attribute('SoftwareVersions', '1'),
    ],
  },

  // --- Image (PS3.3 C.7.6) ---
  GeneralImage: {
    name: 'General Image', section: 'C.7.6.1', attributes: [
      attribute('InstanceNumber', '2'),
      attribute('PatientOrientation', '2C', 'patient-orientation-needed'),
      sequence('ReferencedImageSequence', '3', SOP_REFERENCE),
      sequence('SourceImageSequence', '3', SOP_REFERENCE),
      sequence('DerivationCodeSequence', '3', CODE),
    ],
  },
  ImagePlane: {
    name: 'Image Plane', section: 'C.7.6.2', attributes: [
      attribute('PixelSpacing', '1'),
      attribute('ImageOrientationPatient', '1'),
      attribute('ImagePositionPatient', '1'),
      attribute('SliceThickness', '2'),
    ],
  },
  ImagePixel: {
    name: 'Image Pixel', section: 'C.7.6.3', attributes: [
      attribute('SamplesPerPixel', '1'),
      attribute('PhotometricInterpretation', '1'),
      attribute('Rows', '1'),
      attribute('Columns', '1'),
      attribute('BitsAllocated', '1'),
      attribute('BitsStored', '1'),
      attribute('HighBit', '1'),
      attribute('PixelRepresentation', '1'),
      attribute('PlanarConfiguration', '1C', 'samples-per-pixel-above-1'),
      attribute('RedPaletteColorLookupTableDescriptor', '1C', 'palette-color'),
      attribute('GreenPaletteColorLookupTableDescriptor', '1C', 'palette-color'),
      attribute('BluePaletteColorLookupTableDescriptor', '1C', 'palette-color'),
      attribute('RedPaletteColorLookupTableData', '1C', 'palette-color-not-segmented'),
      attribute('GreenPaletteColorLookupTableData', '1C', 'palette-color-not-segmented'),
      attribute('BluePaletteColorLookupTableData', '1C', 'palette-color-not-segmented'),
    ],
  },
  MultiFrame: {
    name: 'Multi-frame', section: 'C.7.6.6', attributes: [
      attribute('NumberOfFrames', '1'),
      // Type 1 here; the SC Multi-frame Image Module relaxes it for a single frame (PS3.3 §C.8.6.3).
      attribute('FrameIncrementPointer', '1C', 'frame-increment-pointer-needed'),
    ],
  },
  AcquisitionContext: {
    name: 'Acquisition Context', section: 'C.7.6.14', attributes: [
      sequence('AcquisitionContextSequence', '2', [attribute('ValueType', '1'), sequence('ConceptNameCodeSequence', '1', CODE)]),
    ],
  },
  MultiFrameFunctionalGroups: {
    name: 'Multi-frame Functional Groups', section: 'C.7.6.16', attributes: [
      attribute('SharedFunctionalGroupsSequence', '1'),
      attribute('PerFrameFunctionalGroupsSequence', '1'),
      attribute('InstanceNumber', '1'),
      attribute('ContentDate', '1'),
      attribute('ContentTime', '1'),
      attribute('NumberOfFrames', '1'),
      attribute('ConcatenationFrameOffsetNumber', '1C', 'concatenation'),
      attribute('SOPInstanceUIDOfConcatenationSource', '1C', 'concatenation'),
      attribute('InConcatenationNumber', '1C', 'concatenation'),
    ],
  },
  MultiFrameDimension: {
    name: 'Multi-frame Dimension', section: 'C.7.6.17', attributes: [
      sequence('DimensionOrganizationSequence', '1', [attribute('DimensionOrganizationUID', '1')]),
      sequence('DimensionIndexSequence', '1', [attribute('DimensionIndexPointer', '1')]),
    ],
  },

  // --- SOP Common (PS3.3 C.12.1) ---
  SOPCommon: {
    name: 'SOP Common', section: 'C.12.1', attributes: [
      attribute('SOPClassUID', '1'),
      attribute('SOPInstanceUID', '1'),
      sequence('CodingSchemeIdentificationSequence', '3', [attribute('CodingSchemeDesignator', '1')]),
      sequence('ContributingEquipmentSequence', '3', [
        sequence('PurposeOfReferenceCodeSequence', '1', CODE),
        attribute('Manufacturer', '1'),
      ]),
    ],
  },

  // --- Modality modules (PS3.3 C.8) ---
  CRSeries: {
    name: 'CR Series', section: 'C.8.1.1', attributes: [
      attribute('BodyPartExamined', '2'),
      attribute('ViewPosition', '2'),
    ],
  },
  CRImage: {
    name: 'CR Image', section: 'C.8.1.2', attributes: [enumerated('PhotometricInterpretation', '1', MONOCHROME)],
  },
  CTImage: {
    name: 'CT Image', section: 'C.8.2.1', attributes: [
      attribute('ImageType', '1'),
      enumerated('SamplesPerPixel', '1', [1]),
      enumerated('PhotometricInterpretation', '1', MONOCHROME),
      enumerated('BitsAllocated', '1', [16]),
      enumerated('BitsStored', '1', [12, 13, 14, 15, 16]),
      attribute('HighBit', '1'),
      attribute('RescaleIntercept', '1'),
      attribute('RescaleSlope', '1'),
      attribute('KVP', '2'),
      attribute('AcquisitionNumber', '2'),
    ],
  },
  MRImage: {
    name: 'MR Image', section: 'C.8.3.1', attributes: [
      attribute('ImageType', '1'),
      enumerated('SamplesPerPixel', '1', [1]),
      enumerated('PhotometricInterpretation', '1', MONOCHROME),
      enumerated('BitsAllocated', '1', [16]),
      attribute('ScanningSequence', '1'),
      attribute('SequenceVariant', '1'),
      attribute('ScanOptions', '2'),
      attribute('MRAcquisitionType', '2'),
      attribute('RepetitionTime', '2C', 'repetition-time-needed'),
      attribute('EchoTime', '2'),
      attribute('EchoTrainLength', '2'),
      attribute('InversionTime', '2C', 'inversion-recovery'),
      attribute('TriggerTime', '2C', 'cardiac-gated'),
    ],
  },
  NMPETPatientOrientation: {
    name: 'NM/PET Patient Orientation', section: 'C.8.4.6', attributes: [
      sequence('PatientOrientationCodeSequence', '2', CODE),
      sequence('PatientGantryRelationshipCodeSequence', '2', CODE),
    ],
  },
  NMImagePixel: {
    name: 'NM Image Pixel', section: 'C.8.4.7', attributes: [
      enumerated('SamplesPerPixel', '1', [1]),
      enumerated('PhotometricInterpretation', '1', ['MONOCHROME2', 'PALETTE COLOR']),
      enumerated('BitsAllocated', '1', [8, 16]),
      enumerated('BitsStored', '1', [8, 16]),
      attribute('HighBit', '1'),
      attribute('PixelSpacing', '2'),
    ],
  },
  NMMultiFrame: {
    name: 'NM Multi-frame', section: 'C.8.4.8', attributes: [
      attribute('FrameIncrementPointer', '1'),
      attribute('NumberOfEnergyWindows', '1'),
      attribute('NumberOfDetectors', '1'),
      attribute('EnergyWindowVector', '1C', 'frame-increment-pointer-names-it'),
      attribute('DetectorVector', '1C', 'frame-increment-pointer-names-it'),
      attribute('PhaseVector', '1C', 'frame-increment-pointer-names-it'),
      attribute('RotationVector', '1C', 'frame-increment-pointer-names-it'),
      attribute('RRIntervalVector', '1C', 'frame-increment-pointer-names-it'),
      attribute('TimeSlotVector', '1C', 'frame-increment-pointer-names-it'),
      attribute('SliceVector', '1C', 'frame-increment-pointer-names-it'),
      attribute('AngularViewVector', '1C', 'frame-increment-pointer-names-it'),
      attribute('TimeSliceVector', '1C', 'frame-increment-pointer-names-it'),
    ],
  },
  NMImage: {
    name: 'NM Image', section: 'C.8.4.9', attributes: [attribute('ImageType', '1'), attribute('CountsAccumulated', '2')],
  },
  NMIsotope: {
    name: 'NM Isotope', section: 'C.8.4.10', attributes: [
      sequence('EnergyWindowInformationSequence', '2', []),
      sequence('RadiopharmaceuticalInformationSequence', '2', [sequence('RadionuclideCodeSequence', '2', CODE)]),
    ],
  },
  NMDetector: {
    name: 'NM Detector', section: 'C.8.4.11', attributes: [sequence('DetectorInformationSequence', '2', [])],
  },
  NMTomoAcquisition: {
    name: 'NM TOMO Acquisition', section: 'C.8.4.12', attributes: [sequence('RotationInformationSequence', '2', [])],
  },
  USImage: {
    name: 'US Image', section: 'C.8.5.6', attributes: [
      ...PIXEL_DESCRIPTION,
      attribute('PlanarConfiguration', '1C', 'samples-per-pixel-above-1'),
      attribute('PixelRepresentation', '1'),
      attribute('FrameIncrementPointer', '1C', 'multiple-frames'),
      attribute('ImageType', '2'),
    ],
  },
  SCEquipment: {
    name: 'SC Equipment', section: 'C.8.6.1', attributes: [attribute('ConversionType', '1')],
  },
  SCMultiFrameImage: {
    name: 'SC Multi-frame Image', section: 'C.8.6.3', attributes: [
      enumerated('BurnedInAnnotation', '1', ['YES', 'NO']),
      attribute('PresentationLUTShape', '1C', 'monochrome-not-bitmap'),
      attribute('RescaleIntercept', '1C', 'monochrome-not-bitmap'),
      attribute('RescaleSlope', '1C', 'monochrome-not-bitmap'),
      attribute('RescaleType', '1C', 'monochrome-not-bitmap'),
      attribute('FrameIncrementPointer', '1C', 'multiple-frames'),
      attribute('NominalScannedPixelSpacing', '1C', 'digitized-film'),
    ],
  },
  RTSeries: {
    name: 'RT Series', section: 'C.8.8.1', attributes: [
      attribute('Modality', '1'),
      attribute('SeriesInstanceUID', '1'),
      attribute('SeriesNumber', '2'),
      attribute('OperatorsName', '2'),
      sequence('ReferencedPerformedProcedureStepSequence', '3', SOP_REFERENCE),
    ],
  },
  RTDose: {
    name: 'RT Dose', section: 'C.8.8.3', attributes: [
      attribute('SamplesPerPixel', '1C', 'pixel-data-present'),
      attribute('PhotometricInterpretation', '1C', 'pixel-data-present'),
      attribute('BitsAllocated', '1C', 'pixel-data-present'),
      attribute('BitsStored', '1C', 'pixel-data-present'),
      attribute('HighBit', '1C', 'pixel-data-present'),
      attribute('PixelRepresentation', '1C', 'pixel-data-present'),
      enumerated('DoseUnits', '1', ['GY', 'RELATIVE']),
      enumerated('DoseType', '1', ['PHYSICAL', 'EFFECTIVE', 'ERROR']),
      attribute('DoseSummationType', '1'),
      sequence('ReferencedRTPlanSequence', '1C', SOP_REFERENCE),
      attribute('GridFrameOffsetVector', '1C', 'multi-frame-pixel-data'),
      attribute('DoseGridScaling', '1C', 'pixel-data-present'),
    ],
  },
  StructureSet: {
    name: 'Structure Set', section: 'C.8.8.5', attributes: [
      attribute('StructureSetLabel', '1'),
      attribute('StructureSetDate', '2'),
      attribute('StructureSetTime', '2'),
      sequence('ReferencedFrameOfReferenceSequence', '3', [attribute('FrameOfReferenceUID', '1')]),
      sequence('StructureSetROISequence', '1', [
        attribute('ROINumber', '1'),
        attribute('ReferencedFrameOfReferenceUID', '1'),
        attribute('ROIName', '2'),
        attribute('ROIGenerationAlgorithm', '2'),
      ]),
    ],
  },
  ROIContour: {
    name: 'ROI Contour', section: 'C.8.8.6', attributes: [
      sequence('ROIContourSequence', '1', [
        attribute('ReferencedROINumber', '1'),
        sequence('ContourSequence', '3', [
          attribute('ContourGeometricType', '1'),
          attribute('NumberOfContourPoints', '1'),
          attribute('ContourData', '1'),
        ]),
      ]),
    ],
  },
  RTROIObservations: {
    name: 'RT ROI Observations', section: 'C.8.8.8', attributes: [
      sequence('RTROIObservationsSequence', '1', [
        attribute('ObservationNumber', '1'),
        attribute('ReferencedROINumber', '1'),
        attribute('RTROIInterpretedType', '2'),
        attribute('ROIInterpreter', '2'),
      ]),
    ],
  },
  RTGeneralPlan: {
    name: 'RT General Plan', section: 'C.8.8.9', attributes: [
      attribute('RTPlanLabel', '1'),
      attribute('RTPlanDate', '2'),
      attribute('RTPlanTime', '2'),
      enumerated('RTPlanGeometry', '1', ['PATIENT', 'TREATMENT_DEVICE']),
      sequence('ReferencedStructureSetSequence', '1C', SOP_REFERENCE, 'plan-geometry-patient'),
    ],
  },
  PETSeries: {
    name: 'PET Series', section: 'C.8.9.1', attributes: [
      attribute('SeriesDate', '1'),
      attribute('SeriesTime', '1'),
      attribute('Units', '1'),
      attribute('CountsSource', '1'),
      attribute('SeriesType', '1'),
      attribute('NumberOfSlices', '1'),
      attribute('CorrectedImage', '2'),
      attribute('DecayCorrection', '1'),
      attribute('CollimatorType', '2'),
    ],
  },
  PETIsotope: {
    name: 'PET Isotope', section: 'C.8.9.2', attributes: [
      sequence('RadiopharmaceuticalInformationSequence', '2', [sequence('RadionuclideCodeSequence', '2', CODE)]),
    ],
  },
  PETImage: {
    name: 'PET Image', section: 'C.8.9.4', attributes: [
      attribute('ImageType', '1'),
      enumerated('SamplesPerPixel', '1', [1]),
      enumerated('PhotometricInterpretation', '1', ['MONOCHROME2']),
      enumerated('BitsAllocated', '1', [16]),
      enumerated('BitsStored', '1', [16]),
      attribute('HighBit', '1'),
      attribute('RescaleIntercept', '1'),
      attribute('RescaleSlope', '1'),
      attribute('FrameReferenceTime', '1'),
      attribute('ImageIndex', '1'),
      attribute('AcquisitionDate', '2'),
      attribute('AcquisitionTime', '2'),
      attribute('ActualFrameDuration', '2'),
      attribute('DecayFactor', '1C', 'decay-corrected'),
    ],
  },
  DXSeries: {
    name: 'DX Series', section: 'C.8.11.1', attributes: [
      enumerated('Modality', '1', ['DX', 'PX', 'IO', 'MG']),
      enumerated('PresentationIntentType', '1', ['FOR PRESENTATION', 'FOR PROCESSING']),
    ],
  },
  DXAnatomyImaged: {
    name: 'DX Anatomy Imaged', section: 'C.8.11.2', attributes: [
      enumerated('ImageLaterality', '1', ['R', 'L', 'U', 'B']),
      sequence('AnatomicRegionSequence', '2', CODE),
    ],
  },
  DXImage: {
    name: 'DX Image', section: 'C.8.11.3', attributes: [
      attribute('ImageType', '1'),
      enumerated('SamplesPerPixel', '1', [1]),
      enumerated('PhotometricInterpretation', '1', MONOCHROME),
      enumerated('BitsAllocated', '1', [8, 16]),
      enumerated('BitsStored', '1', [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
      attribute('HighBit', '1'),
      enumerated('PixelRepresentation', '1', [0]),
      enumerated('PixelIntensityRelationship', '1', ['LIN', 'LOG']),
      enumerated('PixelIntensityRelationshipSign', '1', [1, -1]),
      attribute('RescaleIntercept', '1'),
      attribute('RescaleSlope', '1'),
      attribute('RescaleType', '1'),
      enumerated('PresentationLUTShape', '1', ['IDENTITY', 'INVERSE']),
      enumerated('LossyImageCompression', '1', ['00', '01']),
      enumerated('BurnedInAnnotation', '1', ['YES', 'NO']),
      attribute('WindowCenter', '1C', 'for-presentation-without-voi-lut'),
      attribute('WindowWidth', '1C', 'window-center-present'),
    ],
  },
  DXDetector: {
    name: 'DX Detector', section: 'C.8.11.4', attributes: [
      attribute('DetectorType', '2'),
      attribute('ImagerPixelSpacing', '1'),
    ],
  },
  MammographySeries: {
    name: 'Mammography Series', section: 'C.8.11.6', attributes: [enumerated('Modality', '1', ['MG'])],
  },
  MammographyImage: {
    name: 'Mammography Image', section: 'C.8.11.7', attributes: [
      attribute('ImageType', '1'),
      attribute('PositionerType', '1'),
      enumerated('ImageLaterality', '1', ['R', 'L', 'B']),
      attribute('OrganExposed', '1'),
      sequence('AnatomicRegionSequence', '1', CODE),
      sequence('ViewCodeSequence', '1', [...CODE, sequence('ViewModifierCodeSequence', '2', CODE)]),
    ],
  },
  MRSeries: {
    name: 'MR Series', section: 'C.8.13.6', attributes: [enumerated('Modality', '1', ['MR'])],
  },
  EnhancedMRImage: {
    name: 'Enhanced MR Image', section: 'C.8.13.1', attributes: [
      // MR Image and Spectroscopy Instance Macro (PS3.3 Table C.8-83); not a Legacy Converted SOP Class, so its 1C are 1.
      attribute('AcquisitionDateTime', '1C', 'original-or-mixed'),
      attribute('AcquisitionDuration', '1C', 'original-or-mixed'),
      enumerated('ContentQualification', '1', ['PRODUCT', 'RESEARCH', 'SERVICE']),
      attribute('ResonantNucleus', '1C', 'original-or-mixed'),
      attribute('KSpaceFiltering', '1C', 'original-or-mixed'),
      attribute('MagneticFieldStrength', '1C', 'original-or-mixed'),
      attribute('ApplicableSafetyStandardAgency', '1'),
      attribute('ImageType', '1'),
      // Common CT/MR Image Description and MR Image Description Macros (PS3.3 Tables C.8-131, C.8-84).
      attribute('PixelPresentation', '1'),
      attribute('VolumetricProperties', '1'),
      attribute('VolumeBasedCalculationTechnique', '1'),
      attribute('ComplexImageComponent', '1'),
      attribute('AcquisitionContrast', '1'),
      ...PIXEL_DESCRIPTION,
      attribute('PixelRepresentation', '1'),
      enumerated('BurnedInAnnotation', '1', ['NO']),
      enumerated('LossyImageCompression', '1', ['00', '01']),
      attribute('LossyImageCompressionRatio', '1C', 'lossy-compressed'),
      attribute('LossyImageCompressionMethod', '1C', 'lossy-compressed'),
      enumerated('PresentationLUTShape', '1C', ['IDENTITY'], 'monochrome2'),
    ],
  },
  MRPulseSequence: {
    name: 'MR Pulse Sequence', section: 'C.8.13.4', attributes: [
      attribute('PulseSequenceName', '1C', 'original-or-mixed'),
      attribute('MRAcquisitionType', '1C', 'original-or-mixed'),
      attribute('EchoPulseSequence', '1C', 'original-or-mixed'),
    ],
  },
  CTSeries: {
    name: 'CT Series', section: 'C.8.15.1', attributes: [enumerated('Modality', '1', ['CT'])],
  },
  EnhancedCTImage: {
    name: 'Enhanced CT Image', section: 'C.8.15.2', attributes: [
      attribute('ImageType', '1'),
      attribute('PixelPresentation', '1'),
      attribute('VolumetricProperties', '1'),
      attribute('VolumeBasedCalculationTechnique', '1'),
      attribute('AcquisitionDateTime', '1C', 'original-or-mixed'),
      attribute('AcquisitionDuration', '2C', 'original-or-mixed'),
      ...PIXEL_DESCRIPTION,
      enumerated('ContentQualification', '1', ['PRODUCT', 'RESEARCH', 'SERVICE']),
      enumerated('BurnedInAnnotation', '1', ['NO']),
      enumerated('LossyImageCompression', '1', ['00', '01']),
      attribute('LossyImageCompressionRatio', '1C', 'lossy-compressed'),
      attribute('LossyImageCompressionMethod', '1C', 'lossy-compressed'),
      enumerated('PresentationLUTShape', '1', ['IDENTITY']),
    ],
  },
  SegmentationSeries: {
    name: 'Segmentation Series', section: 'C.8.20.1', attributes: [
      enumerated('Modality', '1', ['SEG']),
      attribute('SeriesNumber', '1'),
    ],
  },
  SegmentationImage: {
    name: 'Segmentation Image', section: 'C.8.20.2', attributes: [
      attribute('ImageType', '1'),
      attribute('InstanceNumber', '1'),
      attribute('ContentLabel', '1'),
      attribute('ContentDescription', '2'),
      attribute('ContentCreatorName', '2'),
      enumerated('SamplesPerPixel', '1', [1]),
      enumerated('PhotometricInterpretation', '1', ['MONOCHROME2']),
      enumerated('BitsAllocated', '1', [1, 8]),
      enumerated('BitsStored', '1', [1, 8]),
      enumerated('HighBit', '1', [0, 7]),
      enumerated('PixelRepresentation', '1', [0]),
      enumerated('LossyImageCompression', '1', ['00']),
      enumerated('SegmentationType', '1', ['BINARY', 'FRACTIONAL']),
      attribute('SegmentationFractionalType', '1C', 'fractional-segmentation'),
      attribute('MaximumFractionalValue', '1C', 'fractional-segmentation'),
      sequence('SegmentSequence', '1', [
        attribute('SegmentNumber', '1'),
        attribute('SegmentLabel', '1'),
        attribute('SegmentAlgorithmType', '1'),
        attribute('SegmentAlgorithmName', '1C', 'automatic-segment'),
        sequence('SegmentedPropertyCategoryCodeSequence', '1', CODE),
        sequence('SegmentedPropertyTypeCodeSequence', '1', CODE),
      ]),
    ],
  },

  // --- Structured reporting (PS3.3 C.17) ---
  SRDocumentSeries: {
    name: 'SR Document Series', section: 'C.17.1', attributes: [
      enumerated('Modality', '1', ['SR']),
      attribute('SeriesInstanceUID', '1'),
      attribute('SeriesNumber', '1'),
      sequence('ReferencedPerformedProcedureStepSequence', '2', SOP_REFERENCE),
    ],
  },
  SRDocumentGeneral: {
    name: 'SR Document General', section: 'C.17.2', attributes: [
      attribute('InstanceNumber', '1'),
      enumerated('CompletionFlag', '1', ['PARTIAL', 'COMPLETE']),
      enumerated('VerificationFlag', '1', ['UNVERIFIED', 'VERIFIED']),
      attribute('ContentDate', '1'),
      attribute('ContentTime', '1'),
      sequence('VerifyingObserverSequence', '1C', [
        attribute('VerifyingObserverName', '1'),
        sequence('VerifyingObserverIdentificationCodeSequence', '2', CODE),
        attribute('VerifyingOrganization', '2'),
        attribute('VerificationDateTime', '1'),
      ], 'verified'),
      sequence('PerformedProcedureCodeSequence', '2', CODE),
      sequence('CurrentRequestedProcedureEvidenceSequence', '1C', EVIDENCE),
      sequence('PertinentOtherEvidenceSequence', '1C', EVIDENCE),
    ],
  },
  SRDocumentContent: {
    name: 'SR Document Content', section: 'C.17.3', attributes: [
      enumerated('ValueType', '1', ['CONTAINER']),
      sequence('ConceptNameCodeSequence', '1', CODE),
      enumerated('ContinuityOfContent', '1C', ['SEPARATE', 'CONTINUOUS'], 'container'),
      sequence('ContentSequence', '1C', [attribute('RelationshipType', '1')]),
    ],
  },

  // --- Encapsulated documents (PS3.3 C.24) ---
  EncapsulatedDocumentSeries: {
    name: 'Encapsulated Document Series', section: 'C.24.1', attributes: [
      attribute('Modality', '1'),
      attribute('SeriesInstanceUID', '1'),
      attribute('SeriesNumber', '1'),
    ],
  },
  EncapsulatedDocument: {
    name: 'Encapsulated Document', section: 'C.24.2', attributes: [
      attribute('InstanceNumber', '1'),
      attribute('ContentDate', '2'),
      attribute('ContentTime', '2'),
      attribute('AcquisitionDateTime', '2'),
      enumerated('BurnedInAnnotation', '1', ['YES', 'NO']),
      attribute('DocumentTitle', '2'),
      sequence('ConceptNameCodeSequence', '2', CODE),
      enumerated('MIMETypeOfEncapsulatedDocument', '1', ['application/pdf']),
      attribute('EncapsulatedDocument', '1'),
    ],
  },
} as const satisfies Record<string, ModuleDefinition>;

export type ModuleName = keyof typeof MODULES;
