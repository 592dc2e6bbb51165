import { createLogger, EventBus, newStudyId, ValidationReportSchema, type ValidationReport } from '@dsv/common';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { projectConfig } from '../support/inspect.ts';

/**
 * Inputs the fuzzer (validator-fuzz.test.ts) found wrong, minimised and rebuilt by hand, one comment per
 * element. Each names the seed that found it; each goes through the real route.
 */
const app = createApp({ config: projectConfig(), logger: createLogger('validator', 'silent'), events: new EventBus() });

async function validate(bytes: Buffer): Promise<ValidationReport> {
  const res = await request(app).post('/v1/validations').set('x-study-id', newStudyId()).attach('files', bytes, '0001.dcm').expect(200);
  return ValidationReportSchema.parse(res.body);
}

const codes = (report: ValidationReport): string[] => report.errors.map((finding) => finding.code);

describe('fuzz regressions', () => {
  // The fixed boundary cases (any seed), valid/samples/MR_small.dcm cut at 133 to ~330 bytes: the file was valid, no finding at all.
  it('when a file ends inside its file meta, then it is truncated (CORRUPT_DICOM), not valid', async () => {
    const bytes = Buffer.concat([
      Buffer.alloc(128), // preamble
      Buffer.from('DICM', 'latin1'), // PS3.10 §7.1 prefix
      Buffer.from([0x02, 0x00, 0x00, 0x00, 0x55, 0x4c]), // (0002,0000) UL FileMetaInformationGroupLength: tag and VR, then the file ends
    ]);
    const report = await validate(bytes);
    expect(report.valid).toBe(false);
    expect(report.outcome).toEqual({ code: 'CORRUPT_DICOM', httpStatus: 400 });
    expect(codes(report)).toEqual(['truncated']);
  });
});
