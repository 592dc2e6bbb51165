import type { ConditionName } from './conditions.ts';
import type { ModuleName } from './modules.ts';
import type { IodDefinition, ModuleUse } from './types.ts';

/**
 * SOP Class UID (PS3.4 Annex B, PS3.6 Annex A) -> IOD (PS3.3 Annex A) -> the modules it requires. Only
 * mandatory modules (M) and conditional ones (C) whose condition the data set shows are listed; user
 * optional modules (U) are not checked. To add a SOP Class: its UID, the IOD's name and PS3.3 section,
 * and its modules from the IOD's module table, using the names of modules.ts.
 */

type Iod = IodDefinition<ModuleName>;

const m = (module: ModuleName): ModuleUse<ModuleName> => ({ module, usage: 'M' });
const c = (module: ModuleName, when: ConditionName): ModuleUse<ModuleName> => ({ module, usage: 'C', when });

const PATIENT_STUDY = [m('Patient'), m('GeneralStudy')];
const IMAGE_SERIES = [...PATIENT_STUDY, m('GeneralSeries')];

const CT_IMAGE: Iod = {
  name: 'CT Image', section: 'A.3', modules: [
    ...IMAGE_SERIES, m('FrameOfReference'), m('GeneralEquipment'), m('GeneralImage'), m('ImagePlane'), m('ImagePixel'),
    m('CTImage'), m('SOPCommon'),
  ],
};

const MR_IMAGE: Iod = {
  name: 'MR Image', section: 'A.4', modules: [
    ...IMAGE_SERIES, m('FrameOfReference'), m('GeneralEquipment'), m('GeneralImage'), m('ImagePlane'), m('ImagePixel'),
    m('MRImage'), m('SOPCommon'),
  ],
};

const CR_IMAGE: Iod = {
  name: 'Computed Radiography Image', section: 'A.2', modules: [
    ...IMAGE_SERIES, m('CRSeries'), m('GeneralEquipment'), m('GeneralImage'), m('ImagePixel'), m('CRImage'), m('SOPCommon'),
  ],
};

const NM_IMAGE: Iod = {
  name: 'Nuclear Medicine Image', section: 'A.5', modules: [
    ...IMAGE_SERIES, m('NMPETPatientOrientation'), c('FrameOfReference', 'image-position-present'), m('GeneralEquipment'),
    m('GeneralImage'), m('ImagePixel'), m('NMImagePixel'), m('MultiFrame'), m('NMMultiFrame'), m('NMImage'), m('NMIsotope'),
    m('NMDetector'), c('NMTomoAcquisition', 'nm-tomographic'), m('SOPCommon'),
  ],
};

const US_IMAGE: Iod = {
  name: 'Ultrasound Image', section: 'A.6', modules: [
    ...IMAGE_SERIES, c('FrameOfReference', 'image-position-present'), m('GeneralEquipment'), m('GeneralImage'), m('ImagePixel'),
    m('USImage'), m('SOPCommon'),
  ],
};

const US_MULTI_FRAME_IMAGE: Iod = {
  name: 'Ultrasound Multi-frame Image', section: 'A.7', modules: [...US_IMAGE.modules.filter((use) => use.module !== 'SOPCommon'), m('MultiFrame'), m('SOPCommon')],
};

const SC_IMAGE: Iod = {
  name: 'Secondary Capture Image', section: 'A.8.1', modules: [
    ...IMAGE_SERIES, m('SCEquipment'), m('GeneralImage'), m('ImagePixel'), m('SOPCommon'),
  ],
};

const scMultiFrame = (name: string, section: string): Iod => ({
  name, section, modules: [
    ...IMAGE_SERIES, m('SCEquipment'), m('GeneralImage'), m('ImagePixel'), m('MultiFrame'), m('SCMultiFrameImage'), m('SOPCommon'),
  ],
});

const dxFamily = (name: string, section: string, mammography: boolean): Iod => ({
  name, section, modules: [
    ...IMAGE_SERIES, m('DXSeries'), ...(mammography ? [m('MammographySeries')] : []), c('FrameOfReference', 'image-position-present'),
    m('GeneralEquipment'), m('GeneralImage'), m('ImagePixel'), m('DXAnatomyImaged'), m('DXImage'), m('DXDetector'),
    m('AcquisitionContext'), ...(mammography ? [m('MammographyImage')] : []), m('SOPCommon'),
  ],
});

const PET_IMAGE: Iod = {
  name: 'Positron Emission Tomography Image', section: 'A.21', modules: [
    ...IMAGE_SERIES, m('PETSeries'), m('PETIsotope'), m('NMPETPatientOrientation'), m('FrameOfReference'), m('GeneralEquipment'),
    m('GeneralImage'), m('ImagePlane'), m('ImagePixel'), m('PETImage'), m('SOPCommon'),
  ],
};

const ENHANCED_CT_IMAGE: Iod = {
  name: 'Enhanced CT Image', section: 'A.38.1', modules: [
    ...IMAGE_SERIES, m('CTSeries'), m('FrameOfReference'), m('GeneralEquipment'), m('EnhancedGeneralEquipment'), m('ImagePixel'),
    m('MultiFrameFunctionalGroups'), m('MultiFrameDimension'), m('AcquisitionContext'), m('EnhancedCTImage'), m('SOPCommon'),
  ],
};

const ENHANCED_MR_IMAGE: Iod = {
  name: 'Enhanced MR Image', section: 'A.36.2', modules: [
    ...IMAGE_SERIES, m('MRSeries'), m('FrameOfReference'), m('GeneralEquipment'), m('EnhancedGeneralEquipment'), m('ImagePixel'),
    m('MultiFrameFunctionalGroups'), m('MultiFrameDimension'), m('AcquisitionContext'), m('EnhancedMRImage'),
    c('MRPulseSequence', 'original-or-mixed'), m('SOPCommon'),
  ],
};

const SEGMENTATION: Iod = {
  name: 'Segmentation', section: 'A.51', modules: [
    // PS3.3 makes the Frame of Reference conditional on the segmented images having one; dciodvfy asks for it always.
    ...IMAGE_SERIES, m('SegmentationSeries'), m('FrameOfReference'), m('GeneralEquipment'),
    m('EnhancedGeneralEquipment'), m('GeneralImage'), m('ImagePixel'), m('SegmentationImage'), m('MultiFrameFunctionalGroups'),
    m('MultiFrameDimension'), m('SOPCommon'),
  ],
};

const RT_DOSE: Iod = {
  name: 'RT Dose', section: 'A.18', modules: [
    ...PATIENT_STUDY, m('RTSeries'), m('FrameOfReference'), m('GeneralEquipment'), c('GeneralImage', 'pixel-data-present'),
    c('ImagePlane', 'pixel-data-present'), c('ImagePixel', 'pixel-data-present'), c('MultiFrame', 'multi-frame-pixel-data'),
    m('RTDose'), m('SOPCommon'),
  ],
};

const RT_STRUCTURE_SET: Iod = {
  name: 'RT Structure Set', section: 'A.19', modules: [
    ...PATIENT_STUDY, m('RTSeries'), m('FrameOfReference'), m('GeneralEquipment'), m('StructureSet'), m('ROIContour'), m('RTROIObservations'),
    m('SOPCommon'),
  ],
};

const RT_PLAN: Iod = {
  name: 'RT Plan', section: 'A.20', modules: [...PATIENT_STUDY, m('RTSeries'), m('GeneralEquipment'), m('RTGeneralPlan'), m('SOPCommon')],
};

const sr = (name: string, section: string): Iod => ({
  name, section, modules: [
    ...PATIENT_STUDY, m('SRDocumentSeries'), m('GeneralEquipment'), m('SRDocumentGeneral'), m('SRDocumentContent'), m('SOPCommon'),
  ],
});

const ENCAPSULATED_PDF: Iod = {
  name: 'Encapsulated PDF', section: 'A.45.1', modules: [
    ...PATIENT_STUDY, m('EncapsulatedDocumentSeries'), m('GeneralEquipment'), m('SCEquipment'), m('EncapsulatedDocument'), m('SOPCommon'),
  ],
};

/** The table: SOP Class UID -> its storage SOP Class name and IOD. */
export const IODS_BY_SOP_CLASS: ReadonlyMap<string, { sopClass: string; iod: Iod }> = new Map([
  ['1.2.840.10008.5.1.4.1.1.1', { sopClass: 'Computed Radiography Image Storage', iod: CR_IMAGE }],
  ['1.2.840.10008.5.1.4.1.1.1.1', { sopClass: 'Digital X-Ray Image Storage - For Presentation', iod: dxFamily('Digital X-Ray Image', 'A.26.1', false) }],
  ['1.2.840.10008.5.1.4.1.1.1.1.1', { sopClass: 'Digital X-Ray Image Storage - For Processing', iod: dxFamily('Digital X-Ray Image', 'A.26.1', false) }],
  ['1.2.840.10008.5.1.4.1.1.1.2', { sopClass: 'Digital Mammography X-Ray Image Storage - For Presentation', iod: dxFamily('Digital Mammography X-Ray Image', 'A.26.2', true) }],
  ['1.2.840.10008.5.1.4.1.1.1.2.1', { sopClass: 'Digital Mammography X-Ray Image Storage - For Processing', iod: dxFamily('Digital Mammography X-Ray Image', 'A.26.2', true) }],
  ['1.2.840.10008.5.1.4.1.1.2', { sopClass: 'CT Image Storage', iod: CT_IMAGE }],
  ['1.2.840.10008.5.1.4.1.1.2.1', { sopClass: 'Enhanced CT Image Storage', iod: ENHANCED_CT_IMAGE }],
  ['1.2.840.10008.5.1.4.1.1.3.1', { sopClass: 'Ultrasound Multi-frame Image Storage', iod: US_MULTI_FRAME_IMAGE }],
  ['1.2.840.10008.5.1.4.1.1.4', { sopClass: 'MR Image Storage', iod: MR_IMAGE }],
  ['1.2.840.10008.5.1.4.1.1.4.1', { sopClass: 'Enhanced MR Image Storage', iod: ENHANCED_MR_IMAGE }],
  ['1.2.840.10008.5.1.4.1.1.6.1', { sopClass: 'Ultrasound Image Storage', iod: US_IMAGE }],
  ['1.2.840.10008.5.1.4.1.1.7', { sopClass: 'Secondary Capture Image Storage', iod: SC_IMAGE }],
  ['1.2.840.10008.5.1.4.1.1.7.1', { sopClass: 'Multi-frame Single Bit Secondary Capture Image Storage', iod: scMultiFrame('Multi-frame Single Bit SC Image', 'A.8.2') }],
  ['1.2.840.10008.5.1.4.1.1.7.2', { sopClass: 'Multi-frame Grayscale Byte Secondary Capture Image Storage', iod: scMultiFrame('Multi-frame Grayscale Byte SC Image', 'A.8.3') }],
  ['1.2.840.10008.5.1.4.1.1.7.3', { sopClass: 'Multi-frame Grayscale Word Secondary Capture Image Storage', iod: scMultiFrame('Multi-frame Grayscale Word SC Image', 'A.8.4') }],
  ['1.2.840.10008.5.1.4.1.1.7.4', { sopClass: 'Multi-frame True Color Secondary Capture Image Storage', iod: scMultiFrame('Multi-frame True Color SC Image', 'A.8.5') }],
  ['1.2.840.10008.5.1.4.1.1.20', { sopClass: 'Nuclear Medicine Image Storage', iod: NM_IMAGE }],
  ['1.2.840.10008.5.1.4.1.1.66.4', { sopClass: 'Segmentation Storage', iod: SEGMENTATION }],
  ['1.2.840.10008.5.1.4.1.1.88.11', { sopClass: 'Basic Text SR Storage', iod: sr('Basic Text SR', 'A.35.1') }],
  ['1.2.840.10008.5.1.4.1.1.88.22', { sopClass: 'Enhanced SR Storage', iod: sr('Enhanced SR', 'A.35.2') }],
  ['1.2.840.10008.5.1.4.1.1.88.33', { sopClass: 'Comprehensive SR Storage', iod: sr('Comprehensive SR', 'A.35.3') }],
  ['1.2.840.10008.5.1.4.1.1.104.1', { sopClass: 'Encapsulated PDF Storage', iod: ENCAPSULATED_PDF }],
  ['1.2.840.10008.5.1.4.1.1.128', { sopClass: 'Positron Emission Tomography Image Storage', iod: PET_IMAGE }],
  ['1.2.840.10008.5.1.4.1.1.481.2', { sopClass: 'RT Dose Storage', iod: RT_DOSE }],
  ['1.2.840.10008.5.1.4.1.1.481.3', { sopClass: 'RT Structure Set Storage', iod: RT_STRUCTURE_SET }],
  ['1.2.840.10008.5.1.4.1.1.481.5', { sopClass: 'RT Plan Storage', iod: RT_PLAN }],
]);

/** True when the SOP Class's IOD makes the Image Pixel Module mandatory: its instances are images. */
export function requiresImagePixel(sopClassUid: string | undefined): boolean {
  const entry = sopClassUid ? IODS_BY_SOP_CLASS.get(sopClassUid) : undefined;
  return entry?.iod.modules.some((use) => use.module === 'ImagePixel' && use.usage === 'M') ?? false;
}
