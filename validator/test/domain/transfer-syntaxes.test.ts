import { readFileSync } from 'node:fs';
import { TransferSyntax } from '@dsv/common';
import { describe, expect, it } from 'vitest';
import { validateFile } from '../../src/domain/validate-file.ts';
import { corpusAvailable, corpusPath } from '../../../test/support/corpus.ts';
import { implicitElement } from '../../../test/support/dicom-bytes.ts';
import {
  element,
  encapsulatedPixels,
  encapsulatedSecondaryCapture,
  item,
  JPEG_LS_FRAME,
  secondaryCaptureImage,
  UNDEFINED,
} from '../support/fixtures.ts';
import { inspectBytes, inspectCorpus, projectConfig } from '../support/inspect.ts';

const config = projectConfig();
const findingsOf = (result: ReturnType<typeof validateFile>) =>
  [...result.errors, ...result.warnings].map((f) => `${f.severity} ${f.code}`);

describe('validateFile on every transfer syntax', () => {
  describe.skipIf(!corpusAvailable)('when a real file of each syntax the corpus holds is validated', () => {
    it.each([
      ['valid/samples/MR_small_implicit.dcm', TransferSyntax.ImplicitVRLittleEndian],
      ['valid/samples/MR_small.dcm', TransferSyntax.ExplicitVRLittleEndian],
      ['valid/samples/MR_small_bigendian.dcm', TransferSyntax.ExplicitVRBigEndian],
      ['valid/samples/image_dfl.dcm', TransferSyntax.DeflatedExplicitVRLittleEndian],
      ['valid/synthetic/ct-deflated/CT_0001.dcm', TransferSyntax.DeflatedExplicitVRLittleEndian],
      ['valid/synthetic/ct-explicit-be/CT_0001.dcm', TransferSyntax.ExplicitVRBigEndian],
      ['valid/samples/JPGExtended.dcm', TransferSyntax.JPEGExtended12Bit],
      ['valid/samples/JPEG2000.dcm', TransferSyntax.JPEG2000],
      ['valid/samples/MR_small_RLE.dcm', TransferSyntax.RLELossless],
      ['valid/samples/SC_rgb_rle.dcm', TransferSyntax.RLELossless],
    ])('then %s (%s) has no error', async (file, syntax) => {
      const result = validateFile(await inspectCorpus(file), 'file.dcm', config);
      expect(result.instance.TransferSyntaxUID).toBe(syntax.uid);
      expect(result.errors).toEqual([]);
    });
  });

  describe.skipIf(!corpusAvailable)('when a big-endian file holds a UN element of undefined length (PS3.5 §6.2.2)', () => {
    it('then its findings are those of the same file without it: the implicit little-endian items are read, not unparseable', () => {
      const original = readFileSync(corpusPath('valid/samples/MR_small_bigendian.dcm'));
      // Private block 10 of group 7FD1, just before Pixel Data (7FE0,0010) to keep the tags ascending.
      const pixelData = original.indexOf(Buffer.from([0x7f, 0xe0, 0x00, 0x10, 0x4f]));
      const items = Buffer.concat([
        item(0xe000, implicitElement('00080100', 'T-12345'), 0xffffffff), // item of undefined length, Code Value in it
        item(0xe00d), // Item Delimitation Item
        item(0xe0dd), // Sequence Delimitation Item
      ]);
      const withUn = Buffer.concat([
        original.subarray(0, pixelData),
        element('7FD10010', 'LO', 'ACME 1.0', { bigEndian: true }),
        element('7FD11010', 'UN', Buffer.alloc(0), { bigEndian: true, length: UNDEFINED }),
        items,
        original.subarray(pixelData),
      ]);
      expect(findingsOf(validateFile(inspectBytes(withUn), 'file.dcm', config))).toEqual(
        findingsOf(validateFile(inspectBytes(original), 'file.dcm', config)),
      );
    });
  });

  describe('when a hand-built image is encapsulated under each encapsulated syntax', () => {
    const encapsulated = Object.values(TransferSyntax).filter((syntax) => syntax.encapsulated);

    it.each(encapsulated.map((syntax) => [syntax.name, syntax.uid]))(
      'then %s (%s) with one fragment has no finding at all',
      (_name, uid) => {
        const result = validateFile(inspectBytes(encapsulatedSecondaryCapture(uid)), '0001.dcm', config);
        expect(findingsOf(result)).toEqual([]);
        expect(result.instance.TransferSyntaxUID).toBe(uid);
      },
    );

    it('then a JPEG-LS Lossless image of two frames in two fragments, with a Basic Offset Table, has no finding of the encapsulation', () => {
      const pixels = encapsulatedPixels([JPEG_LS_FRAME, JPEG_LS_FRAME], 2);
      const twoFrames = secondaryCaptureImage(
        { '7FE00010': pixels, '00280008': element('00280008', 'IS', '2') },
        { transferSyntax: TransferSyntax.JPEGLSLossless.uid },
      );
      // The only finding is the IOD's: the Secondary Capture Image IOD (PS3.3 §A.8.1) is single-frame, its
      // multi-frame kin have SOP Classes of their own.
      expect(findingsOf(validateFile(inspectBytes(twoFrames), '0001.dcm', config))).toEqual(['warning bad-enum']);
    });
  });

  describe('when a hand-built native image is written in the other native syntaxes', () => {
    it('then Deflated Explicit VR Little Endian has no finding', () => {
      const deflated = secondaryCaptureImage({}, { transferSyntax: TransferSyntax.DeflatedExplicitVRLittleEndian.uid, deflate: true });
      expect(findingsOf(validateFile(inspectBytes(deflated), '0001.dcm', config))).toEqual([]);
    });
  });

  describe('when the encapsulation of a JPEG-LS image is malformed (PS3.5 §A.4)', () => {
    const jpegLs = TransferSyntax.JPEGLSLossless.uid;
    const pixelItems = (...items: Buffer[]) => element('7FE00010', 'OB', Buffer.concat(items), { length: UNDEFINED });

    it.each([
      [
        'the Sequence Delimitation Item is missing at the end of the file',
        'error truncated',
        encapsulatedPixels([JPEG_LS_FRAME], 0, false),
      ],
      [
        'a fragment has an odd length',
        'error encapsulation-broken',
        pixelItems(item(0xe000), item(0xe000, JPEG_LS_FRAME.subarray(0, 29)), item(0xe0dd)),
      ],
      [
        'a fragment has an undefined length',
        'error encapsulation-broken',
        pixelItems(item(0xe000), item(0xe000, JPEG_LS_FRAME, UNDEFINED), item(0xe0dd)),
      ],
      [
        'the Basic Offset Table is not a multiple of 4 bytes',
        'error encapsulation-broken',
        pixelItems(item(0xe000, Buffer.alloc(2)), item(0xe000, JPEG_LS_FRAME), item(0xe0dd)),
      ],
      ['there is no Basic Offset Table item at all', 'error encapsulation-broken', pixelItems(item(0xe0dd))],
    ])('then, when %s, %s', (_case, expected, pixels) => {
      const result = validateFile(inspectBytes(encapsulatedSecondaryCapture(jpegLs, pixels)), '0001.dcm', config);
      expect(findingsOf(result)).toEqual([expected]);
      expect(result.errors[0]).toMatchObject({ tag: '(7FE0,0010)', keyword: 'PixelData' });
    });

    it('then a native Pixel Data element under JPEG-LS is encapsulation-broken', () => {
      const native = secondaryCaptureImage({}, { transferSyntax: jpegLs });
      expect(findingsOf(validateFile(inspectBytes(native), '0001.dcm', config))).toEqual(['error encapsulation-broken']);
    });
  });
});
